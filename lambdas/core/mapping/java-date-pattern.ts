/**
 * Data Prep date patterns use Java DateTimeFormatter letters (with the meanings Experience Platform documents:
 * `u` is the ISO day of the week, `S` the fraction of a second). date-fns's tokens are close; this translates the
 * letters that differ, and writes the zone name and id tokens (`z`, `VV`), which date-fns lacks, as literal text.
 * Translations are cached: patterns are constants of a mapping set, so a handful exist per process.
 *
 * date-fns computes in the date object's zone: `UTCDate` for UTC (plain arithmetic), `TZDate` for other zones
 * (which asks `Intl` for the offset, and costs some fifty times more — dates are read and mostly written in UTC).
 */
import { TZDate, tzName } from '@date-fns/tz';
import { UTCDate, utc } from '@date-fns/utc';
import { format as formatWithDateFns, isValid, parse as parseWithDateFns } from 'date-fns';
import { UTC_ZONE, ZonedDate, parseIsoDate } from './zoned-date';

export class DatePatternError extends Error {
  override readonly name = 'DatePatternError';
}

type Part = { readonly text: string } | { readonly zone: 'id' | 'short-name' | 'long-name' };

interface Translation {
  readonly parts: readonly Part[];
  /** The date-fns pattern when no part depends on the date (no `z`, no `VV`). */
  readonly fixed: string | undefined;
}

/** Java letters and the date-fns token of each run length (the last entry serves longer runs). */
const SAME_LETTERS = new Set([
  'G',
  'M',
  'L',
  'Q',
  'q',
  'd',
  'E',
  'e',
  'c',
  'H',
  'k',
  'K',
  'h',
  'm',
  's',
  'S',
  'X',
  'x',
]);
const LETTER_RUN_LIMITS: Readonly<Record<string, number>> = {
  G: 5,
  M: 5,
  L: 5,
  Q: 5,
  q: 5,
  d: 2,
  E: 6,
  e: 6,
  c: 6,
  H: 2,
  k: 2,
  K: 2,
  h: 2,
  m: 2,
  s: 2,
  S: 9,
  X: 5,
  x: 5,
};

function translateRun(letter: string, count: number): Part {
  if (SAME_LETTERS.has(letter)) {
    if (count > LETTER_RUN_LIMITS[letter]!) throw new DatePatternError(`too many '${letter}' in the pattern`);
    return { text: letter.repeat(count) };
  }
  switch (letter) {
    case 'y':
      return { text: count === 2 ? 'yy' : 'y'.repeat(count) };
    case 'Y':
      return { text: count === 2 ? 'YY' : 'Y'.repeat(count) };
    case 'D':
      return { text: 'D'.repeat(Math.min(count, 3)) };
    case 'w':
      return { text: 'w'.repeat(Math.min(count, 2)) };
    case 'u':
      return { text: 'i'.repeat(Math.min(count, 2)) };
    case 'a':
      return { text: 'a' };
    case 'Z':
      if (count <= 3) return { text: 'xx' };
      return { text: count === 4 ? 'OOOO' : 'XXX' };
    case 'O':
      return { text: count === 1 ? 'O' : 'OOOO' };
    case 'z':
      return { zone: count === 4 ? 'long-name' : 'short-name' };
    case 'V':
      if (count !== 2) throw new DatePatternError("the zone id is written 'VV'");
      return { zone: 'id' };
    default:
      throw new DatePatternError(`the pattern letter '${letter}' is not supported`);
  }
}

const quote = (text: string) => (text === '' ? '' : `'${text.replaceAll("'", "''")}'`);

function translate(pattern: string): Translation {
  const parts: Part[] = [];
  let index = 0;
  while (index < pattern.length) {
    const char = pattern[index]!;
    if (char === "'") {
      // A quoted literal, `''` standing for one quote, as in both Java and date-fns.
      let end = index + 1;
      let literal = '';
      for (;;) {
        if (end >= pattern.length) throw new DatePatternError('unclosed quote in the pattern');
        if (pattern[end] === "'") {
          if (pattern[end + 1] === "'") {
            literal += "'";
            end += 2;
            continue;
          }
          break;
        }
        literal += pattern[end];
        end += 1;
      }
      parts.push({ text: index + 1 === end ? "''" : quote(literal) });
      index = end + 1;
    } else if (/[A-Za-z]/.test(char)) {
      let end = index;
      while (pattern[end] === char) end += 1;
      parts.push(translateRun(char, end - index));
      index = end;
    } else if ('[]{}#'.includes(char)) {
      throw new DatePatternError(`'${char}' (an optional section or a reserved character) is not supported`);
    } else {
      parts.push({ text: char });
      index += 1;
    }
  }
  const fixed = parts.every((part) => 'text' in part)
    ? parts.map((part) => (part as { text: string }).text).join('')
    : undefined;
  return { parts, fixed };
}

/** Distinct patterns kept translated; beyond it the cache starts over (patterns come from a few mapping sets). */
const PATTERN_CACHE_LIMIT = 512;
const translations = new Map<string, Translation>();

function translation(pattern: string): Translation {
  let found = translations.get(pattern);
  if (found === undefined) {
    found = translate(pattern);
    if (translations.size >= PATTERN_CACHE_LIMIT) translations.clear();
    translations.set(pattern, found);
  }
  return found;
}

const DATE_FNS_OPTIONS = { useAdditionalDayOfYearTokens: true, useAdditionalWeekYearTokens: true } as const;

export function formatDate(date: ZonedDate, pattern: string): string {
  const { parts, fixed } = translation(pattern);
  const local = date.zone === UTC_ZONE ? new UTCDate(date.epochMs) : new TZDate(date.epochMs, date.zone);
  const dateFnsPattern =
    fixed ??
    parts
      .map((part) => {
        if ('text' in part) return part.text;
        if (part.zone === 'id') return quote(date.zone);
        return quote(tzName(date.zone, local, part.zone === 'long-name' ? 'long' : 'short'));
      })
      .join('');
  return formatWithDateFns(local, dateFnsPattern, DATE_FNS_OPTIONS);
}

/** The day a pattern without some fields (a time, a year) fills them from: fixed, never the clock. */
const REFERENCE_DATE = new Date(Date.UTC(1970, 0, 1));

/** The date `text` holds in `pattern` (a value without a zone is UTC), or undefined when it does not match. */
export function parseDate(text: string, pattern: string): ZonedDate | undefined {
  const { fixed } = translation(pattern);
  if (fixed === undefined)
    throw new DatePatternError("zone names ('z') and ids ('VV') cannot be read, only written");
  const parsed = parseWithDateFns(text, fixed, REFERENCE_DATE, { ...DATE_FNS_OPTIONS, in: utc });
  return isValid(parsed) ? new ZonedDate(parsed.getTime(), UTC_ZONE) : undefined;
}

/** Experience Platform's patterns for a date given without a format, in its order (data-prep/dates.md). */
export const DEFAULT_DATE_PATTERNS: readonly string[] = [
  'yyyy-MM-dd HH:mm:ssZ',
  'yyyy-MM-dd HH:mm:ss.SSSZ',
  'yyyy-MM-dd HH:mm:ss.SSS',
  "yyyy-MM-dd'T'HH:mm:ss.SSSX",
  "yyyy-MM-dd'T'HH:mm:ss'Z'",
  'yyyy-MM-dd',
  'yyyy/MM/dd',
  'yyyy.MM.dd',
  'yyyy-MMM-dd',
  'yyyyMMdd',
  'MM-dd-yyyy',
  'MMddyyyy',
  'M/dd/yyyy',
  'dd.M.yyyy',
  'M/dd/yyyy hh:mm:ss a',
  'dd.M.yyyy hh:mm:ss a',
  'dd.MMM.yyyy',
  'dd-MMM-yyyy',
];

/** Texts longer than this are no date of any default pattern (the longest ISO form with nanoseconds and offset). */
const MAX_DATE_TEXT = 40;

/**
 * A date given without a format: ISO 8601 first (which also covers the first five default patterns and the forms
 * Experience Platform's examples use, like `2019-10-23 11:24`), then the default patterns in order.
 */
export function parseDefaultDate(text: string): ZonedDate | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > MAX_DATE_TEXT) return undefined;
  const iso = parseIsoDate(trimmed);
  if (iso !== undefined) return iso;
  for (const pattern of DEFAULT_DATE_PATTERNS) {
    const parsed = parseDate(trimmed, pattern);
    if (parsed !== undefined) return parsed;
  }
  return undefined;
}
