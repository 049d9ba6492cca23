import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LambdaServiceError } from '../../local/lambda/function-host';
import type { LocalFunction } from '../../local/lambda/local-function';
import type { RuntimeLog } from '../../local/runtime-log';
import { parseScheduleExpression } from '../../local/scheduler/schedule-expression';
import {
  SCHEDULE_RETRY_DELAY_MS,
  startSchedules,
  type ScheduleHost,
} from '../../local/scheduler/schedule-runner';
import { readSchedules, type LocalSchedule } from '../../local/scheduler/schedules';
import type { CfnResource } from '../../local/template/cloudformation';
import { TemplateError, TemplateResolver } from '../../local/template/intrinsics';
import { eventually } from './eventually';

const TASK_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:stack-task';
const START = new Date('2026-01-01T00:00:00Z');

function capturingLog(): { lines: string[]; log: RuntimeLog } {
  const lines: string[] = [];
  return {
    lines,
    log: { info: (message) => lines.push(message), error: (message) => lines.push(message) },
  };
}

function resolverWith(schedules: Record<string, Record<string, unknown>>): TemplateResolver {
  const resources: Record<string, CfnResource> = {
    Task: { Type: 'AWS::Lambda::Function', Properties: {} },
    ...Object.fromEntries(
      Object.entries(schedules).map(([id, properties]) => [
        id,
        {
          Type: 'AWS::Scheduler::Schedule',
          Properties: {
            FlexibleTimeWindow: { Mode: 'OFF' },
            State: 'ENABLED',
            ...properties,
            Target: {
              Arn: { 'Fn::GetAtt': ['Task', 'Arn'] },
              RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
              ...(properties['Target'] as object | undefined),
            },
          },
        },
      ]),
    ),
  };
  return new TemplateResolver([{ stackName: 'Stack', template: { Resources: resources } }]);
}

describe('schedule expressions', () => {
  it.each([
    ['rate(1 minute)', { kind: 'rate', periodMs: 60_000 }],
    ['rate(5 minutes)', { kind: 'rate', periodMs: 300_000 }],
    ['rate(1 hour)', { kind: 'rate', periodMs: 3_600_000 }],
    ['rate(12 hours)', { kind: 'rate', periodMs: 43_200_000 }],
    ['rate(1 day)', { kind: 'rate', periodMs: 86_400_000 }],
    ['rate(7 days)', { kind: 'rate', periodMs: 604_800_000 }],
    ['cron(0 3 * * ? *)', { kind: 'cron' }],
    ['at(2030-01-01T00:00:00)', { kind: 'at' }],
  ])('reads %s', (expression, expected) => {
    // Act
    const parsed = parseScheduleExpression(expression);

    // Assess
    expect(parsed).toEqual(expected);
  });

  it.each(['rate(5 seconds)', 'rate(0 minutes)', 'rate(minutes)', 'every 5 minutes', ''])(
    'refuses %j',
    (expression) => {
      // Act
      const parsed = parseScheduleExpression(expression);

      // Assess
      expect(parsed.kind).toBe('invalid');
    },
  );
});

describe('schedules read from the template', () => {
  it('keeps the enabled rate schedules, and logs the disabled, cron and at ones it leaves out', () => {
    // Prepare
    const resolver = resolverWith({
      EveryMinute: {
        ScheduleExpression: 'rate(1 minute)',
        Target: { Input: '{"source":"tributary.scheduler"}', RetryPolicy: { MaximumRetryAttempts: 1 } },
      },
      Hourly: { Name: 'hourly', GroupName: 'tributary', ScheduleExpression: 'rate(2 hours)' },
      Paused: { ScheduleExpression: 'rate(5 minutes)', State: 'DISABLED' },
      Nightly: { ScheduleExpression: 'cron(0 3 * * ? *)' },
      Once: { ScheduleExpression: 'at(2030-01-01T00:00:00)' },
    });
    const { lines, log } = capturingLog();

    // Act
    const schedules = readSchedules(resolver, log);

    // Assess
    expect(schedules).toEqual([
      {
        name: 'stack-everyminute',
        arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/stack-everyminute',
        expression: 'rate(1 minute)',
        periodMs: 60_000,
        targetArn: TASK_ARN,
        input: '{"source":"tributary.scheduler"}',
        maxRetries: 1,
      },
      {
        name: 'hourly',
        arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/tributary/hourly',
        expression: 'rate(2 hours)',
        periodMs: 7_200_000,
        targetArn: TASK_ARN,
        input: undefined,
        // Scheduler's default (185) capped locally.
        maxRetries: 2,
      },
    ]);
    expect(lines).toEqual([
      'schedule stack-paused is DISABLED: not run',
      'not emulated: stack-nightly (cron(0 3 * * ? *))',
      'not emulated: stack-once (at(2030-01-01T00:00:00))',
    ]);
  });

  it('fails on an expression or an Input that AWS would refuse', () => {
    // Prepare
    const badRate = resolverWith({ Fast: { ScheduleExpression: 'rate(5 seconds)' } });
    const badInput = resolverWith({
      Broken: { ScheduleExpression: 'rate(1 minute)', Target: { Input: '{nope' } },
    });

    // Act
    const readBadRate = () => readSchedules(badRate, capturingLog().log);
    const readBadInput = () => readSchedules(badInput, capturingLog().log);

    // Assess
    expect(readBadRate).toThrow(TemplateError);
    expect(readBadRate).toThrow(/Stack\/Fast: invalid ScheduleExpression 'rate\(5 seconds\)'/);
    expect(readBadInput).toThrow(/Stack\/Broken: the target's Input is not JSON/);
  });
});

describe('running schedules', () => {
  const task: LocalFunction = {
    stackName: 'Stack',
    logicalId: 'Task',
    name: 'stack-task',
    arn: TASK_ARN,
    entry: 'task.ts',
    exportName: 'handler',
    timeoutSeconds: 3,
    memoryMb: 128,
    ephemeralStorageMb: 512,
    environment: {},
  };
  const schedule = (overrides: Partial<LocalSchedule> = {}): LocalSchedule => ({
    name: 'every-minute',
    arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/every-minute',
    expression: 'rate(1 minute)',
    periodMs: 60_000,
    targetArn: TASK_ARN,
    input: '{"source":"tributary.scheduler"}',
    maxRetries: 0,
    ...overrides,
  });

  /** A host whose one function records each event and answers with what `behaviour` returns. */
  function fakeHost(behaviour: () => Promise<unknown> = async () => undefined): {
    events: unknown[];
    host: ScheduleHost;
  } {
    const events: unknown[] = [];
    return {
      events,
      host: {
        find: (arn) => (arn === TASK_ARN ? task : undefined),
        invoke: async (_fn, event) => {
          events.push(event);
          return behaviour();
        },
      },
    };
  }

  /** A promise the test settles when it wants the invocation to end. */
  function gate(): { promise: Promise<void>; open: () => void } {
    let open = (): void => undefined;
    const promise = new Promise<void>((resolve) => {
      open = resolve;
    });
    return { promise, open };
  }

  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('invokes the target once a period, the first time one period after start, with the Input', async () => {
    // Prepare
    const { events, host } = fakeHost();
    const input = JSON.stringify({
      source: 'tributary.scheduler',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      scheduleArn: '<aws.scheduler.schedule-arn>',
      attempt: '<aws.scheduler.attempt-number>',
    });

    // Act
    const scheduler = startSchedules({ schedules: [schedule({ input })], host, log: capturingLog().log });
    await vi.advanceTimersByTimeAsync(59_999);
    const beforeFirstPeriod = events.length;
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(120_000);
    await scheduler.stop();

    // Assess
    expect(beforeFirstPeriod).toBe(0);
    expect(events).toEqual(
      ['2026-01-01T00:01:00Z', '2026-01-01T00:02:00Z', '2026-01-01T00:03:00Z'].map((scheduledTime) => ({
        source: 'tributary.scheduler',
        scheduledTime,
        scheduleArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/every-minute',
        attempt: '1',
      })),
    );
  });

  it('sends {} when the schedule has no Input, every tick of the override', async () => {
    // Prepare
    const { events, host } = fakeHost();
    const { lines, log } = capturingLog();

    // Act
    const scheduler = startSchedules({
      schedules: [schedule({ input: undefined, periodMs: 3_600_000, expression: 'rate(1 hour)' })],
      host,
      log,
      tickMs: 100,
    });
    await vi.advanceTimersByTimeAsync(350);
    await scheduler.stop();

    // Assess
    expect(events).toEqual([{}, {}, {}]);
    expect(lines).toEqual(['schedule every-minute: rate(1 hour) → Task (every 100 ms: tick override)']);
  });

  it('skips and counts a tick while the previous invocation still runs', async () => {
    // Prepare
    const slow = gate();
    const { events, host } = fakeHost(() => slow.promise);
    const { lines, log } = capturingLog();
    const scheduler = startSchedules({ schedules: [schedule()], host, log, tickMs: 100 });

    // Act
    await vi.advanceTimersByTimeAsync(350);
    const whileRunning = events.length;
    slow.open();
    await vi.advanceTimersByTimeAsync(100);
    await scheduler.stop();

    // Assess
    expect(whileRunning).toBe(1);
    expect(events).toHaveLength(2);
    expect(lines.filter((line) => line.includes('tick skipped'))).toEqual([
      'schedule every-minute: tick skipped, the previous invocation is still running (1 skipped)',
      'schedule every-minute: tick skipped, the previous invocation is still running (2 skipped)',
    ]);
  });

  it('logs and retries a failed invocation per the retry policy, and keeps ticking', async () => {
    // Prepare: real timers, as the pause between retries is a promise timer that fake timers do not drive.
    vi.useRealTimers();
    const { events, host } = fakeHost(async () => {
      throw new Error('the source is down');
    });
    const { lines, log } = capturingLog();
    const scheduler = startSchedules({
      schedules: [schedule({ maxRetries: 1, input: '{"attempt":"<aws.scheduler.attempt-number>"}' })],
      host,
      log,
      tickMs: SCHEDULE_RETRY_DELAY_MS * 2,
    });

    // Act
    await eventually(() => (events.length >= 3 ? true : undefined), 'a retry and the next tick');
    await scheduler.stop();

    // Assess
    expect(events.slice(0, 3)).toEqual([{ attempt: '1' }, { attempt: '2' }, { attempt: '1' }]);
    expect(lines.filter((line) => line.includes('failed')).slice(0, 3)).toEqual([
      'schedule every-minute: Task failed (attempt 1 of 2)',
      'schedule every-minute: Task failed (attempt 2 of 2)',
      'schedule every-minute: Task failed (attempt 1 of 2)',
    ]);
  });

  it('drops an event Lambda refuses as too large for an asynchronous invocation, logging it, without retrying', async () => {
    // Prepare: real timers, as a retry would wait on a promise timer.
    vi.useRealTimers();
    const invocationTypes: unknown[] = [];
    const host: ScheduleHost = {
      find: (arn) => (arn === TASK_ARN ? task : undefined),
      invoke: async (_fn, _event, type) => {
        invocationTypes.push(type);
        throw new LambdaServiceError('RequestEntityTooLargeException', 'over 1 MB');
      },
    };
    const { lines, log } = capturingLog();
    const scheduler = startSchedules({
      schedules: [schedule({ maxRetries: 1 })],
      host,
      log,
      tickMs: SCHEDULE_RETRY_DELAY_MS * 2,
    });

    // Act: two ticks, each refused once and not retried.
    await eventually(() => (invocationTypes.length >= 2 ? true : undefined), 'two ticks');
    await scheduler.stop();

    // Assess
    expect(invocationTypes.slice(0, 2)).toEqual(['Event', 'Event']);
    expect(lines.filter((line) => !line.includes('→')).slice(0, 2)).toEqual([
      'schedule every-minute: Lambda refused the asynchronous invocation of Task; the event is dropped',
      'schedule every-minute: Lambda refused the asynchronous invocation of Task; the event is dropped',
    ]);
  });

  it('stops: clears every timer and waits for the invocation under way', async () => {
    // Prepare
    const slow = gate();
    const { events, host } = fakeHost(() => slow.promise);
    const scheduler = startSchedules({ schedules: [schedule()], host, log: capturingLog().log, tickMs: 100 });
    await vi.advanceTimersByTimeAsync(100);
    let stopped = false;

    // Act
    const stopping = scheduler.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(10);
    const stoppedWhileRunning = stopped;
    slow.open();
    await stopping;
    await vi.advanceTimersByTimeAsync(1000);

    // Assess
    expect(stoppedWhileRunning).toBe(false);
    expect(stopped).toBe(true);
    expect(events).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves out a schedule whose target is not a local function', async () => {
    // Prepare
    const { events, host } = fakeHost();
    const { lines, log } = capturingLog();
    const elsewhere = 'arn:aws:states:us-east-1:000000000000:stateMachine:other';

    // Act
    const scheduler = startSchedules({
      schedules: [schedule({ targetArn: elsewhere })],
      host,
      log,
      tickMs: 100,
    });
    await vi.advanceTimersByTimeAsync(500);
    await scheduler.stop();

    // Assess
    expect(events).toEqual([]);
    expect(lines).toEqual([`not emulated: every-minute (target ${elsewhere} is not a local function)`]);
  });
});
