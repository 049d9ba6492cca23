/**
 * The values of an HTTP source's delta column, compared as what they are rather than as text: as text `"10"` sorts
 * before `"9"`, `…T10:00:00+02:00` after `…T09:00:00Z` (an hour earlier), and `…:04.5Z` before `…:04Z`.
 *
 * A column's type is decided once, from the first value a flow reads, and kept with its watermark, so every run
 * compares the same way:
 * - `number`: a JSON number, or a string holding a decimal number (`"42"`, `"-1.5e3"`); compared exactly, digit by
 *   digit, so integers beyond 2^53 and long decimals keep their order.
 * - `instant`: an ISO 8601 date or date-time string (`2026-03-01`, `2026-03-01T10:00:00.123456+02:00`, or with a
 *   space for the `T` as SQL databases write it); compared as the instant it names, to any fraction of a second. A
 *   date-time without a zone is taken as UTC (as Experience Platform's delta column defaults to).
 * - `text`: anything else, compared as text.
 * A value of another type than the column's has no usable delta value (see the pull's delta filter).
 */
import { compareDecimals, decimalOf } from '../decimal-text';

export const DELTA_TYPES = ['number', 'instant', 'text'] as const;
export type DeltaType = (typeof DELTA_TYPES)[number];

/** A delta value as the source wrote it. */
export type DeltaValue = string | number;

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:([Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:([.,])(\d+))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/** An instant as whole epoch seconds and the fraction's digits (without trailing zeros). */
interface Instant {
  readonly seconds: number;
  readonly fraction: string;
}

interface InstantParts extends Instant {
  /** What `instantBefore` needs to write another instant as the source writes this one. */
  readonly style: {
    readonly separator?: string;
    readonly seconds: boolean;
    readonly fraction?: { readonly mark: string; readonly digits: number };
    readonly zone: string;
    readonly offsetSeconds: number;
  };
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function offsetSecondsOf(zone: string): number | undefined {
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!match) return zone === '' || zone === 'Z' || zone === 'z' ? 0 : undefined;
  const [, sign, hours = '0', minutes = '0'] = match;
  if (Number(hours) > 23 || Number(minutes) > 59) return undefined;
  return (sign === '-' ? -1 : 1) * (Number(hours) * 3600 + Number(minutes) * 60);
}

/** UTC epoch seconds of a calendar date and time (`Date.UTC` would read the years 0–99 as 1900–1999). */
function epochSecondsOf(fields: readonly number[]): number {
  const [year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0] = fields;
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year);
  return Math.floor(date.getTime() / 1000);
}

function instantOf(text: string): InstantParts | undefined {
  const match = INSTANT.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, separator, h, mi, s, mark, fraction, zone = ''] = match;
  const fields = [y, mo, d, h ?? '0', mi ?? '0', s ?? '0'].map(Number);
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = fields;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 60)
    return undefined;
  const offsetSeconds = offsetSecondsOf(zone);
  if (offsetSeconds === undefined) return undefined;
  return {
    seconds: epochSecondsOf(fields) - offsetSeconds,
    fraction: (fraction ?? '').replace(/0+$/, ''),
    style: {
      ...(separator === undefined ? {} : { separator }),
      seconds: s !== undefined,
      ...(mark !== undefined && fraction !== undefined
        ? { fraction: { mark, digits: fraction.length } }
        : {}),
      zone,
      offsetSeconds,
    },
  };
}

function compareInstants(a: Instant, b: Instant): number {
  if (a.seconds !== b.seconds) return a.seconds - b.seconds;
  const width = Math.max(a.fraction.length, b.fraction.length);
  const left = a.fraction.padEnd(width, '0');
  const right = b.fraction.padEnd(width, '0');
  return left < right ? -1 : left > right ? 1 : 0;
}

const textOf = (value: DeltaValue): string => (typeof value === 'number' ? String(value) : value);

/** The type a column whose first value is this one has. */
export function deltaTypeOf(value: DeltaValue): DeltaType {
  if (typeof value === 'number' || decimalOf(value)) return 'number';
  return instantOf(value) ? 'instant' : 'text';
}

/** Whether the value can be compared as the column's type (a number is text too). */
export function isDeltaOfType(value: DeltaValue, type: DeltaType): boolean {
  if (type === 'number') return decimalOf(textOf(value)) !== undefined;
  if (type === 'instant') return typeof value === 'string' && instantOf(value) !== undefined;
  return true;
}

/** Orders two values of the column's type (both must be of it: see `isDeltaOfType`). */
export function compareDeltas(a: DeltaValue, b: DeltaValue, type: DeltaType): number {
  if (type === 'number') {
    const left = decimalOf(textOf(a));
    const right = decimalOf(textOf(b));
    if (left && right) return compareDecimals(left, right);
  } else if (type === 'instant') {
    const left = instantOf(textOf(a));
    const right = instantOf(textOf(b));
    if (left && right) return compareInstants(left, right);
  }
  const left = textOf(a);
  const right = textOf(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** One spelling per value, so that `+02:00` and `Z` spellings of one instant (or `"10"` and `10.0`) are one value. */
export function canonicalDelta(value: DeltaValue, type: DeltaType): string {
  if (type === 'number') {
    const decimal = decimalOf(textOf(value));
    if (decimal) return `${decimal.negative ? '-' : ''}0.${decimal.digits}e${decimal.exponent}`;
  } else if (type === 'instant') {
    const instant = instantOf(textOf(value));
    if (instant) return `${instant.seconds}.${instant.fraction}`;
  }
  return textOf(value);
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/**
 * The instant `seconds` before `value`, written as the source writes `value` (its offset, its `T` or space, with
 * or without seconds and with as many fraction digits), so that an API that reads its own format reads it. A
 * date-only value gives the date the earlier instant falls on. Undefined when `value` is not an instant.
 */
export function instantBefore(value: string, seconds: number): string | undefined {
  const parts = instantOf(value);
  if (!parts) return undefined;
  const { style } = parts;
  const local = new Date((parts.seconds - seconds + style.offsetSeconds) * 1000);
  const year = local.getUTCFullYear();
  const date = `${pad(year, 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  if (style.separator === undefined) return `${date}${style.zone}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
  const withSeconds = style.seconds ? `${time}:${pad(local.getUTCSeconds())}` : time;
  const fraction = style.fraction
    ? `${style.fraction.mark}${parts.fraction.padEnd(style.fraction.digits, '0')}`
    : '';
  return `${date}${style.separator}${withSeconds}${fraction}${style.zone}`;
}
