import { describe, expect, it } from 'vitest';
import type { DataflowSchedule } from '../../../lambdas/core/dataflows/dataflow-types';
import { scheduleOf } from '../../../lambdas/core/dataflows/dataflows';
import {
  firstSlotAtOrAfter,
  nextRunAtOf,
  nextSlotAfter,
  parseStartTime,
  slotAtOrBefore,
} from '../../../lambdas/core/dataflows/schedule';
import { DomainError } from '../../../lambdas/core/errors/domain-error';

const START = '2026-03-02T10:00:00.000Z';
const every = (frequency: DataflowSchedule['frequency'], interval?: number): DataflowSchedule => ({
  frequency,
  ...(interval === undefined ? {} : { interval }),
  startTime: START,
  backfill: true,
});
const at = (iso: string) => new Date(iso);

function problemOf(work: () => unknown): DomainError {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a problem');
}

describe('start times', () => {
  it("reads Experience Platform's epoch seconds, as a number or a numeric string", () => {
    // Act
    const fromNumber = parseStartTime(1597784298);
    const fromString = parseStartTime('1597784298');

    // Assess
    expect(fromNumber).toBe('2020-08-18T20:58:18.000Z');
    expect(fromString).toBe(fromNumber);
  });

  it('reads ISO 8601 date-times with a zone, as UTC', () => {
    // Act
    const utc = parseStartTime('2026-03-02T10:00:00Z');
    const offset = parseStartTime('2026-03-02T11:30:00+01:30');

    // Assess
    expect(utc).toBe(START);
    expect(offset).toBe(START);
  });

  it('refuses times without a zone, fractions of seconds as epoch, and nonsense', () => {
    // Act
    const refused = ['2026-03-02T10:00:00', '2026-03-02', 'tomorrow', '', '12.5', 1.5, -1, 1e20].map(
      (value) => parseStartTime(value),
    );

    // Assess
    expect(refused).toEqual(refused.map(() => undefined));
  });
});

describe('slots', () => {
  it('are the start time plus whole intervals of the unit', () => {
    // Prepare
    const schedule = every('minute', 15);

    // Act
    const first = firstSlotAtOrAfter(schedule, at('2026-03-02T10:20:00Z'));
    const onSlot = firstSlotAtOrAfter(schedule, at('2026-03-02T10:30:00Z'));
    const before = slotAtOrBefore(schedule, at('2026-03-02T10:44:59Z'));
    const after = nextSlotAfter(schedule, at('2026-03-02T10:45:00Z'));

    // Assess
    expect(first).toBe('2026-03-02T10:30:00.000Z');
    expect(onSlot).toBe('2026-03-02T10:30:00.000Z');
    expect(before).toBe('2026-03-02T10:30:00.000Z');
    expect(after).toBe('2026-03-02T11:00:00.000Z');
  });

  it('use fixed lengths for hours, days and weeks', () => {
    // Act
    const slots = [every('hour', 2), every('day', 1), every('week', 2)].map((schedule) =>
      nextSlotAfter(schedule, at('2026-03-02T10:00:00Z')),
    );

    // Assess
    expect(slots).toEqual([
      '2026-03-02T12:00:00.000Z',
      '2026-03-03T10:00:00.000Z',
      '2026-03-16T10:00:00.000Z',
    ]);
  });

  it('before the start time are the start time itself', () => {
    // Prepare
    const early = at('2026-03-01T00:00:00Z');

    // Act
    const slots = [firstSlotAtOrAfter, slotAtOrBefore, nextSlotAfter].map((slot) =>
      slot(every('hour', 1), early),
    );

    // Assess
    expect(slots).toEqual([START, START, START]);
  });

  it('coalesce: after a long outage the next slot is the first one after now, not the first one missed', () => {
    // Prepare: an hourly schedule whose scheduler was down for a day and a half
    const now = at('2026-03-03T22:10:00Z');

    // Act
    const standsFor = slotAtOrBefore(every('hour', 1), now);
    const next = nextSlotAfter(every('hour', 1), now);

    // Assess
    expect(standsFor).toBe('2026-03-03T22:00:00.000Z');
    expect(next).toBe('2026-03-03T23:00:00.000Z');
  });

  it('of a once schedule: only the start time', () => {
    // Act
    const next = nextSlotAfter(every('once'), at('2026-03-01T00:00:00Z'));
    const first = firstSlotAtOrAfter(every('once'), at('2026-04-01T00:00:00Z'));

    // Assess
    expect(next).toBeUndefined();
    expect(first).toBe(START);
  });
});

describe('the next run of a flow', () => {
  const now = at('2026-03-02T10:07:00Z');

  it('is the first slot from now on when enabled, none when disabled or unscheduled', () => {
    // Act
    const enabled = nextRunAtOf({ enabled: true, schedule: every('minute', 5), state: {} }, now);
    const disabled = nextRunAtOf({ enabled: false, schedule: every('minute', 5), state: {} }, now);
    const unscheduled = nextRunAtOf({ enabled: true, state: {} }, now);

    // Assess
    expect(enabled).toBe('2026-03-02T10:10:00.000Z');
    expect(disabled).toBeUndefined();
    expect(unscheduled).toBeUndefined();
  });

  it('of a once flow is its start time (even past) until it has been run, and again for a later start', () => {
    // Prepare
    const moved: DataflowSchedule = { ...every('once'), startTime: '2026-03-09T10:00:00.000Z' };

    // Act
    const pending = nextRunAtOf({ enabled: true, schedule: every('once'), state: {} }, now);
    const ran = nextRunAtOf(
      { enabled: true, schedule: every('once'), state: { lastScheduledFor: START } },
      now,
    );
    const again = nextRunAtOf({ enabled: true, schedule: moved, state: { lastScheduledFor: START } }, now);

    // Assess
    expect(pending).toBe(START);
    expect(ran).toBeUndefined();
    expect(again).toBe(moved.startTime);
  });
});

describe('schedules as the API takes them', () => {
  const now = at(START);

  it('default the start time to now and backfill to true; take string intervals', () => {
    // Act
    const schedule = scheduleOf({ frequency: 'minute', interval: '1' }, now);

    // Assess
    expect(schedule).toEqual({ frequency: 'minute', interval: 1, startTime: START, backfill: true });
  });

  it('allow minute intervals below the 15 Experience Platform requires', () => {
    // Act
    const schedule = scheduleOf(
      { frequency: 'minute', interval: 1, startTime: 1772445600, backfill: false },
      now,
    );

    // Assess
    expect(schedule).toEqual({ frequency: 'minute', interval: 1, startTime: START, backfill: false });
  });

  it('refuse an interval on once, none on the others, and bad values, pointing at each', () => {
    // Act
    const onOnce = problemOf(() => scheduleOf({ frequency: 'once', interval: 1 }, now));
    const missing = problemOf(() => scheduleOf({ frequency: 'day' }, now));
    const bad = problemOf(() => scheduleOf({ frequency: 'hour', interval: 0, startTime: 'soon' }, now));

    // Assess
    expect(onOnce).toMatchObject({ kind: 'invalid', code: 'invalid-schedule' });
    expect(onOnce.violations?.map((v) => v.pointer)).toEqual(['/schedule/interval']);
    expect(missing.violations?.map((v) => [v.pointer, v.keyword])).toEqual([
      ['/schedule/interval', 'required'],
    ]);
    expect(bad.violations?.map((v) => v.pointer)).toEqual(['/schedule/interval', '/schedule/startTime']);
  });
});
