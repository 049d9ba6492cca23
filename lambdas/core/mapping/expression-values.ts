/**
 * The values expressions compute with — JSON values plus dates — and the conversions and comparisons the operators
 * and functions share. Only own fields of plain objects are ever read, so `__proto__`, `constructor` and
 * `prototype` are ordinary (usually missing) fields, never a way into JavaScript's objects.
 */
import { setOwn } from '../own-property';
import { ZonedDate } from './zoned-date';

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof ZonedDate);

/** Null and undefined: a missing source field, a failed lookup, `nullify()`. */
export const isMissing = (value: unknown): value is null | undefined => value === null || value === undefined;

export type ValueKind = 'missing' | 'text' | 'number' | 'boolean' | 'array' | 'object' | 'date';

export function kindOf(value: unknown): ValueKind {
  if (isMissing(value)) return 'missing';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (Array.isArray(value)) return 'array';
  return value instanceof ZonedDate ? 'date' : 'object';
}

/** Text of a scalar (a number, a boolean and a date have one), or undefined for arrays, objects and missing. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value instanceof ZonedDate)
    return String(value);
  return undefined;
}

/** A decimal number written as text: no hex, no `Infinity`, no empty string (which `Number` would read as 0). */
const NUMERIC_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (!NUMERIC_TEXT.test(trimmed)) return undefined;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : undefined;
}

/** A number, or the number a numeric text holds (CSV columns arrive as text); undefined otherwise. */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') return parseNumber(value);
  return undefined;
}

/** Truth as in JEXL: missing, false, 0, NaN and the empty text are false; everything else is true. */
export function isTruthy(value: unknown): boolean {
  if (isMissing(value)) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value !== '';
  return true;
}

/**
 * Equality of `==`, `decode` and `.equals`: a number equals a text holding the same number (a CSV column against a
 * literal), dates compare by instant, arrays and objects by content; missing equals only missing.
 */
export function valuesEqual(left: unknown, right: unknown): boolean {
  if (isMissing(left) || isMissing(right)) return isMissing(left) && isMissing(right);
  if (typeof left === 'number' && typeof right === 'string') return parseNumber(right) === left;
  if (typeof left === 'string' && typeof right === 'number') return parseNumber(left) === right;
  if (left instanceof ZonedDate && right instanceof ZonedDate) return left.epochMs === right.epochMs;
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => valuesEqual(item, right[index]));
  }
  if (isRecord(left) && isRecord(right)) {
    const keys = Object.keys(left);
    return (
      keys.length === Object.keys(right).length &&
      keys.every((key) => Object.hasOwn(right, key) && valuesEqual(left[key], right[key]))
    );
  }
  return left === right;
}

/**
 * Natural order of `<`, `min`, `max`: numbers (a numeric text beside a number counts as its number), texts
 * (lexicographic), dates (by instant), booleans (false first). Undefined when the two cannot be ordered.
 */
export function compareValues(left: unknown, right: unknown): number | undefined {
  if (typeof left === 'number' || typeof right === 'number') {
    const [a, b] = [numberOf(left), numberOf(right)];
    return a === undefined || b === undefined ? undefined : a - b;
  }
  if (typeof left === 'string' && typeof right === 'string') return left < right ? -1 : left > right ? 1 : 0;
  if (left instanceof ZonedDate && right instanceof ZonedDate) return left.epochMs - right.epochMs;
  if (typeof left === 'boolean' && typeof right === 'boolean') return Number(left) - Number(right);
  return undefined;
}

/**
 * A value as the record receives it: a deep copy (so that no part of the record is shared with the source row or
 * with another field), dates as ISO text, undefined fields dropped. `receive` is told the size of each value as it
 * is copied (one, plus the characters of a text), so that a bound can stop a copy that grows too large.
 */
export function detach(value: unknown, receive: (size: number) => void = () => undefined): unknown {
  receive(typeof value === 'string' ? value.length + 1 : 1);
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof ZonedDate) return value.toString();
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : detach(item, receive)));
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) setOwn(copy, key, detach(field, receive));
  }
  return copy;
}
