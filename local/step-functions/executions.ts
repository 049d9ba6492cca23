/**
 * Runs state machine executions with aws-local-stepfunctions, Task states calling the local handlers, and keeps
 * one record per execution in the data folder (history stays in memory).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { FunctionHost } from '../lambda/function-host';
import type { RuntimeLog } from '../runtime-log';
import { functionNameFromArn } from '../template/intrinsics';
import { allStates, type LocalStateMachine } from './state-machines';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startDate: number;
  readonly stopDate?: number;
  readonly input: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/**
 * Step Functions waits out each Retry's IntervalSeconds (with backoff); a local run caps every pause at this, as
 * local retries are about the definition's logic, not about waiting for a throttled service to recover.
 */
export const LOCAL_RETRY_INTERVAL_CAP_MS = 1000;

type JsonValue = Parameters<StateMachine['run']>[0];
type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

const OPTIMISED_LAMBDA_INVOKE = /^arn:[^:]+:states:::lambda:invoke$/;

/** Step Functions' quota on the data a task takes or gives, and on an execution's input: 256 KB of UTF-8 JSON. */
export const MAX_STATE_PAYLOAD_BYTES = 256 * 1024;

/** The JSON's size in bytes when it is over the state payload quota, else undefined. */
export function oversizedState(json: string): number | undefined {
  const bytes = Buffer.byteLength(json);
  return bytes > MAX_STATE_PAYLOAD_BYTES ? bytes : undefined;
}

/** A Task failure shaped as Step Functions reports a Lambda error: Error is the error type, Cause its JSON. */
class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** Fails the task as Step Functions does when the data a state takes or gives is over the quota. */
function checkStateSize(value: unknown, what: string): void {
  const bytes = oversizedState(JSON.stringify(value ?? null));
  if (bytes !== undefined)
    throw new TaskError(
      'States.DataLimitExceeded',
      `the ${what} of ${bytes} bytes exceeds the maximum of ${MAX_STATE_PAYLOAD_BYTES} bytes`,
    );
}

function taskErrorOf(error: unknown): TaskError {
  const failure = error instanceof Error ? error : new Error(String(error));
  const cause = JSON.stringify({
    errorType: failure.name,
    errorMessage: failure.message,
    trace: failure.stack?.split('\n') ?? [],
  });
  return new TaskError(failure.name || 'Error', cause);
}

export class Executions {
  private readonly dir: string;
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, { abort: () => void; done: Promise<void> }>();
  private host: FunctionHost | undefined;

  constructor(
    dataDir: string,
    private readonly machines: readonly LocalStateMachine[],
    private readonly log: RuntimeLog,
  ) {
    this.dir = join(dataDir, 'step-functions', 'executions');
    mkdirSync(this.dir, { recursive: true });
    for (const file of readdirSync(this.dir).filter((name) => name.endsWith('.json'))) {
      const record = JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as ExecutionRecord;
      // An execution cannot resume mid-way in a new process: one that was running when the runtime stopped ended there.
      this.records.set(
        record.executionArn,
        record.status === 'RUNNING'
          ? this.save({
              ...record,
              status: 'ABORTED',
              stopDate: record.startDate,
              cause: 'the local runtime stopped',
            })
          : record,
      );
    }
  }

  attach(host: FunctionHost): void {
    this.host = host;
  }

  machine(arn: string): LocalStateMachine | undefined {
    return this.machines.find((machine) => machine.arn === arn);
  }

  get(executionArn: string): ExecutionRecord | undefined {
    return this.records.get(executionArn);
  }

  list(stateMachineArn: string): ExecutionRecord[] {
    return [...this.records.values()]
      .filter((record) => record.stateMachineArn === stateMachineArn)
      .sort((a, b) => b.startDate - a.startDate);
  }

  /** Starts an execution and returns its record at once; `done` settles when it ends. */
  start(
    machine: LocalStateMachine,
    name: string,
    input: string,
  ): { record: ExecutionRecord; done: Promise<ExecutionRecord> } {
    const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    const record = this.save({
      executionArn,
      stateMachineArn: machine.arn,
      name,
      status: 'RUNNING',
      startDate: Date.now() / 1000,
      input,
    });
    const stateMachine = new StateMachine(machine.definition as unknown as StateMachineDefinition);
    const parsedInput = JSON.parse(input) as JsonValue;
    const execution = stateMachine.run(parsedInput, {
      overrides: {
        taskResourceLocalHandlers: this.taskHandlers(machine),
        retryIntervalOverrides: this.retryIntervals(machine),
      },
      // The Context Object a definition may read with `$$.Execution...`.
      context: {
        Execution: {
          Id: executionArn,
          Name: name,
          Input: parsedInput,
          StartTime: new Date(record.startDate * 1000).toISOString(),
        },
      },
    });
    const done = execution.result.then(
      (output) =>
        this.save({
          ...record,
          status: 'SUCCEEDED',
          stopDate: Date.now() / 1000,
          output: JSON.stringify(output ?? null),
        }),
      (error: unknown) => {
        const aborted = error instanceof Error && error.name === 'ExecutionAbortedError';
        const timedOut = error instanceof Error && error.name === 'ExecutionTimeoutError';
        const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
        if (!aborted && !timedOut) this.log.error(`execution ${name} of ${machine.name} failed`, cause);
        return this.save({
          ...record,
          status: aborted ? 'ABORTED' : timedOut ? 'TIMED_OUT' : 'FAILED',
          stopDate: Date.now() / 1000,
          error: cause instanceof Error ? cause.name : 'States.Runtime',
          cause: cause instanceof Error ? cause.message : String(cause),
        });
      },
    );
    const tracked = done.then(() => undefined).finally(() => this.running.delete(executionArn));
    this.running.set(executionArn, { abort: execution.abort, done: tracked });
    return { record, done };
  }

  abort(executionArn: string): boolean {
    const execution = this.running.get(executionArn);
    execution?.abort();
    return execution !== undefined;
  }

  /** Aborts every running execution and waits until each has recorded how it ended. */
  async stop(): Promise<void> {
    const running = [...this.running.values()];
    for (const execution of running) execution.abort();
    await Promise.allSettled(running.map((execution) => execution.done));
  }

  private taskHandlers(machine: LocalStateMachine): TaskHandlers {
    const handlers: TaskHandlers = {};
    for (const [stateName, state] of allStates(machine.definition)) {
      if (state.Type !== 'Task' || typeof state.Resource !== 'string') continue;
      const resource = state.Resource;
      handlers[stateName] = async (input: unknown): Promise<JsonValue> => {
        const host = this.host;
        if (!host) throw new TaskError('States.Runtime', 'the local functions are not loaded yet');
        const optimised = OPTIMISED_LAMBDA_INVOKE.test(resource);
        const target = optimised ? String((input as { FunctionName?: unknown }).FunctionName) : resource;
        const fn = host.find(target) ?? host.find(functionNameFromArn(target) ?? target);
        if (!fn) throw new TaskError('States.TaskFailed', `the local runtime runs no resource ${target}`);
        checkStateSize(input, `input of state ${stateName}`);
        let result: JsonValue;
        try {
          if (optimised) {
            const payload = await host.invoke(fn, (input as { Payload?: unknown }).Payload ?? {});
            result = { ExecutedVersion: '$LATEST', Payload: (payload ?? null) as JsonValue, StatusCode: 200 };
          } else result = (await host.invoke(fn, input)) as JsonValue;
        } catch (error) {
          throw taskErrorOf(error);
        }
        checkStateSize(result, `result of state ${stateName}`);
        return result;
      };
    }
    return handlers;
  }

  private retryIntervals(machine: LocalStateMachine): Record<string, number[]> {
    return Object.fromEntries(
      allStates(machine.definition)
        .filter(([, state]) => state.Retry !== undefined)
        .map(([name, state]) => [
          name,
          (state.Retry ?? []).map((retrier) =>
            Math.min((retrier.IntervalSeconds ?? 1) * 1000, LOCAL_RETRY_INTERVAL_CAP_MS),
          ),
        ]),
    );
  }

  private save(record: ExecutionRecord): ExecutionRecord {
    this.records.set(record.executionArn, record);
    const file = join(this.dir, `${Buffer.from(record.executionArn).toString('base64url')}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(record));
    renameSync(`${file}.tmp`, file);
    return record;
  }
}
