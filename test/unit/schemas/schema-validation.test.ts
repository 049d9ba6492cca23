import { describe, expect, it } from 'vitest';
import { newRegistry, personSchema, SANDBOX } from './registry-fixture';

const PERSON_ID = 'https://example.com/schemas/person';

async function registeredPerson(extra: Record<string, unknown> = {}) {
  const setup = newRegistry();
  await setup.registry.register(SANDBOX, { title: 'Person', class: 'profile', schema: personSchema(extra) });
  return setup;
}

describe('SchemaRegistry validation', () => {
  it('accepts a valid record', async () => {
    // Prepare
    const { registry } = await registeredPerson();

    // Act
    const outcome = await registry.validate(SANDBOX, PERSON_ID, {
      email: 'a@b.co',
      person: { name: 'Ada', age: 36 },
    });

    // Assess
    expect(outcome).toEqual({ valid: true, violations: [] });
  });

  it('points at the missing field for required, and at the field for everything else', async () => {
    // Prepare
    const { registry } = await registeredPerson({ additionalProperties: false });

    // Act
    const outcome = await registry.validate(SANDBOX, PERSON_ID, {
      email: 'not-an-email',
      person: { age: 'old' },
      tier: 'platinum',
      nickname: 'x',
    });

    // Assess
    expect(outcome.valid).toBe(false);
    expect(outcome.violations).toEqual(
      expect.arrayContaining([
        {
          pointer: '/nickname',
          keyword: 'additionalProperties',
          message: "field 'nickname' is not allowed here",
        },
        { pointer: '/email', keyword: 'format', message: 'must match format "email"' },
        { pointer: '/person/name', keyword: 'required', message: "required field 'name' is missing" },
        { pointer: '/person/age', keyword: 'type', message: 'must be integer' },
        { pointer: '/tier', keyword: 'enum', message: 'must be one of "gold", "silver"' },
      ]),
    );
    expect(outcome.violations).toHaveLength(5);
  });

  it('points at the root with an empty pointer', async () => {
    // Prepare
    const { registry } = await registeredPerson();

    // Act
    const outcome = await registry.validate(SANDBOX, PERSON_ID, ['not', 'an', 'object']);

    // Assess
    expect(outcome.violations).toEqual([{ pointer: '', keyword: 'type', message: 'must be object' }]);
  });

  it('escapes field names in pointers', async () => {
    // Prepare
    const { registry } = await registeredPerson({ required: ['a/b', 'c~d'] });

    // Act
    const outcome = await registry.validate(SANDBOX, PERSON_ID, {});

    // Assess
    expect(outcome.violations.map((violation) => violation.pointer)).toEqual(['/a~1b', '/c~0d']);
  });

  it('answers 404 for an unknown schema or version', async () => {
    // Prepare
    const { registry } = await registeredPerson();

    // Act
    const unknownSchema = registry.validate(SANDBOX, 'https://example.com/nothing', {});
    const unknownVersion = registry.validate(SANDBOX, PERSON_ID, {}, 7);

    // Assess
    await expect(unknownSchema).rejects.toMatchObject({ kind: 'not-found' });
    await expect(unknownVersion).rejects.toMatchObject({
      kind: 'not-found',
      message: expect.stringContaining("version '7'") as unknown,
    });
  });

  it('caches the compiled validator per version: no store read once a version is known', async () => {
    // Prepare
    const { registry, store } = await registeredPerson();
    const first = await registry.validatorFor(SANDBOX, PERSON_ID, 1);
    const readsBefore = store.reads;

    // Act
    const second = await registry.validatorFor(SANDBOX, PERSON_ID, 1);
    const viaValidate = await registry.validate(SANDBOX, PERSON_ID, { person: {} }, 1);

    // Assess
    expect(second).toBe(first);
    expect(store.reads).toBe(readsBefore);
    expect(viaValidate.violations).toEqual([expect.objectContaining({ pointer: '/person/name' })]);
  });

  it('compiles a validator once for a registry that did not register the schema (another Lambda)', async () => {
    // Prepare
    const { registry, store } = await registeredPerson();
    const { SchemaRegistry } = await import('../../../lambdas/core/schemas/schema-registry');
    const other = new SchemaRegistry({
      store,
      namespaces: { canonicalCode: async (_sandbox, code) => code },
    });

    // Act
    const latest = await other.validatorFor(SANDBOX, PERSON_ID);
    const pinned = await other.validatorFor(SANDBOX, PERSON_ID, 1);

    // Assess
    expect(pinned).toBe(latest);
    expect(latest({ person: { name: 5 } })).toEqual([
      { pointer: '/person/name', keyword: 'type', message: 'must be string' },
    ]);
    expect(registry).not.toBe(other);
  });
});
