import { describe, expect, it } from 'vitest';
import { eventSchema, newRegistry, personSchema, SANDBOX } from './registry-fixture';

describe('SchemaRegistry class and identity rules', () => {
  it('accepts an event schema that declares and requires _id and timestamp', async () => {
    // Prepare
    const { registry } = newRegistry();

    // Act
    const stored = await registry.register(SANDBOX, {
      title: 'Page view',
      class: 'event',
      schema: eventSchema(),
    });

    // Assess
    expect(stored.class).toBe('event');
  });

  it('finds _id and timestamp through allOf and $ref', async () => {
    // Prepare
    const { registry } = newRegistry();
    await registry.register(SANDBOX, {
      title: 'Time series',
      class: 'component',
      schema: {
        $id: 'https://example.com/behaviors/time-series',
        definitions: {
          fields: {
            properties: { _id: { type: 'string' }, timestamp: { type: 'string' } },
            required: ['_id', 'timestamp'],
          },
        },
      },
    });

    // Act
    const stored = await registry.register(SANDBOX, {
      title: 'Click',
      class: 'event',
      schema: {
        type: 'object',
        allOf: [{ $ref: 'https://example.com/behaviors/time-series#/definitions/fields' }],
      },
    });

    // Assess
    expect(stored.dependencies).toEqual([{ id: 'https://example.com/behaviors/time-series', version: 1 }]);
  });

  it('rejects an event schema without _id, with timestamp not required, pointing at each', async () => {
    // Prepare
    const { registry } = newRegistry();
    const schema = eventSchema({ properties: { timestamp: { type: 'string' } }, required: [] });

    // Act
    const outcome = registry.register(SANDBOX, { title: 'Broken', class: 'event', schema });

    // Assess
    await expect(outcome).rejects.toMatchObject({
      kind: 'invalid',
      violations: [
        {
          pointer: '/schema/properties/_id',
          keyword: 'class',
          message: "an event schema must declare the string field '_id'",
        },
        {
          pointer: '/schema/required',
          keyword: 'class',
          message: "an event schema must require 'timestamp'",
        },
      ],
    });
  });

  it('rejects a profile schema that does not describe objects', async () => {
    // Prepare
    const { registry } = newRegistry();

    // Act
    const outcome = registry.register(SANDBOX, {
      title: 'Text',
      class: 'profile',
      schema: { type: 'string' },
    });

    // Assess
    await expect(outcome).rejects.toMatchObject({
      kind: 'invalid',
      violations: [expect.objectContaining({ pointer: '/schema/type' })],
    });
  });

  it('resolves identity descriptors, and the primary one, to string fields', async () => {
    // Prepare
    const { registry } = newRegistry();

    // Act
    const stored = await registry.register(SANDBOX, {
      title: 'Person',
      class: 'profile',
      schema: personSchema(),
      identities: [
        { path: '/email', namespace: 'Email', primary: true },
        { path: '/person/name', namespace: 'CRMID' },
      ],
    });

    // Assess
    expect(stored.identities).toEqual([
      { path: '/email', namespace: 'Email', primary: true },
      { path: '/person/name', namespace: 'CRMID', primary: false },
    ]);
    expect(stored.primaryIdentity).toEqual({ path: '/email', namespace: 'Email' });
    expect(stored.hasIdentityMap).toBe(false);
  });

  it('stores each namespace with its defined spelling, whatever case the descriptor used', async () => {
    // Prepare
    const { registry } = newRegistry();

    // Act
    const stored = await registry.register(SANDBOX, {
      title: 'Person',
      class: 'profile',
      schema: personSchema(),
      identities: [{ path: '/email', namespace: 'email', primary: true }],
    });

    // Assess
    expect(stored.identities).toEqual([{ path: '/email', namespace: 'Email', primary: true }]);
    expect(stored.primaryIdentity).toEqual({ path: '/email', namespace: 'Email' });
  });

  it('rejects bad identity descriptors with a pointer into the request body for each', async () => {
    // Prepare
    const { registry } = newRegistry();

    // Act
    const outcome = registry.register(SANDBOX, {
      title: 'Person',
      class: 'profile',
      schema: personSchema(),
      identities: [
        { path: '/person/nickname', namespace: 'Email', primary: true },
        { path: '/person/age', namespace: 'CRMID' },
        { path: 'email', namespace: 'Fax' },
        { path: '/email', namespace: 'ECID', primary: true },
      ],
    });

    // Assess
    await expect(outcome).rejects.toMatchObject({
      kind: 'invalid',
      violations: [
        {
          pointer: '/identities/0/path',
          keyword: 'identity',
          message: 'the schema declares no field /person/nickname',
        },
        { pointer: '/identities/1/path', keyword: 'identity', message: '/person/age must be a string field' },
        {
          pointer: '/identities/2/path',
          keyword: 'identity',
          message: 'must be a JSON pointer to a field, e.g. /email',
        },
        {
          pointer: '/identities/2/namespace',
          keyword: 'identity',
          message: "identity namespace 'Fax' does not exist in this sandbox",
        },
        {
          pointer: '/identities/3/primary',
          keyword: 'identity',
          message: 'only one identity may be primary',
        },
      ],
    });
  });

  it('detects a top-level identityMap, which supplies the primary identity when no descriptor does', async () => {
    // Prepare
    const { registry } = newRegistry();
    const identityMap = {
      type: 'object',
      additionalProperties: {
        type: 'array',
        items: {
          type: 'object',
          properties: { id: { type: 'string' }, primary: { type: 'boolean' } },
          required: ['id'],
        },
      },
    };

    // Act
    const stored = await registry.register(SANDBOX, {
      title: 'Page view',
      class: 'event',
      schema: eventSchema({ properties: { ...eventSchema().properties, identityMap } }),
    });

    // Assess
    expect(stored.hasIdentityMap).toBe(true);
    expect(stored.primaryIdentity).toEqual({ path: 'identityMap' });
  });

  it('gives component schemas no identities', async () => {
    // Prepare
    const { registry } = newRegistry();

    // Act
    const outcome = registry.register(SANDBOX, {
      title: 'Block',
      class: 'component',
      schema: personSchema(),
      identities: [{ path: '/email', namespace: 'Email' }],
    });

    // Assess
    await expect(outcome).rejects.toMatchObject({
      kind: 'invalid',
      violations: [expect.objectContaining({ pointer: '/identities', keyword: 'class' })],
    });
  });
});
