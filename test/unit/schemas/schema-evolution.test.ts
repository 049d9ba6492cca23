import { describe, expect, it } from 'vitest';
import { newRegistry, personSchema, SANDBOX } from './registry-fixture';

const PERSON_ID = 'https://example.com/schemas/person';
const EMAIL_IDENTITY = { path: '/email', namespace: 'Email', primary: true };

async function registeredPerson() {
  const setup = newRegistry();
  await setup.registry.register(SANDBOX, {
    title: 'Person',
    class: 'profile',
    schema: personSchema(),
    identities: [EMAIL_IDENTITY],
  });
  return setup;
}

/** The person schema with `change` applied to a copy of its properties. */
function changed(
  change: (properties: Record<string, Record<string, unknown>>, schema: Record<string, unknown>) => void,
) {
  const schema = personSchema() as Record<string, unknown>;
  change(schema.properties as Record<string, Record<string, unknown>>, schema);
  return schema;
}

describe('SchemaRegistry.evolve', () => {
  it('adds a version with new optional fields, a wider enum and a new identity', async () => {
    // Prepare
    const { registry } = await registeredPerson();
    const schema = changed((properties) => {
      properties.phone = { type: 'string' };
      properties.tier = { type: 'string', enum: ['gold', 'silver', 'bronze'] };
    });

    // Act
    const v2 = await registry.evolve(SANDBOX, PERSON_ID, {
      schema,
      identities: [EMAIL_IDENTITY, { path: '/phone', namespace: 'CRMID' }],
    });

    // Assess
    expect(v2).toMatchObject({
      id: PERSON_ID,
      version: 2,
      title: 'Person',
      class: 'profile',
      createdAt: '2025-01-02T03:04:05.000Z',
    });
    expect((await registry.get(SANDBOX, PERSON_ID)).version).toBe(2);
    expect((await registry.get(SANDBOX, PERSON_ID, 1)).version).toBe(1);
    expect((await registry.validate(SANDBOX, PERSON_ID, { tier: 'bronze' }, 1)).valid).toBe(false);
    expect((await registry.validate(SANDBOX, PERSON_ID, { tier: 'bronze' })).valid).toBe(true);
  });

  it.each([
    [
      'a removed field',
      changed((properties) => delete properties.tier),
      {
        pointer: '/schema/properties/tier',
        keyword: 'properties',
        message: "field 'tier' may not be removed",
      },
    ],
    [
      'a nested type change',
      changed(
        (properties) => ((properties.person?.properties as Record<string, unknown>).age = { type: 'string' }),
      ),
      {
        pointer: '/schema/properties/person/properties/age/type',
        keyword: 'type',
        message: 'type changed from integer to string',
      },
    ],
    [
      'a new required field',
      changed((_properties, schema) => (schema.required = ['email'])),
      { pointer: '/schema/required', keyword: 'required', message: "'email' may not become required" },
    ],
    [
      'a narrower enum',
      changed((properties) => (properties.tier = { type: 'string', enum: ['gold'] })),
      {
        pointer: '/schema/properties/tier/enum',
        keyword: 'enum',
        message: 'enum values may only be added; removed: "silver"',
      },
    ],
    [
      'an enum on a free field',
      changed((properties) => (properties.email = { type: 'string', format: 'email', enum: ['a@b.c'] })),
      {
        pointer: '/schema/properties/email/enum',
        keyword: 'enum',
        message: 'an enum may not be added to an existing field',
      },
    ],
  ])('answers %s with 422 breaking-change and a pointer', async (_kind, schema, violation) => {
    // Prepare
    const { registry } = await registeredPerson();

    // Act
    const outcome = registry.evolve(SANDBOX, PERSON_ID, { schema, identities: [EMAIL_IDENTITY] });

    // Assess
    await expect(outcome).rejects.toMatchObject({
      kind: 'unprocessable',
      code: 'breaking-change',
      violations: [violation],
    });
    expect((await registry.get(SANDBOX, PERSON_ID)).version).toBe(1);
  });

  it('refuses to remove an identity, to change the primary one, or to change class', async () => {
    // Prepare
    const { registry } = await registeredPerson();

    // Act
    const removed = registry.evolve(SANDBOX, PERSON_ID, { schema: personSchema() });
    const demoted = registry.evolve(SANDBOX, PERSON_ID, {
      schema: personSchema(),
      identities: [
        { ...EMAIL_IDENTITY, primary: false },
        { path: '/person/name', namespace: 'CRMID', primary: true },
      ],
    });
    const reclassed = registry.evolve(SANDBOX, PERSON_ID, { class: 'component', schema: personSchema() });

    // Assess
    await expect(removed).rejects.toMatchObject({
      kind: 'unprocessable',
      violations: [expect.objectContaining({ pointer: '/identities/0' })],
    });
    await expect(demoted).rejects.toMatchObject({
      kind: 'unprocessable',
      violations: [expect.objectContaining({ pointer: '/identities/0', keyword: 'identity' })],
    });
    await expect(reclassed).rejects.toMatchObject({
      kind: 'unprocessable',
      violations: [expect.objectContaining({ pointer: '/class' })],
    });
  });

  it('refuses a different $id', async () => {
    // Prepare
    const { registry } = await registeredPerson();

    // Act
    const outcome = registry.evolve(SANDBOX, PERSON_ID, {
      schema: { ...personSchema(), $id: 'https://example.com/other' },
      identities: [EMAIL_IDENTITY],
    });

    // Assess
    await expect(outcome).rejects.toMatchObject({
      kind: 'unprocessable',
      violations: [expect.objectContaining({ pointer: '/schema/$id' })],
    });
  });

  it('answers 404 for an unknown schema', async () => {
    // Prepare
    const { registry } = newRegistry();

    // Act
    const outcome = registry.evolve(SANDBOX, PERSON_ID, { schema: personSchema() });

    // Assess
    await expect(outcome).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('lets one of two concurrent evolutions of the same version win; the other gets 409', async () => {
    // Prepare
    const { registry } = await registeredPerson();
    const withPhone = changed((properties) => (properties.phone = { type: 'string' }));
    const withFax = changed((properties) => (properties.fax = { type: 'string' }));

    // Act
    const outcomes = await Promise.allSettled([
      registry.evolve(SANDBOX, PERSON_ID, { schema: withPhone, identities: [EMAIL_IDENTITY] }),
      registry.evolve(SANDBOX, PERSON_ID, { schema: withFax, identities: [EMAIL_IDENTITY] }),
    ]);

    // Assess
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = outcomes.find((outcome) => outcome.status === 'rejected');
    expect(rejected?.reason).toMatchObject({ kind: 'conflict', code: 'version-conflict' });
    expect((await registry.get(SANDBOX, PERSON_ID)).version).toBe(2);
  });
});
