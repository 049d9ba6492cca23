/**
 * Runs a state machine definition file as written (with its `${...}` substitutions applied, as CDK deploys it) in
 * aws-local-stepfunctions, as the local runtime runs it: every Task invokes one worker function, retries and waits
 * take no time, and a worker's error reaches the machine as a Lambda failure does in AWS.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { allStates, type StateDefinition } from '../../local/step-functions/state-machines';

type AslValidator = (
  definition: unknown,
  options?: { readonly checkArn?: boolean; readonly checkPaths?: boolean },
) => { isValid: boolean; errors: unknown[]; errorsText: (separator?: string) => string };
export const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

/** What the tests read of a state beyond what the local runtime's helper types. */
export type WorkerState = StateDefinition & {
  readonly Parameters?: { readonly FunctionName?: string; readonly Payload?: { readonly task?: string } };
  readonly ItemSelector?: { readonly task?: string };
};

export const statesOf = (machine: StateMachineDefinition) => allStates(machine) as [string, WorkerState][];

/** A definition under lib/workflows/ with one function ARN substituted. */
export function workflowDefinition(
  file: string,
  substitution: string,
  functionArn: string,
): () => StateMachineDefinition {
  const text = readFileSync(new URL(`../../lib/workflows/${file}`, import.meta.url), 'utf8');
  return () => JSON.parse(text.replaceAll(`\${${substitution}}`, functionArn)) as StateMachineDefinition;
}

export interface WorkflowRun {
  /** The Task states entered, in order (a retry enters the state again). */
  readonly calls: string[];
  readonly output?: unknown;
  readonly error?: Error;
}

/** A Lambda function's failure as Step Functions sees it: the error's name, and its JSON as the cause. */
function lambdaError(error: unknown): Error {
  const failure = error instanceof Error ? error : new Error(String(error));
  const seen = new Error(JSON.stringify({ errorType: failure.name, errorMessage: failure.message }));
  seen.name = failure.name;
  return seen;
}

export async function runWorkflow<Event>(
  machine: StateMachineDefinition,
  options: {
    readonly functionArn: string;
    readonly input: Record<string, unknown>;
    readonly worker: (event: Event) => Promise<unknown>;
    /** Wait states to skip (state name → 0). */
    readonly waitTimeOverrides?: Record<string, number>;
  },
): Promise<WorkflowRun> {
  const calls: string[] = [];
  const taskStates = statesOf(machine).filter(([, state]) => state.Type === 'Task');
  const handlers = Object.fromEntries(
    taskStates.map(([name]) => [
      name,
      async (request: unknown) => {
        calls.push(name);
        const { FunctionName, Payload } = request as { FunctionName: string; Payload: Event };
        if (FunctionName !== options.functionArn) throw new Error(`${name} invoked ${FunctionName}`);
        try {
          return { Payload: (await options.worker(Payload)) ?? null } as never;
        } catch (error) {
          throw lambdaError(error);
        }
      },
    ]),
  );
  const retryIntervalOverrides = Object.fromEntries(
    statesOf(machine)
      .filter(([, state]) => state.Retry !== undefined)
      .map(([name]) => [name, 0]),
  );
  const execution = new StateMachine(machine, { validationOptions: { noValidate: true } }).run(
    options.input as never,
    {
      overrides: {
        taskResourceLocalHandlers: handlers,
        retryIntervalOverrides,
        ...(options.waitTimeOverrides ? { waitTimeOverrides: options.waitTimeOverrides } : {}),
      },
    },
  );
  try {
    return { calls, output: await execution.result };
  } catch (error) {
    const cause = (error as Error).cause;
    return { calls, error: cause instanceof Error ? cause : (error as Error) };
  }
}
