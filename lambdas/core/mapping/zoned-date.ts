/**
 * Data Prep's date values (Java's ZonedDateTime): an instant and the time zone it is seen in. Expressions pass them
 * between date functions; a record receives them as ISO 8601 text with the zone's offset
 * (`2019-10-23T11:24:35Z`, `2019-10-23T13:24:35.250+02:00`).
 */
import { tzOffset } from '@date-fns/tz';

export const UTC_ZONE = 'UTC';

export class ZonedDate {
  /** `zone` is an IANA name (`Europe/Paris`), `UTC` or an offset (`+02:00`); check it with `isKnownZone` first. */
  constructor(
    readonly epochMs: number,
    readonly zone: string,
  ) {}

  /** Minutes east of UTC at this instant in this zone. */
  offsetMinutes(): number {
    return this.zone === UTC_ZONE ? 0 : tzOffset(this.zone, new Date(this.epochMs));
  }

  toString(): string {
    const offset = this.offsetMinutes();
    const local = new Date(this.epochMs + offset * 60_000).toISOString();
    const withoutMillis = local.endsWith('.000Z') ? local.slice(0, -5) : local.slice(0, -1);
    return withoutMillis + formatOffset(offset);
  }

  toJSON(): string {
    return this.toString();
  }
}

function formatOffset(minutes: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const absolute = Math.abs(minutes);
  const hours = String(Math.floor(absolute / 60)).padStart(2, '0');
  return `${sign}${hours}:${String(absolute % 60).padStart(2, '0')}`;
}

/** Whether `zone` names a time zone the runtime knows (an IANA name, `UTC`, or an offset such as `+02:00`). */
export function isKnownZone(zone: string): boolean {
  return zone === UTC_ZONE || !Number.isNaN(tzOffset(zone, new Date(0)));
}

/**
 * ISO 8601 as people write it: a date, optionally a time (`T` or a space, seconds and fraction optional) and a
 * zone (`Z`, `+02`, `+0200`, `+02:00`). Without a zone the time is UTC.
 */
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export function parseIsoDate(text: string): ZonedDate | undefined {
  const match = ISO_DATE.exec(text);
  if (!match) return undefined;
  const [
    ,
    yearText,
    monthText,
    dayText,
    hourText = '0',
    minuteText = '0',
    secondText = '0',
    fraction = '',
    zone,
  ] = match;
  const [year, month, day] = [Number(yearText), Number(monthText), Number(dayText)];
  const [hour, minute, second] = [Number(hourText), Number(minuteText), Number(secondText)];
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 2019-02-30 over into March: a date whose fields come back different does not exist.
  const check = new Date(wall);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offset = zone === undefined || zone.toUpperCase() === 'Z' ? 0 : offsetOf(zone);
  return new ZonedDate(wall - offset * 60_000, UTC_ZONE);
}

function offsetOf(zone: string): number {
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
  return zone.startsWith('-') ? -minutes : minutes;
}
