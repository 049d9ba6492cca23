import { beforeEach, describe, expect, it } from 'vitest';
import type { MappingRule } from '../../../lambdas/core/mapping/mapping-types';
import type { CollectRequest } from '../../../lambdas/core/streaming/collect-service';
import { MemoryMappingSetStore } from '../../support/memory-mapping-sets';
import { collectFixture, DATASET_ID, envelope, NOW } from './collect-fixture';

const MAPPED_INLET = 'd'.repeat(64);
const SET_ID = 'people-from-crm';

/** A rule whose expression fails on a row without `birthYear` (the engine warns and leaves the field out). */
const FAILING_RULE: MappingRule = {
  sourceType: 'EXPRESSION',
  source: 'to_integer(birthYear)',
  destination: 'person.age',
};

const RULES: MappingRule[] = [
  { sourceType: 'ATTRIBUTE', source: 'mail', destination: 'email' },
  { sourceType: 'EXPRESSION', source: 'upper(first)', destination: 'person.name' },
  { sourceType: 'ATTRIBUTE', source: 'years', destination: 'person.age' },
  { sourceType: 'STATIC', source: 'gold', destination: 'tier' },
];

type Fixture = Awaited<ReturnType<typeof collectFixture>>;

describe('collect: raw messages on an inlet with a mapping', () => {
  let fixture: Fixture;
  let mappingSets: MemoryMappingSetStore;

  async function mappedInlet(rules: readonly MappingRule[]): Promise<void> {
    await mappingSets.put({
      id: SET_ID,
      sandbox: 'prod',
      version: 1,
      mappings: rules,
      createdAt: NOW.toISOString(),
      createdBy: 'k',
      updatedAt: NOW.toISOString(),
      updatedBy: 'k',
    });
    await fixture.inlets.create({
      inletId: MAPPED_INLET,
      sandbox: 'prod',
      name: 'crm',
      authenticated: false,
      datasetId: DATASET_ID,
      mapping: { mappingSetId: SET_ID, version: 1 },
      createdAt: NOW.toISOString(),
      createdBy: 'k',
    });
  }

  const request = (body: unknown, syncValidation = false): CollectRequest => ({
    inletId: MAPPED_INLET,
    sandboxHint: 'prod',
    presentedKey: undefined,
    syncValidation,
    body,
  });

  beforeEach(async () => {
    mappingSets = new MemoryMappingSetStore();
    fixture = await collectFixture({ mappingSets });
  });

  it('maps and types the raw message before it is keyed and written', async () => {
    // Prepare
    await mappedInlet(RULES);

    // Act
    const answer = await fixture.service.collectOne(
      request({ mail: 'Ann@Example.com', first: 'ann', years: '41', ignored: true }),
    );

    // Assess
    expect(answer.warnings).toBeUndefined();
    expect(fixture.stream.messages().map((message) => message.record)).toEqual([
      { email: 'Ann@Example.com', person: { name: 'ANN', age: 41 }, tier: 'gold' },
    ]);
    expect(fixture.stream.written.map((entry) => entry.partitionKey)).toEqual(['Email#ann@example.com']);
  });

  it('leaves out a field whose expression failed and answers the warning', async () => {
    // Prepare
    await mappedInlet([...RULES.slice(0, 2), FAILING_RULE]);

    // Act
    const answer = await fixture.service.collectOne(
      request({ mail: 'a@x.io', first: 'ann', birthYear: 'soon' }),
    );

    // Assess
    expect(answer.warnings).toEqual([
      expect.objectContaining({ mapping: 2, destination: 'person.age', code: 'expression-error' }),
    ]);
    expect(fixture.stream.messages()[0]?.record).toEqual({ email: 'a@x.io', person: { name: 'ANN' } });
  });

  it('under syncValidation, refuses a mapped record that is invalid, with the mapping’s warnings among the violations', async () => {
    // Prepare: a person without a name fails the schema (person.name is required)
    await mappedInlet([RULES[0]!, RULES[2]!, { ...FAILING_RULE, destination: 'person.name' }]);

    // Act
    const refused = await fixture.service
      .collectOne(request({ mail: 'a@x.io', years: '30', birthYear: 'soon' }, true))
      .catch((error: unknown) => error);

    // Assess
    expect(refused).toMatchObject({ kind: 'invalid', code: 'validation-failed' });
    const violations = (refused as { violations: { pointer: string; keyword: string }[] }).violations;
    expect(violations.map((violation) => [violation.pointer, violation.keyword])).toEqual(
      expect.arrayContaining([['/person/name', 'mapping']]),
    );
    expect(fixture.stream.written).toEqual([]);
  });

  it('refuses a raw message whose mapping goes over a bound, naming the rule, and writes nothing', async () => {
    // Prepare: each rule writes a million characters; the 34th is past the row's output bound (32 MiB)
    const wide = Array.from({ length: 40 }, (_, index) => ({
      sourceType: 'EXPRESSION' as const,
      source: 'lpad(mail, 999999, "x")',
      destination: `wide${index}`,
    }));
    await mappedInlet([RULES[0]!, ...wide]);

    // Act
    const refused = await fixture.service
      .collectOne(request({ mail: 'a@x.io' }))
      .catch((error: unknown) => error);

    // Assess
    expect(refused).toMatchObject({ kind: 'invalid', code: 'mapping-limit-exceeded' });
    const violations = (refused as { violations: { pointer: string; keyword: string }[] }).violations;
    expect(violations.map((violation) => [violation.pointer, violation.keyword])).toEqual([
      ['/wide33', 'mapping'],
    ]);
    expect(fixture.stream.written).toEqual([]);
  });

  it('answers each message of a batch with its own warnings, and maps no envelope', async () => {
    // Prepare
    await mappedInlet([...RULES.slice(0, 2), FAILING_RULE]);

    // Act
    const answer = await fixture.service.collectBatch(
      request({
        messages: [
          { mail: 'a@x.io', first: 'ann', birthYear: '1980' },
          { mail: 'b@x.io', first: 'bob', birthYear: 'unknown' },
          envelope({ email: 'c@x.io', person: { name: 'Cy' } }),
        ],
      }),
    );

    // Assess
    expect(answer.responses[0]).not.toHaveProperty('warnings');
    expect(answer.responses[1]).toMatchObject({ warnings: [expect.objectContaining({ mapping: 2 })] });
    expect(answer.responses[2]).not.toHaveProperty('warnings');
    expect(fixture.stream.messages().map((message) => message.record)).toEqual([
      { email: 'a@x.io', person: { name: 'ANN', age: 1980 } },
      { email: 'b@x.io', person: { name: 'BOB' } },
      { email: 'c@x.io', person: { name: 'Cy' } },
    ]);
  });

  it('answers 500 naming the set when the pinned version is missing from the catalog', async () => {
    // Prepare
    await mappedInlet(RULES);
    const broken = await collectFixture({ mappingSets: new MemoryMappingSetStore() });
    await broken.inlets.create({ ...(await fixture.inlets.get('prod', MAPPED_INLET))! });

    // Act
    const refused = await broken.service
      .collectOne(request({ mail: 'a@x.io', first: 'ann' }))
      .catch((error: unknown) => error);

    // Assess
    expect(refused).toMatchObject({ kind: 'internal', code: 'mapping-set-missing' });
  });
});
