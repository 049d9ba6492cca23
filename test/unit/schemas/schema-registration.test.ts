import { describe, expect, it } from 'vitest';
import { eventSchema, newRegistry, personSchema, SANDBOX } from './registry-fixture';

const withoutId = (schema: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(schema).filter(([name]) => name !== '$id'));

describe('SchemaRegistry.register', () => {
  it('registers a schema under its $id as version 1', async () => {
    // Prepare
    const { registry } = newRegistry();

    // Act
    const stored = await registry.register(SANDBOX, {
      title: 'Person',
      class: 'profile',
      schema: personSchema(),
    });

    // Assess
    expect(stored).toMatchObject({
      id: 'https://example.com/schemas/person',
      version: 1,
      title: 'Person',
      class: 'profile',
      dialect: '2020-12',
      identities: [],
      hasIdentityMap: false,
      dependencies: [],
      warnings: [],
      createdAt: '2025-01-02T03:04:05.000Z',
      updatedAt: '2025-01-02T03:04:05.000Z',
    });
    expect(await registry.get(SANDBOX, stored.id)).toEqual(stored);
  });

  it('generates a URI id for a schema without $id and writes it into the schema', async () => {
    // Prepare
    const { registry } = newRegistry();
    const schema = withoutId(personSchema());

    // Act
    const stored = await registry.register(SANDBOX, { title: 'Person', class: 'profile', schema });

    // Assess
    expect(stored.id).toMatch(/^https:\/\/ns\.tributary\.dev\/prod\/schemas\/[0-9a-f-]{36}$/);
    expect(stored.schema.$id).toBe(stored.id);
  });

  it('refuses a second registration of the same $id with 409', async () => {
    // Prepare
    const { registry } = newRegistry();
    await registry.register(SANDBOX, { title: 'Person', class: 'profile', schema: personSchema() });

    // Act
    const again = registry.register(SANDBOX, { title: 'Person', class: 'profile', schema: personSchema() });

    // Assess
    await expect(again).rejects.toMatchObject({ kind: 'conflict', code: 'schema-exists' });
  });

  it('keeps sandboxes apart', async () => {
    // Prepare
    const { registry } = newRegistry();
    await registry.register(SANDBOX, { title: 'Person', class: 'profile', schema: personSchema() });

    // Act
    const elsewhere = registry.get('dev', 'https://example.com/schemas/person');

    // Assess
    await expect(elsewhere).rejects.toMatchObject({ kind: 'not-found', code: 'not-found' });
  });

  it('answers a malformed body with a 400 pointing at every bad field', async () => {
    // Prepare
    const { registry } = newRegistry();

    // Act
    const outcome = registry.register(SANDBOX, {
      title: '',
      class: 'person',
      schema: [],
      identities: [{ path: '/email' }],
      extra: true,
    });

    // Assess
    await expect(outcome).rejects.toMatchObject({
      kind: 'invalid',
      code: 'validation-failed',
      violations: expect.arrayContaining([
        expect.objectContaining({ pointer: '/title' }),
        expect.objectContaining({ pointer: '/class' }),
        expect.objectContaining({ pointer: '/schema' }),
        expect.objectContaining({ pointer: '/identities/0/namespace' }),
        expect.objectContaining({ pointer: '/extra', keyword: 'additionalProperties' }),
      ]) as unknown,
    });
  });

  it('rejects a schema that breaks its meta-schema, pointing into it', async () => {
    // Prepare
    const { registry } = newRegistry();

    // Act
    const outcome = registry.register(SANDBOX, {
      title: 'Broken',
      class: 'profile',
      schema: personSchema({ properties: { age: { type: 'integr' } } }),
    });

    // Assess
    await expect(outcome).rejects.toMatchObject({
      kind: 'invalid',
      violations: expect.arrayContaining([
        expect.objectContaining({ pointer: '/schema/properties/age/type' }),
      ]) as unknown,
    });
  });

  it('rejects an unknown $schema dialect', async () => {
    // Prepare
    const { registry } = newRegistry();

    // Act
    const outcome = registry.register(SANDBOX, {
      title: 'Person',
      class: 'profile',
      schema: personSchema({ $schema: 'https://example.com/my-dialect' }),
    });

    // Assess
    await expect(outcome).rejects.toMatchObject({
      kind: 'invalid',
      violations: [expect.objectContaining({ pointer: '/schema/$schema' })],
    });
  });

  it.each([
    ['http://json-schema.org/draft-04/schema#', 'draft-04', 'id'],
    ['http://json-schema.org/draft-06/schema#', 'draft-07', '$id'],
    ['http://json-schema.org/draft-07/schema#', 'draft-07', '$id'],
    ['https://json-schema.org/draft/2019-09/schema', '2019-09', '$id'],
    ['https://json-schema.org/draft/2020-12/schema', '2020-12', '$id'],
  ])('compiles %s with the matching Ajv', async (metaSchema, dialect, idKeyword) => {
    // Prepare
    const { registry } = newRegistry();
    const schema = withoutId(personSchema({ $schema: metaSchema }));

    // Act
    const stored = await registry.register(SANDBOX, {
      title: 'Person',
      class: 'profile',
      schema: { ...schema, [idKeyword]: 'https://example.com/schemas/person' },
    });
    const outcome = await registry.validate(SANDBOX, stored.id, { person: { age: -1 } });

    // Assess
    expect(stored.dialect).toBe(dialect);
    expect(outcome.violations.map((v) => `${v.keyword} ${v.pointer}`).sort()).toEqual([
      'minimum /person/age',
      'required /person/name',
    ]);
  });

  it('tolerates XDM meta:* keywords but rejects an unknown keyword, pointing at it', async () => {
    // Prepare
    const { registry } = newRegistry();
    const annotated = personSchema({
      'meta:extensible': true,
      'meta:status': 'stable',
      'meta:xdmType': 'object',
    });
    const typo = personSchema({ properties: { email: { type: 'string', maxLenght: 3 } } });

    // Act
    const stored = await registry.register(SANDBOX, { title: 'Person', class: 'profile', schema: annotated });
    const rejected = registry.register(SANDBOX, {
      title: 'Typo',
      class: 'profile',
      schema: { ...typo, $id: 'https://example.com/typo' },
    });

    // Assess
    expect(stored.warnings).toEqual([]);
    await expect(rejected).rejects.toMatchObject({
      kind: 'invalid',
      violations: [
        expect.objectContaining({ pointer: '/schema/properties/email/maxLenght', keyword: 'unknownKeyword' }),
      ],
    });
  });

  it('keeps unknown keywords as annotations, with a warning, when asked to', async () => {
    // Prepare
    const { registry } = newRegistry();
    const schema = personSchema({
      properties: { email: { type: 'string', 'xdm:lightingCondition': 'dim' } },
    });

    // Act
    const stored = await registry.register(SANDBOX, {
      title: 'Person',
      class: 'profile',
      schema,
      unknownKeywords: 'ignore',
    });

    // Assess
    expect(stored.warnings).toEqual([
      {
        pointer: '/schema/properties/email/xdm:lightingCondition',
        message: "unknown keyword 'xdm:lightingCondition' kept as an annotation without meaning",
      },
    ]);
    expect((await registry.validate(SANDBOX, stored.id, { email: 'a' })).valid).toBe(true);
  });

  it('rejects an unknown format, a real mistake that strict mode catches', async () => {
    // Prepare
    const { registry } = newRegistry();

    // Act
    const outcome = registry.register(SANDBOX, {
      title: 'Person',
      class: 'profile',
      schema: personSchema({ properties: { email: { type: 'string', format: 'e-mail' } } }),
    });

    // Assess
    await expect(outcome).rejects.toMatchObject({
      kind: 'invalid',
      violations: [
        expect.objectContaining({ message: expect.stringContaining('unknown format "e-mail"') as unknown }),
      ],
    });
  });

  it('rejects a pattern that is no regular expression, and evaluates a non-Unicode one without the u flag', async () => {
    // Prepare
    const { registry } = newRegistry();
    const legacy = personSchema({ properties: { code: { type: 'string', pattern: '^[a-z\\_]+$' } } });
    const broken = {
      ...personSchema({ properties: { code: { type: 'string', pattern: '^[a-z' } } }),
      $id: 'https://example.com/broken',
    };

    // Act
    const stored = await registry.register(SANDBOX, { title: 'Legacy', class: 'profile', schema: legacy });
    const rejected = registry.register(SANDBOX, { title: 'Broken', class: 'profile', schema: broken });

    // Assess
    expect(stored.unicodePatterns).toBe(false);
    expect(stored.warnings).toEqual([
      expect.objectContaining({ pointer: '/schema/properties/code/pattern' }),
    ]);
    expect(await registry.validate(SANDBOX, stored.id, { code: 'a_b' })).toEqual({
      valid: true,
      violations: [],
    });
    expect((await registry.validate(SANDBOX, stored.id, { code: 'A' })).violations).toEqual([
      expect.objectContaining({ pointer: '/code', keyword: 'pattern' }),
    ]);
    await expect(rejected).rejects.toMatchObject({
      kind: 'invalid',
      violations: [
        expect.objectContaining({ pointer: '/schema/properties/code/pattern', keyword: 'pattern' }),
      ],
    });
  });

  it('lists the latest version of every schema, a page at a time', async () => {
    // Prepare
    const { registry } = newRegistry();
    await registry.register(SANDBOX, { title: 'Person', class: 'profile', schema: personSchema() });
    await registry.register(SANDBOX, { title: 'Page view', class: 'event', schema: eventSchema() });

    // Act
    const first = await registry.list(SANDBOX, { limit: 1 });
    const second = await registry.list(SANDBOX, { limit: 1, start: first.next });

    // Assess
    expect(first.items.map((item) => item.title)).toEqual(['Page view']);
    expect(second).toEqual({
      items: [expect.objectContaining({ title: 'Person', version: 1, class: 'profile' })],
    });
  });
});
