import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../lambdas/core/errors/domain-error';
import {
  LEGACY_PATTERN_BUDGET_MS,
  linearPatternEngine,
  PatternBudgetError,
  withinPatternBudget,
} from '../../../lambdas/core/schemas/pattern-engine';
import type { StoredSchema } from '../../../lambdas/core/schemas/schema-types';
import { eventually } from '../../support/batch-api';
import { newRegistry, SANDBOX } from './registry-fixture';

const ID = 'https://example.com/schemas/coded';

const coded = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  title: 'Coded',
  class: 'component',
  schema: { $id: ID, type: 'object', properties, ...extra },
});

/** The problem a refused registration throws. */
const refusal = (work: Promise<unknown>): Promise<DomainError> =>
  work.then(
    () => expect.fail('the registration was accepted'),
    (caught: unknown) => {
      expect(caught).toBeInstanceOf(DomainError);
      return caught as DomainError;
    },
  );

describe('schema patterns on the linear-time engine', () => {
  it('refuses a pattern that needs backtracking, naming its pointer and the construct', async () => {
    // Prepare
    const { registry } = newRegistry();

    // Act
    const problem = await refusal(
      registry.register(
        SANDBOX,
        coded(
          {
            code: { type: 'string', pattern: '^(?!admin)[a-z]+$' },
            twice: { type: 'string', pattern: '(a)\\1' },
          },
          { patternProperties: { '^x-(?<=x-)': { type: 'string' } } },
        ),
      ),
    );

    // Assess
    expect(problem.kind).toBe('invalid');
    expect(problem.violations?.map((v) => [v.pointer, v.keyword])).toEqual(
      expect.arrayContaining([
        ['/schema/properties/code/pattern', 'pattern'],
        ['/schema/properties/twice/pattern', 'pattern'],
        ['/schema/patternProperties/^x-(?<=x-)', 'pattern'],
      ]),
    );
    expect(problem.violations?.find((v) => v.pointer.endsWith('code/pattern'))?.message).toContain(
      'lookahead',
    );
  });

  it('matches patterns, patternProperties and formats with ECMAScript meanings', async () => {
    // Prepare
    const { registry } = newRegistry();
    await registry.register(
      SANDBOX,
      coded(
        {
          spaced: { type: 'string', pattern: '^a\\sb$' },
          line: { type: 'string', pattern: '^.$' },
          site: { type: 'string', format: 'url' },
          mail: { type: 'string', format: 'email' },
        },
        { patternProperties: { '^n-\\d+$': { type: 'integer' } } },
      ),
    );

    // Act
    const good = await registry.validate(SANDBOX, ID, {
      spaced: 'a\u00a0b',
      line: '😀',
      site: 'https://example.com/a',
      mail: 'ada@example.com',
      'n-1': 2,
    });
    const bad = await registry.validate(SANDBOX, ID, {
      spaced: 'a_b',
      line: '\r',
      site: `https://example.com/${'a'.repeat(3_000)}`,
      mail: 'ada@',
      'n-2': 'two',
    });

    // Assess
    expect(good).toEqual({ valid: true, violations: [] });
    expect(bad.violations.map((v) => [v.pointer, v.keyword])).toEqual(
      expect.arrayContaining([
        ['/spaced', 'pattern'],
        ['/line', 'pattern'],
        ['/site', 'format'],
        ['/mail', 'format'],
        ['/n-2', 'type'],
      ]),
    );
  });

  it('still validates a version stored before the rule, failing a value its backtracking pattern cannot finish', async () => {
    // Prepare: a version written before patterns had to be linear (straight into the store)
    const { registry, store } = newRegistry();
    await registry.register(SANDBOX, coded({ code: { type: 'string' } }));
    const stored = (await store.get(SANDBOX, ID)) as StoredSchema;
    await store.create({
      ...stored,
      version: 2,
      schema: { ...stored.schema, properties: { code: { type: 'string', pattern: '^(?=(a+)+$)a*$' } } },
    });

    // Act: on a loaded machine a pause can eat the wall-clock budget of any record, so the ordinary ones are asked
    // until one run was not interrupted
    const checked = (record: Record<string, unknown>) =>
      eventually(
        () => registry.validate(SANDBOX, ID, record, 2),
        (answer) => answer.violations.every((violation) => violation.pointer !== ''),
      );
    const ordinary = await checked({ code: 'aaa' });
    const mismatch = await checked({ code: 'ab' });
    const hostile = await registry.validate(SANDBOX, ID, { code: `${'a'.repeat(40)}!` }, 2);

    // Assess
    expect(ordinary.valid).toBe(true);
    expect(mismatch.violations).toEqual([expect.objectContaining({ pointer: '/code', keyword: 'pattern' })]);
    expect(hostile.valid).toBe(false);
    expect(hostile.violations).toEqual([
      expect.objectContaining({
        keyword: 'pattern',
        message: expect.stringContaining('could not be checked against the pattern') as string,
      }),
    ]);
  });

  it('bounds a stored backtracking pattern per record: values that each fit cannot add up past the budget', () => {
    // Prepare: a pattern of a version stored before the rule, on ECMAScript's engine
    const legacy = linearPatternEngine('^(?=a)a$', 'u');
    const spend = (ms: number) => {
      const start = performance.now();
      while (performance.now() - start <= ms) {
        // the record's earlier values taking their time
      }
    };

    // Act
    const fresh = withinPatternBudget(() => legacy.test('a'));
    const spent = () =>
      withinPatternBudget(() => {
        spend(LEGACY_PATTERN_BUDGET_MS);
        return legacy.test('a');
      });

    // Assess
    expect(fresh).toBe(true);
    expect(spent).toThrow(PatternBudgetError);
  });
});
