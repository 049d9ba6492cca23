/**
 * The time a record is ordered by in the profile store, and how far ahead of its arrival it may be.
 *
 * Last writer wins on a record's own time, so a record stamped in the far future would win over every real update
 * until the world caught up with it. Experience Platform requires an event's `timestamp` to be in the past; a
 * producer's clock is never exact, so a record may stand at most MAX_TIMESTAMP_SKEW_MS ahead of its arrival, and
 * both pipelines quarantine one beyond it (`timestampSkewViolation`) before it reaches the lake or the profile.
 */
import type { SchemaClass } from '../schemas/schema-types';
import { normalizeTimestamp } from './fragments';

/**
 * A day: a producer that writes its local time as UTC stands up to 14 hours ahead (UTC+14), and a drifting clock
 * some minutes more. Anything further is not a clock but a wrong date, which would pin its fragment for good.
 */
export const MAX_TIMESTAMP_SKEW_MS = 24 * 60 * 60 * 1000;

/** The violation keyword of a record stamped too far ahead of its arrival. */
export const TIMESTAMP_SKEW_KEYWORD = 'timestamp-skew';

/** A record's own time and the field (JSON pointer) that holds it. */
export interface OwnTime {
  readonly pointer: string;
  readonly timestamp: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The time a record carries: an event's `timestamp`; a profile record's `timestamp`, else XDM's `_repo.modifyDate`.
 * Undefined when it has none (a profile record is then ordered by its arrival) or for other classes.
 */
export function ownTimeOf(schemaClass: SchemaClass, record: unknown): OwnTime | undefined {
  if (!isObject(record) || (schemaClass !== 'event' && schemaClass !== 'profile')) return undefined;
  const own = normalizeTimestamp(record.timestamp);
  if (own) return { pointer: '/timestamp', timestamp: own };
  if (schemaClass === 'event' || !isObject(record._repo)) return undefined;
  const modified = normalizeTimestamp(record._repo.modifyDate);
  return modified ? { pointer: '/_repo/modifyDate', timestamp: modified } : undefined;
}

/** The time a profile record is ordered by: its own, else when it arrived. */
export function recordTimestamp(record: unknown, receivedAt: string): string | undefined {
  return ownTimeOf('profile', record)?.timestamp ?? normalizeTimestamp(receivedAt);
}

/** A violation in the shape of the pipelines' quarantine lines. */
export interface SkewViolation {
  readonly pointer: string;
  readonly keyword: typeof TIMESTAMP_SKEW_KEYWORD;
  readonly message: string;
}

/**
 * Why the record cannot be taken: its own time stands more than MAX_TIMESTAMP_SKEW_MS ahead of `arrivedAt` (the
 * streamed message's first receive time, a file batch's start). Undefined when it does not, or has no own time.
 */
export function timestampSkewViolation(
  schemaClass: SchemaClass,
  record: unknown,
  arrivedAt: string,
): SkewViolation | undefined {
  const own = ownTimeOf(schemaClass, record);
  const arrival = Date.parse(arrivedAt);
  if (!own || Number.isNaN(arrival)) return undefined;
  const ahead = Date.parse(own.timestamp) - arrival;
  if (ahead <= MAX_TIMESTAMP_SKEW_MS) return undefined;
  return {
    pointer: own.pointer,
    keyword: TIMESTAMP_SKEW_KEYWORD,
    message: `${own.timestamp} is more than ${MAX_TIMESTAMP_SKEW_MS / 3_600_000} hours after the record arrived (${new Date(arrival).toISOString()}); a record's time may not be in the future`,
  };
}
