/**
 * Schedule arithmetic. A periodic schedule's slots are `startTime + k · interval · unit` (k ≥ 0) in UTC with fixed
 * unit lengths (a day is always 24 hours: no calendar or daylight-saving shifts). The scheduler runs a flow when its
 * `nextRunAt` slot has come, then moves `nextRunAt` to the first slot after now, so slots missed while the scheduler
 * was down or a run was going coalesce into one run. A `once` schedule has the single slot `startTime`.
 */
import type { DataflowSchedule, DataflowState, ScheduleFrequency } from './dataflow-types';

export const SCHEDULE_UNIT_MS: Readonly<Record<Exclude<ScheduleFrequency, 'once'>, number>> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/**
 * The largest interval accepted: every frequency stays a plain number of milliseconds well inside what a Date holds
 * (1,000 weeks is about 19 years), and no real schedule is rarer.
 */
export const MAX_SCHEDULE_INTERVAL = 1_000;

/** Epoch seconds of 9999-12-31T23:59:59Z: later times have no four-digit ISO 8601 year. */
const MAX_EPOCH_SECONDS = 253_402_300_799;

/** A full ISO 8601 date-time with its zone: a time without one would be read in the function's local zone. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A start time as Experience Platform sends it — epoch seconds, as a number or a numeric string — or an ISO 8601
 * date-time with a zone; answered as ISO 8601 UTC, or undefined when it is neither.
 */
export function parseStartTime(value: number | string): string | undefined {
  const seconds = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : undefined;
  if (seconds !== undefined) {
    return Number.isSafeInteger(seconds) && seconds >= 0 && seconds <= MAX_EPOCH_SECONDS
      ? new Date(seconds * 1000).toISOString()
      : undefined;
  }
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value)) return undefined;
  const millis = Date.parse(value);
  return Number.isNaN(millis) || millis > MAX_EPOCH_SECONDS * 1000
    ? undefined
    : new Date(millis).toISOString();
}

/** Experience Platform's epoch seconds of an ISO time. */
export const epochSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

function periodMs(schedule: DataflowSchedule): number | undefined {
  if (schedule.frequency === 'once') return undefined;
  return (schedule.interval ?? 1) * SCHEDULE_UNIT_MS[schedule.frequency];
}

/** Slot `k` of the schedule: `startTime + k` periods. */
const slot = (start: number, period: number, k: number): string => new Date(start + k * period).toISOString();

/** The first slot at or after `at` (the start time itself when `at` is before it). */
export function firstSlotAtOrAfter(schedule: DataflowSchedule, at: Date): string {
  const start = Date.parse(schedule.startTime);
  const period = periodMs(schedule);
  if (period === undefined || at.getTime() <= start) return schedule.startTime;
  return slot(start, period, Math.ceil((at.getTime() - start) / period));
}

/** The latest slot at or before `at` (the start time when `at` is before it): what a late scheduled run stands for. */
export function slotAtOrBefore(schedule: DataflowSchedule, at: Date): string {
  const start = Date.parse(schedule.startTime);
  const period = periodMs(schedule);
  if (period === undefined || at.getTime() <= start) return schedule.startTime;
  return slot(start, period, Math.floor((at.getTime() - start) / period));
}

/** The first slot strictly after `at`; undefined for `once`, whose only slot is its start time. */
export function nextSlotAfter(schedule: DataflowSchedule, at: Date): string | undefined {
  const start = Date.parse(schedule.startTime);
  const period = periodMs(schedule);
  if (period === undefined) return undefined;
  if (at.getTime() < start) return schedule.startTime;
  return slot(start, period, Math.floor((at.getTime() - start) / period) + 1);
}

/**
 * When the scheduler should next run a flow that is being created, enabled or rescheduled: the first slot from now
 * on (slots in the past are not run one by one: the first run reads everything since the watermark anyway); a
 * `once` flow at its start time, unless the scheduler has already run it (a start time moved later runs it again).
 */
export function nextRunAtOf(
  flow: { readonly enabled: boolean; readonly schedule?: DataflowSchedule; readonly state: DataflowState },
  now: Date,
): string | undefined {
  const { schedule } = flow;
  if (!flow.enabled || !schedule) return undefined;
  if (schedule.frequency === 'once') {
    const ran = flow.state.lastScheduledFor;
    return ran !== undefined && ran >= schedule.startTime ? undefined : schedule.startTime;
  }
  return firstSlotAtOrAfter(schedule, now);
}
