/**
 * What a Data Prep function is to the engine, and the argument readers every function uses so that a wrong
 * argument always becomes the same kind of warning: `lower: argument 1 (input) must be text, not an object`.
 * Messages name types, never values: warnings end in logs and failed-record reports, and values may be personal.
 */
import { isMissing, isRecord, kindOf, numberOf, textOf, type ValueKind } from '../expression-values';
import { parseDefaultDate } from '../java-date-pattern';
import { UTC_ZONE, ZonedDate } from '../zoned-date';

/** A mapping failed for one row: the field is left out and the warning says why. */
export class MappingEvaluationError extends Error {
  override readonly name = 'MappingEvaluationError';
  constructor(
    /** `expression-error`, `path-error` */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const expressionError = (message: string) => new MappingEvaluationError('expression-error', message);

/** Machine code of a row failed because an evaluation went over a bound. */
export const MAPPING_LIMIT_EXCEEDED = 'mapping-limit-exceeded';

/**
 * An evaluation went over one of its bounds (`mapping-budget.ts`, `MAX_BUILT_LENGTH`). Unlike a
 * `MappingEvaluationError` it does not leave a field out: it fails the whole row, naming the rule, because the set
 * and the row together ask for more than any row may cost.
 */
export class MappingLimitError extends Error {
  override readonly name = 'MappingLimitError';
  readonly code = MAPPING_LIMIT_EXCEEDED;
}

/**
 * The most characters of a text, elements of an array or fields of the objects one function or operator builds:
 * the size of the largest message a streaming inlet accepts (1 MB), so that `lpad`, `concat` or `join_arrays`
 * nested in one 4,096-character expression cannot multiply a row into gigabytes.
 */
export const MAX_BUILT_LENGTH = 1_000_000;

/** Refuses, before it is built, a value of `length` (characters, elements or fields) over `MAX_BUILT_LENGTH`. */
export function checkBuiltLength(fn: string, length: number, what = 'text'): void {
  if (length > MAX_BUILT_LENGTH)
    throw new MappingLimitError(
      `${fn}: the ${what} would hold ${length} items, over the bound of ${MAX_BUILT_LENGTH}`,
    );
}

/** What a function may use besides its arguments. */
export interface CallEnvironment {
  /** The source row (functions such as `contains_key` look at it). */
  readonly row: Record<string, unknown>;
  /** The time of the row: one per row, so that every `now()` of a row agrees. */
  now(): Date;
  uuid(): string;
}

export interface MappingFunction {
  /** Lower-case names; the first is the one messages use (`lower`, `lcase`). */
  readonly names: readonly string[];
  readonly minArgs: number;
  /** `Infinity` for a variable number. */
  readonly maxArgs: number;
  /** Whether the result is always a scalar (or missing): a destination inside it can never be written. */
  readonly scalar: boolean;
  /** Functions of key/value pairs take an even number of arguments. */
  readonly pairs?: boolean;
  readonly call: (args: readonly unknown[], env: CallEnvironment) => unknown;
  /**
   * Checks, when the set is compiled, the arguments written as literals (undefined for the others), so that a
   * pattern or a size no row could ever be mapped with is refused when the set is created, naming the rule. Throws
   * what `call` would throw.
   */
  readonly checkConstants?: (constants: readonly (ConstantArgument | undefined)[]) => void;
}

/** An argument written as a literal in the expression. */
export interface ConstantArgument {
  readonly value: unknown;
}

/** `definition` with a compile-time check of its literal arguments. */
export const withConstantCheck = (
  definition: MappingFunction,
  checkConstants: NonNullable<MappingFunction['checkConstants']>,
): MappingFunction => ({ ...definition, checkConstants });

export const defineFunction = (
  names: string | readonly string[],
  minArgs: number,
  maxArgs: number,
  scalar: boolean,
  call: MappingFunction['call'],
): MappingFunction => ({
  names: typeof names === 'string' ? [names] : names,
  minArgs,
  maxArgs,
  scalar,
  call,
});

export const definePairsFunction = (name: string, call: MappingFunction['call']): MappingFunction => ({
  names: [name],
  minArgs: 2,
  maxArgs: Infinity,
  scalar: false,
  pairs: true,
  call,
});

const KIND_WORDS: Readonly<Record<ValueKind, string>> = {
  missing: 'missing',
  text: 'text',
  number: 'a number',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  date: 'a date',
};

/** How a message names the kind of a value: `text`, `a number`, `an array`. */
export const kindWord = (value: unknown): string => KIND_WORDS[kindOf(value)];

/** The warning for argument `index` (0-based) of `fn`, which is not what it must be. */
export function argumentError(fn: string, index: number, label: string, expected: string, value: unknown) {
  return expressionError(
    `${fn}: argument ${index + 1} (${label}) must be ${expected}, not ${kindWord(value)}`,
  );
}

export function missingArgument(fn: string, index: number, label: string) {
  return expressionError(`${fn}: argument ${index + 1} (${label}) is missing`);
}

/** Text of a scalar argument; undefined when missing; a warning for an array or an object. */
export function textArg(
  fn: string,
  args: readonly unknown[],
  index: number,
  label: string,
): string | undefined {
  const value = args[index];
  if (isMissing(value)) return undefined;
  const text = textOf(value);
  if (text === undefined) throw argumentError(fn, index, label, 'text', value);
  return text;
}

export function requiredText(fn: string, args: readonly unknown[], index: number, label: string): string {
  const text = textArg(fn, args, index, label);
  if (text === undefined) throw missingArgument(fn, index, label);
  return text;
}

export function numberArg(
  fn: string,
  args: readonly unknown[],
  index: number,
  label: string,
): number | undefined {
  const value = args[index];
  if (isMissing(value)) return undefined;
  const number = numberOf(value);
  if (number === undefined) throw argumentError(fn, index, label, 'a number', value);
  return number;
}

export function requiredInteger(fn: string, args: readonly unknown[], index: number, label: string): number {
  const number = numberArg(fn, args, index, label);
  if (number === undefined) throw missingArgument(fn, index, label);
  if (!Number.isSafeInteger(number))
    throw expressionError(`${fn}: argument ${index + 1} (${label}) must be a whole number`);
  return number;
}

export function booleanArg(
  fn: string,
  args: readonly unknown[],
  index: number,
  label: string,
): boolean | undefined {
  const value = args[index];
  if (isMissing(value)) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw argumentError(fn, index, label, 'a boolean', value);
}

export function arrayArg(
  fn: string,
  args: readonly unknown[],
  index: number,
  label: string,
): readonly unknown[] | undefined {
  const value = args[index];
  if (isMissing(value)) return undefined;
  if (!Array.isArray(value)) throw argumentError(fn, index, label, 'an array', value);
  return value as readonly unknown[];
}

export function recordArg(
  fn: string,
  args: readonly unknown[],
  index: number,
  label: string,
): Record<string, unknown> | undefined {
  const value = args[index];
  if (isMissing(value)) return undefined;
  if (!isRecord(value)) throw argumentError(fn, index, label, 'an object', value);
  return value;
}

/**
 * A date argument: a date, an epoch in milliseconds, or a text in ISO 8601 or one of the default patterns (as
 * Experience Platform converts a text given where a date is expected).
 */
export function dateArg(
  fn: string,
  args: readonly unknown[],
  index: number,
  label: string,
): ZonedDate | undefined {
  const value = args[index];
  if (isMissing(value)) return undefined;
  if (value instanceof ZonedDate) return value;
  if (typeof value === 'number') return dateOfEpoch(fn, index, label, value);
  if (typeof value === 'string') {
    const parsed = parseDefaultDate(value);
    if (parsed === undefined)
      throw expressionError(`${fn}: argument ${index + 1} (${label}) is not a date it can read`);
    return parsed;
  }
  throw argumentError(fn, index, label, 'a date', value);
}

/** The largest distance from 1970 a JavaScript date reaches, in milliseconds (±100,000,000 days). */
const MAX_EPOCH_MS = 8.64e15;

export function dateOfEpoch(fn: string, index: number, label: string, epochMs: number): ZonedDate {
  if (!Number.isFinite(epochMs) || Math.abs(epochMs) > MAX_EPOCH_MS) {
    throw expressionError(`${fn}: argument ${index + 1} (${label}) is outside the range of dates`);
  }
  return new ZonedDate(epochMs, UTC_ZONE);
}

/** When a function given one array argument works on its elements (`first(items)` as `first("a", "b")`). */
export const spreadSingleArray = (args: readonly unknown[]): readonly unknown[] =>
  args.length === 1 && Array.isArray(args[0]) ? (args[0] as readonly unknown[]) : args;
