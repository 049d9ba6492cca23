/**
 * Data Prep's date and time functions. Dates are `ZonedDate`s (an instant seen in a zone); a record receives them
 * as ISO 8601 text. Patterns use Java DateTimeFormatter letters (`java-date-pattern.ts`). Texts read without a
 * zone are UTC, and a text read with an offset gives its instant in UTC: only `zone_date_to_zone` and
 * `make_date_time` give a date another zone.
 */
import { TZDate } from '@date-fns/tz';
import { getDayOfYear, getISODay, getISOWeek, getQuarter } from 'date-fns';
import { DatePatternError, formatDate, parseDate, parseDefaultDate } from '../java-date-pattern';
import { UTC_ZONE, ZonedDate, isKnownZone } from '../zoned-date';
import {
  dateArg,
  dateOfEpoch,
  defineFunction,
  expressionError,
  requiredInteger,
  requiredText,
  textArg,
  type MappingFunction,
} from './function-types';

/** Runs a pattern-using step, turning a pattern the engine cannot use into the function's warning. */
function withPattern<T>(fn: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof DatePatternError) throw expressionError(`${fn}: ${error.message}`);
    throw error;
  }
}

function zoneArg(fn: string, args: readonly unknown[], index: number): string {
  const zone = requiredText(fn, args, index, 'zone');
  if (!isKnownZone(zone))
    throw expressionError(`${fn}: argument ${index + 1} (zone) is not a known time zone`);
  return zone;
}

const now = defineFunction('now', 0, 0, true, (_, env) => new ZonedDate(env.now().getTime(), UTC_ZONE));
const timestamp = defineFunction('timestamp', 0, 0, true, (_, env) => env.now().getTime());

const format = defineFunction('format', 2, 2, true, (args) => {
  const date = dateArg('format', args, 0, 'date');
  if (date === undefined) return undefined;
  const pattern = requiredText('format', args, 1, 'format');
  return withPattern('format', () => formatDate(date, pattern));
});

const dformat = defineFunction('dformat', 2, 2, true, (args) => {
  const value = args[0];
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'number' && !(typeof value === 'string' && /^-?\d+$/.test(value.trim()))) {
    throw expressionError('dformat: argument 1 (timestamp) must be a number of milliseconds');
  }
  const pattern = requiredText('dformat', args, 1, 'format');
  const date = dateOfEpoch('dformat', 0, 'timestamp', Number(value));
  return withPattern('dformat', () => formatDate(date, pattern));
});

/**
 * `date(text)` reads ISO 8601 or the default patterns; `date(text, format)` reads the given pattern;
 * `date(text, format, default)` gives `default` when the text is missing or does not match.
 */
const date = defineFunction('date', 1, 3, true, (args) => {
  const value = args[0];
  const fallback = () => (args.length > 2 ? dateArg('date', args, 2, 'default date') : undefined);
  if (value instanceof ZonedDate) return value;
  if (typeof value === 'number') return dateArg('date', args, 0, 'date');
  const text = textArg('date', args, 0, 'date');
  if (text === undefined) return fallback();
  const pattern = args.length > 1 ? textArg('date', args, 1, 'format') : undefined;
  const parsed =
    pattern === undefined
      ? parseDefaultDate(text)
      : withPattern('date', () => parseDate(text.trim(), pattern));
  if (parsed !== undefined) return parsed;
  if (args.length > 2) return fallback();
  throw expressionError(
    `date: argument 1 (date) does not match ${pattern === undefined ? 'any default date pattern' : 'the format'}`,
  );
});

type Component =
  | 'year'
  | 'quarter'
  | 'month'
  | 'dayofyear'
  | 'day'
  | 'week'
  | 'weekday'
  | 'hour'
  | 'hour12'
  | 'minute'
  | 'second'
  | 'millisecond';

/** Component names of `date_part`, as Experience Platform lists them, matched without regard to case. */
const COMPONENT_NAMES: readonly (readonly [Component, readonly string[]])[] = [
  ['year', ['year', 'yyyy', 'yy']],
  ['quarter', ['quarter', 'qq', 'q']],
  ['month', ['month', 'mm', 'm']],
  ['dayofyear', ['dayofyear', 'dy', 'y']],
  ['day', ['day', 'dd', 'd']],
  ['week', ['week', 'ww', 'w']],
  ['weekday', ['weekday', 'dw']],
  ['hour', ['hour', 'hh', 'hh24']],
  ['hour12', ['hh12']],
  ['minute', ['minute', 'mi', 'n']],
  ['second', ['second', 'ss', 's']],
  ['millisecond', ['millisecond', 'sss', 'ms']],
];

const COMPONENTS: ReadonlyMap<string, Component> = new Map(
  COMPONENT_NAMES.flatMap(([component, names]) => names.map((name) => [name, component] as const)),
);

function componentArg(fn: string, args: readonly unknown[], allowed: readonly Component[]): Component {
  const component = COMPONENTS.get(requiredText(fn, args, 0, 'component').toLowerCase());
  if (component === undefined || !allowed.includes(component)) {
    throw expressionError(`${fn}: argument 1 (component) is not one of the date components it knows`);
  }
  return component;
}

const READABLE: readonly Component[] = COMPONENT_NAMES.map(([component]) => component);

/** `weekday` is ISO's (Monday 1 … Sunday 7) and `week` the ISO week, as the `u` pattern letter Data Prep documents. */
const datePart = defineFunction('date_part', 2, 2, true, (args) => {
  const component = componentArg('date_part', args, READABLE);
  const value = dateArg('date_part', args, 1, 'date');
  if (value === undefined) return undefined;
  const local = new TZDate(value.epochMs, value.zone);
  switch (component) {
    case 'year':
      return local.getFullYear();
    case 'quarter':
      return getQuarter(local);
    case 'month':
      return local.getMonth() + 1;
    case 'dayofyear':
      return getDayOfYear(local);
    case 'day':
      return local.getDate();
    case 'week':
      return getISOWeek(local);
    case 'weekday':
      return getISODay(local);
    case 'hour':
      return local.getHours();
    case 'hour12':
      return local.getHours() % 12 || 12;
    case 'minute':
      return local.getMinutes();
    case 'second':
      return local.getSeconds();
    case 'millisecond':
      return local.getMilliseconds();
  }
});

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** Builds the date of a wall-clock time in `zone`, refusing fields out of range (no rolling 13 months into a year). */
function fromWallClock(fn: string, wall: WallClock, zone: string): ZonedDate {
  const ranges: [keyof WallClock, number, number][] = [
    ['year', -271_820, 275_759],
    ['month', 1, 12],
    ['day', 1, new Date(Date.UTC(wall.year, wall.month, 0)).getUTCDate()],
    ['hour', 0, 23],
    ['minute', 0, 59],
    ['second', 0, 59],
    ['millisecond', 0, 999],
  ];
  for (const [field, low, high] of ranges) {
    if (wall[field] < low || wall[field] > high) throw expressionError(`${fn}: the ${field} is out of range`);
  }
  const local = new TZDate(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour,
    wall.minute,
    wall.second,
    wall.millisecond,
    zone,
  );
  return new ZonedDate(local.getTime(), zone);
}

function wallClockOf(value: ZonedDate): WallClock {
  const local = new TZDate(value.epochMs, value.zone);
  return {
    year: local.getFullYear(),
    month: local.getMonth() + 1,
    day: local.getDate(),
    hour: local.getHours(),
    minute: local.getMinutes(),
    second: local.getSeconds(),
    millisecond: local.getMilliseconds(),
  };
}

const SETTABLE: readonly Component[] = ['year', 'month', 'day', 'hour', 'minute', 'second'];

const setDatePart = defineFunction('set_date_part', 3, 3, true, (args) => {
  const component = componentArg('set_date_part', args, SETTABLE) as keyof WallClock;
  const value = requiredInteger('set_date_part', args, 1, 'value');
  const target = dateArg('set_date_part', args, 2, 'date');
  if (target === undefined) return undefined;
  return fromWallClock('set_date_part', { ...wallClockOf(target), [component]: value }, target.zone);
});

const NANOS_PER_MILLI = 1_000_000;

/** `make_date_time(year, month, day, hour, minute, second, nanosecond, zone?)`; without a zone, UTC. */
const makeDateTime = defineFunction(['make_date_time', 'make_timestamp'], 7, 8, true, (args) => {
  const labels = ['year', 'month', 'day', 'hour', 'minute', 'second', 'nanosecond'];
  const [year, month, day, hour, minute, second, nanos] = labels.map((label, index) =>
    requiredInteger('make_date_time', args, index, label),
  ) as [number, number, number, number, number, number, number];
  if (nanos < 0 || nanos >= 1_000 * NANOS_PER_MILLI)
    throw expressionError('make_date_time: the nanosecond is out of range');
  const zone = args.length > 7 ? zoneArg('make_date_time', args, 7) : UTC_ZONE;
  const millisecond = Math.floor(nanos / NANOS_PER_MILLI);
  return fromWallClock('make_date_time', { year, month, day, hour, minute, second, millisecond }, zone);
});

const zoneDateToUtc = defineFunction('zone_date_to_utc', 1, 1, true, (args) => {
  const value = dateArg('zone_date_to_utc', args, 0, 'date');
  return value === undefined ? undefined : new ZonedDate(value.epochMs, UTC_ZONE);
});

const zoneDateToZone = defineFunction('zone_date_to_zone', 2, 2, true, (args) => {
  const value = dateArg('zone_date_to_zone', args, 0, 'date');
  const zone = zoneArg('zone_date_to_zone', args, 1);
  return value === undefined ? undefined : new ZonedDate(value.epochMs, zone);
});

export const DATE_FUNCTIONS: readonly MappingFunction[] = [
  now,
  timestamp,
  format,
  dformat,
  date,
  datePart,
  setDatePart,
  makeDateTime,
  zoneDateToUtc,
  zoneDateToZone,
];
