import { describe, expect, it } from 'vitest';
import { newRegistry, SANDBOX } from './registry-fixture';

const ADDRESS_ID = 'https://example.com/datatypes/address';
const address = {
  $id: ADDRESS_ID,
  definitions: {
    address: {
      type: 'object',
      properties: { city: { type: 'string' }, postalCode: { type: 'string', pattern: '^[0-9]{5}$' } },
      required: ['city'],
    },
  },
  allOf: [{ $ref: '#/definitions/address' }],
};

const customer = {
  $id: 'https://example.com/schemas/customer',
  type: 'object',
  properties: {
    email: { type: 'string' },
    home: { $ref: `${ADDRESS_ID}#/definitions/address` },
  },
};

describe('SchemaRegistry $ref composition', () => {
  it('resolves a $ref to a registered schema by its $id and a #/definitions fragment', async () => {
    // Prepare
    const { registry } = newRegistry();
    const registered = await registry.register(SANDBOX, {
      title: 'Address',
      class: 'component',
      schema: address,
    });

    // Act
    const stored = await registry.register(SANDBOX, {
      title: 'Customer',
      class: 'profile',
      schema: customer,
    });
    const outcome = await registry.validate(SANDBOX, stored.id, { home: { postalCode: 'x' } });

    // Assess
    expect(stored.dependencies).toEqual([{ id: registered.id, version: 1 }]);
    expect(outcome.violations.map((v) => `${v.keyword} ${v.pointer}`).sort()).toEqual([
      'pattern /home/postalCode',
      'required /home/city',
    ]);
  });

  it('loads dependencies of dependencies', async () => {
    // Prepare
    const { registry } = newRegistry();
    await registry.register(SANDBOX, { title: 'Address', class: 'component', schema: address });
    await registry.register(SANDBOX, { title: 'Customer', class: 'component', schema: customer });
    const vip = {
      $id: 'https://example.com/schemas/vip',
      type: 'object',
      allOf: [{ $ref: customer.$id }],
      properties: { since: { type: 'string', format: 'date' } },
    };

    // Act
    const stored = await registry.register(SANDBOX, { title: 'VIP', class: 'profile', schema: vip });
    const outcome = await registry.validate(SANDBOX, stored.id, { home: {}, since: 'yesterday' });

    // Assess
    expect(stored.dependencies.map((dependency) => dependency.id).sort()).toEqual([ADDRESS_ID, customer.$id]);
    expect(outcome.violations.map((v) => `${v.keyword} ${v.pointer}`).sort()).toEqual([
      'format /since',
      'required /home/city',
    ]);
  });

  it('answers a $ref to an unregistered schema with a 400 naming the ref at its place', async () => {
    // Prepare
    const { registry } = newRegistry();

    // Act
    const outcome = registry.register(SANDBOX, { title: 'Customer', class: 'profile', schema: customer });

    // Assess
    await expect(outcome).rejects.toMatchObject({
      kind: 'invalid',
      violations: [
        {
          pointer: '/schema/properties/home/$ref',
          keyword: '$ref',
          message: `$ref '${ADDRESS_ID}#/definitions/address' names no schema registered in this sandbox`,
        },
      ],
    });
  });

  it('answers a $ref to a missing fragment of a registered schema with a 400 naming the ref', async () => {
    // Prepare
    const { registry } = newRegistry();
    await registry.register(SANDBOX, { title: 'Address', class: 'component', schema: address });
    const schema = { ...customer, properties: { home: { $ref: `${ADDRESS_ID}#/definitions/nowhere` } } };

    // Act
    const outcome = registry.register(SANDBOX, { title: 'Customer', class: 'profile', schema });

    // Assess
    await expect(outcome).rejects.toMatchObject({
      kind: 'invalid',
      violations: [
        expect.objectContaining({
          keyword: '$ref',
          message: expect.stringContaining('/definitions/nowhere') as unknown,
        }),
      ],
    });
  });

  it('refuses to mix dialects that no single Ajv compiles', async () => {
    // Prepare
    const { registry } = newRegistry();
    await registry.register(SANDBOX, {
      title: 'Address',
      class: 'component',
      schema: { ...address, $schema: 'http://json-schema.org/draft-07/schema#' },
    });

    // Act
    const outcome = registry.register(SANDBOX, { title: 'Customer', class: 'profile', schema: customer });

    // Assess
    await expect(outcome).rejects.toMatchObject({
      kind: 'invalid',
      violations: [
        expect.objectContaining({
          pointer: '/schema/properties/home/$ref',
          message: expect.stringContaining('draft-07') as unknown,
        }),
      ],
    });
  });

  it('pins dependencies: a version keeps validating as when it was registered after its dependency evolves', async () => {
    // Prepare
    const { registry } = newRegistry();
    await registry.register(SANDBOX, { title: 'Address', class: 'component', schema: address });
    const stored = await registry.register(SANDBOX, {
      title: 'Customer',
      class: 'profile',
      schema: customer,
    });
    const widened = structuredClone(address);
    Object.assign(widened.definitions.address.properties, { country: { type: 'string' } });
    await registry.evolve(SANDBOX, ADDRESS_ID, { schema: widened });
    const record = { home: { city: 'Basel', country: 7 } };

    // Act
    const before = await registry.validate(SANDBOX, stored.id, record, 1);
    const evolvedCustomer = await registry.evolve(SANDBOX, stored.id, { schema: customer });
    const after = await registry.validate(SANDBOX, stored.id, record, evolvedCustomer.version);

    // Assess
    expect(before.valid).toBe(true);
    expect(evolvedCustomer.dependencies).toEqual([{ id: ADDRESS_ID, version: 2 }]);
    expect(after.violations).toEqual([
      expect.objectContaining({ pointer: '/home/country', keyword: 'type' }),
    ]);
  });
});
