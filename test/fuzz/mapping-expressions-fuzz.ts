/**
 * Hostile Data Prep rule text: expressions and paths built from the language's tokens (operators, brackets, quotes,
 * `${`, `[*]`, function names, prototype names), nested past any limit, or any unicode. compileMappingSet must compile
 * them or throw a MappingSetError naming the rules — never another exception — and a compiled set must apply to a
 * hostile row without throwing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileMappingSet, MAX_EXPRESSION_LENGTH } from '../../lambdas/core/mapping/compile-mapping-set';
import { MappingSetError, type MappingRule } from '../../lambdas/core/mapping/mapping-types';
import type { FuzzRuns } from './file-parsers-fuzz';
import { PROTOTYPE_KEYS, specialText } from './hostile-values';

const FIXED_NOW = Date.UTC(2024, 4, 1);
const CONTEXT = { now: () => new Date(FIXED_NOW), uuid: () => '00000000-0000-4000-8000-000000000000' };

const EXPRESSION_TOKENS = [
  '(',
  ')',
  '[',
  ']',
  '[*]',
  '[0]',
  '[-1]',
  '{',
  '}',
  '${',
  '.',
  '\\.',
  ',',
  '"',
  "'",
  '\\',
  '+',
  '-',
  '*',
  '/',
  '%',
  '==',
  '!=',
  '&&',
  '||',
  '!',
  '?',
  ':',
  '<',
  '>=',
  ' ',
  '1e400',
  '0x1f',
  'NaN',
  'null',
  'true',
  'a',
  'b.c',
  'concat',
  'upper',
  'iif',
  'substr',
  'explode',
  'regex_replace',
  'json_to_object',
  'to_integer',
  'format',
  'date',
  'now',
  'uuid',
  'sha256',
  '.get',
  ...PROTOTYPE_KEYS,
];

/** As deep as an expression within MAX_EXPRESSION_LENGTH can nest, to reach the parser rather than the length check. */
const NESTING = 2_000;

const expressionText = fc.oneof(
  { weight: 5, arbitrary: specialText(EXPRESSION_TOKENS, 30) },
  fc.string({ maxLength: 60, unit: 'binary' }),
  fc.constantFrom(
    '('.repeat(NESTING) + 'a' + ')'.repeat(NESTING),
    'upper('.repeat(NESTING / 4) + 'a' + ')'.repeat(NESTING / 4),
    '-'.repeat(NESTING) + '1',
    '!'.repeat(NESTING) + 'a',
    'a' + '[0]'.repeat(NESTING / 2),
    'a' + '.b'.repeat(NESTING / 2),
    '"' + 'x'.repeat(MAX_EXPRESSION_LENGTH) + '"',
    '['.repeat(NESTING) + ']'.repeat(NESTING),
    '${'.repeat(NESTING) + '}'.repeat(NESTING),
    'regex_replace(a, "(a+)+$", "b")',
    'explode(a, "")',
  ),
);

const rule: fc.Arbitrary<MappingRule> = fc.record({
  sourceType: fc.constantFrom('ATTRIBUTE', 'STATIC', 'EXPRESSION'),
  source: fc.oneof({ weight: 5, arbitrary: expressionText }, fc.double(), fc.boolean()),
  destination: fc.oneof(
    specialText(['.', '[*]', '[0]', '${', '}', '\\.', 'x', ...PROTOTYPE_KEYS], 8),
    fc.string(),
  ),
});

const hostileRow = fc.dictionary(
  fc.oneof(fc.constantFrom('a', 'b', ...PROTOTYPE_KEYS), fc.string({ maxLength: 5 })),
  fc.jsonValue({ maxDepth: 3 }),
  { maxKeys: 6 },
);

export function describeMappingExpressionFuzz(runs: FuzzRuns): void {
  describe('hostile mapping rules', () => {
    it('compile or throw a MappingSetError, and a compiled set applies to a hostile row without throwing', () => {
      fc.assert(
        fc.property(fc.array(rule, { minLength: 1, maxLength: 4 }), hostileRow, (rules, row) => {
          let set: ReturnType<typeof compileMappingSet>;
          try {
            set = compileMappingSet(rules);
          } catch (error) {
            if (!(error instanceof MappingSetError)) throw error;
            return;
          }
          const { record } = set.apply(row, CONTEXT);
          expect(JSON.parse(JSON.stringify(record))).toEqual(record);
        }),
        runs,
      );
    });
  });
}
