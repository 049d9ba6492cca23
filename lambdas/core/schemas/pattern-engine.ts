/**
 * How compiled schemas match regular expressions: `pattern`, `patternProperties` and the formats defined by a
 * regular expression all run on the linear-time engine (`linear-regex.ts`), so no value a tenant sends can make a
 * validator backtrack for seconds while the shared consumer waits.
 *
 * Registration refuses a pattern RE2 cannot run (lookaround, backreferences). A version stored before that rule may
 * still hold one: its validator runs that pattern on ECMAScript's own engine, bounded in time per record
 * (`LEGACY_PATTERN_BUDGET_MS`), and a record that would take longer fails with a violation saying so,
 * rather than stalling it. A few of ajv-formats' formats use lookahead (`url`, `duration`, `hostname`): they keep
 * ECMAScript's engine on values up to `MAX_BACKTRACKING_FORMAT_CHARS`, and longer values do not match them.
 */
import { Script, createContext } from 'node:vm';
import type { Format } from 'ajv';
import type { RegExpEngine, RegExpLike } from 'ajv/dist/types';
import addFormats from 'ajv-formats';
import { compileLinearRegex, UnsupportedPatternError } from '../linear-regex';
import type { Violation } from '../errors/domain-error';

/**
 * Time one record's values may take, all together, on the patterns of a version stored before patterns had to be
 * linear. Ordinary patterns take microseconds, so only a backtracking blow-up comes near it; it is a fifth of the
 * record's whole processing budget (`RECORD_PROCESSING_BUDGET_MS`).
 */
export const LEGACY_PATTERN_BUDGET_MS = 50;

/**
 * The longest value a format that needs ECMAScript's engine is checked on. `url` (the only one of them that
 * backtracks, quadratically) takes about 2 ms on it; no URL, host name or duration worth validating is longer.
 */
export const MAX_BACKTRACKING_FORMAT_CHARS = 2_048;

/** A record whose values a stored pattern could not be matched against within `LEGACY_PATTERN_BUDGET_MS`. */
export class PatternBudgetError extends Error {
  override readonly name = 'PatternBudgetError';
  constructor(readonly pattern: string) {
    super(
      `the record could not be checked against the pattern '${pattern}' within ${LEGACY_PATTERN_BUDGET_MS} ms: ` +
        'the pattern needs a backtracking engine (lookaround or backreferences); evolve the schema to a pattern without them',
    );
  }
}

const TEST_SCRIPT = new Script('regex.test(text)');

/**
 * When the record being validated must be done with backtracking patterns (`performance.now` time), so that many
 * values each just under `LEGACY_PATTERN_BUDGET_MS` cannot add up to seconds; unset outside `withinPatternBudget`.
 */
let recordDeadline: number | undefined;

/**
 * Runs one record's validation with `LEGACY_PATTERN_BUDGET_MS` for all its backtracking pattern runs together.
 * Validation is synchronous, so no other record's can interleave.
 */
export function withinPatternBudget<T>(validate: () => T): T {
  recordDeadline = performance.now() + LEGACY_PATTERN_BUDGET_MS;
  try {
    return validate();
  } finally {
    recordDeadline = undefined;
  }
}

/** What is left of the record's budget for one run (the whole budget outside a record's validation). */
function remainingBudgetMs(pattern: string): number {
  if (recordDeadline === undefined) return LEGACY_PATTERN_BUDGET_MS;
  const remaining = Math.ceil(recordDeadline - performance.now());
  if (remaining <= 0) throw new PatternBudgetError(pattern);
  return remaining;
}

/** ECMAScript's engine in a context of its own, so that the run can be interrupted at the budget. */
function boundedBacktracking(pattern: string, flags: string): RegExpLike {
  const context = createContext({ regex: new RegExp(pattern, flags), text: '' });
  // The first run in a context pays for setting it up: paid here, when the schema is compiled, not by a record.
  TEST_SCRIPT.runInContext(context);
  return {
    test(text) {
      const timeout = remainingBudgetMs(pattern);
      context['text'] = text;
      try {
        return TEST_SCRIPT.runInContext(context, { timeout }) === true;
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT')
          throw new PatternBudgetError(pattern);
        throw error;
      } finally {
        context['text'] = '';
      }
    },
  };
}

/** Ajv's `code.regExp`: `u` is the Unicode mode Ajv was created with. */
export const linearPatternEngine: RegExpEngine = Object.assign(
  (pattern: string, u: string): RegExpLike => {
    // Ajv caches compiled patterns by this key.
    const keyed = (matcher: RegExpLike): RegExpLike =>
      Object.assign(matcher, { toString: () => `/${pattern}/${u}` });
    try {
      const regex = compileLinearRegex(pattern, { unicode: u.includes('u') });
      return keyed({ test: (text) => regex.test(text) });
    } catch (error) {
      if (!(error instanceof UnsupportedPatternError)) throw error;
      return keyed(boundedBacktracking(pattern, u));
    }
  },
  { code: 'linearPatternEngine' },
);

/** A format given as a regular expression, run on the linear-time engine when it can be. */
function linearFormat(regex: RegExp): Format {
  try {
    const linear = compileLinearRegex(regex.source, {
      unicode: regex.unicode,
      ignoreCase: regex.ignoreCase,
    });
    return (text: string) => linear.test(text);
  } catch (error) {
    if (!(error instanceof UnsupportedPatternError)) throw error;
    return (text: string) => text.length <= MAX_BACKTRACKING_FORMAT_CHARS && regex.test(text);
  }
}

/** ajv-formats' formats, those given as regular expressions made linear (or bounded). */
export function addLinearFormats(ajv: Parameters<typeof addFormats>[0]): void {
  addFormats(ajv);
  for (const name of Object.keys(ajv.formats)) {
    const format = ajv.formats[name];
    if (format instanceof RegExp) ajv.addFormat(name, linearFormat(format));
  }
}

/** A validation that a stored pattern could not finish in time, as the violation that fails the record. */
export function patternBudgetViolation(error: unknown): Violation | undefined {
  if (!(error instanceof PatternBudgetError)) return undefined;
  return { pointer: '', keyword: 'pattern', message: error.message };
}
