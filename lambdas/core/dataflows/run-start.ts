/**
 * Starting a flow run — run now, re-trigger, or a schedule slot — with at most one run of a flow at a time: the flow
 * is claimed first (its `activeRunId` set by a write conditional on the revision read, so two starters cannot both
 * win), then the run is recorded, then the dataflow-run execution is started under the run's id.
 *
 * A claim whose run died (its execution ended without the run finishing — a stopped local runtime, a step whose
 * retries ran out before the failure could be recorded — or a starter that died before starting the execution) would
 * block the flow forever; so a starter that finds a claim checks that its run is alive, and takes over a dead one,
 * marking that run failed.
 */
import { ulid } from 'ulid';
import { conflict, notFound } from '../errors/domain-error';
import { changeFlow, changeRun, stateChange, type FlowChange } from './dataflow-changes';
import {
  FINAL_RUN_STATUSES,
  laterRunId,
  NO_METRICS,
  NO_PROGRESS,
  pulledMetrics,
  type Dataflow,
  type DataflowState,
  type DataflowStore,
  type FlowRun,
  type FlowRunStore,
  type RunTrigger,
  type RunWorkflow,
} from './dataflow-types';

/**
 * How long a claim may stand without an execution before it counts as dead: a starter records the run and starts
 * the execution within a few seconds of claiming, so a minute means the starter died in between.
 */
export const CLAIM_GRACE_MS = 60_000;

/** The run's error when its execution ended without finishing it. */
export const RUN_INTERRUPTED = 'run-interrupted';

export interface RunStartDeps {
  readonly flows: DataflowStore;
  readonly runs: FlowRunStore;
  readonly workflow: RunWorkflow;
  readonly now: () => Date;
  readonly newId?: () => string;
}

/** What a start asks for once it has read the flow (or a 4xx problem it throws); undefined: start nothing. */
export interface RunPlan {
  readonly scheduledFor?: string;
  readonly retriggerOf?: string;
  /** Written with the claim (the scheduler's next slot, say). */
  readonly state?: Partial<DataflowState>;
}

export interface RunStartRequest {
  readonly sandbox: string;
  readonly dataflowId: string;
  readonly trigger: RunTrigger;
  readonly plan: (flow: Dataflow) => RunPlan | undefined;
  /**
   * What to write instead when the flow has a live run (the scheduler skips the slot); without it, a live run is a
   * a `conflict`, `run-in-progress`.
   */
  readonly whenActive?: (flow: Dataflow, activeRunId: string) => Partial<DataflowState>;
}

export type RunStartOutcome =
  | { readonly started: FlowRun }
  | { readonly skipped: { readonly activeRunId: string } }
  | { readonly unchanged: true };

/** Whether the run a flow's claim names is still going (or may still be being started). */
export async function claimAlive(
  deps: Pick<RunStartDeps, 'runs' | 'workflow' | 'now'>,
  flow: Dataflow,
  runId: string,
): Promise<boolean> {
  const run = await deps.runs.get(flow.sandbox, flow.id, runId);
  const claimedAt = Date.parse(run?.startedAt ?? flow.state.activeRunSince ?? flow.updatedAt);
  const young = deps.now().getTime() - claimedAt < CLAIM_GRACE_MS;
  if (!run) return young;
  if (FINAL_RUN_STATUSES.includes(run.status)) return false;
  if (!run.executionArn) return young;
  return (await deps.workflow.status(run.executionArn)) === 'RUNNING';
}

/**
 * Marks a run whose execution died as failed (its progress is kept, so a re-trigger goes on from there); answers it
 * as stored.
 */
export async function failDeadRun(
  deps: Pick<RunStartDeps, 'runs' | 'now'>,
  flow: Dataflow,
  runId: string,
): Promise<FlowRun | undefined> {
  const completedAt = deps.now().toISOString();
  return changeRun(deps.runs, { sandbox: flow.sandbox, dataflowId: flow.id, runId }, deps.now, (run) =>
    FINAL_RUN_STATUSES.includes(run.status)
      ? undefined
      : {
          status: 'failed',
          completedAt,
          durationMs: Date.parse(completedAt) - Date.parse(run.startedAt),
          metrics: pulledMetrics(run.progress),
          errors: [
            ...run.errors,
            {
              code: RUN_INTERRUPTED,
              message: 'the run stopped before it finished (its execution ended); re-trigger it to go on',
            },
          ],
        },
  );
}

const MAX_CLAIM_ROUNDS = 8;

/** Claims the flow for a new run, or decides that nothing (or only the `whenActive` change) is to be written. */
async function claim(
  deps: RunStartDeps,
  request: RunStartRequest,
  runId: string,
): Promise<
  { flow: Dataflow; before: DataflowState; plan: RunPlan } | Exclude<RunStartOutcome, { started: FlowRun }>
> {
  const now = deps.now().toISOString();
  for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
    const flow = await deps.flows.get(request.sandbox, request.dataflowId);
    if (!flow) throw notFound('dataflow', request.dataflowId);
    const plan = request.plan(flow);
    if (!plan) return { unchanged: true };
    const activeRunId = flow.state.activeRunId;
    let change: FlowChange;
    if (activeRunId && (await claimAlive(deps, flow, activeRunId))) {
      if (!request.whenActive) {
        throw conflict('run-in-progress', `run ${activeRunId} of dataflow ${flow.id} is still in progress`);
      }
      change = stateChange(flow, request.whenActive(flow, activeRunId));
      if (await deps.flows.replace({ ...flow, ...change, updatedAt: now, revision: flow.revision + 1 })) {
        return { skipped: { activeRunId } };
      }
      continue;
    }
    const dead = activeRunId ? await failDeadRun(deps, flow, activeRunId) : undefined;
    // A dead run that holds a batch is the flow's unfinished run: the run claimed now resumes it.
    const unfinished =
      dead?.status === 'failed' && dead.batchId
        ? { unfinishedRunId: laterRunId(flow.state.unfinishedRunId, dead.id) }
        : {};
    change = stateChange(flow, {
      ...plan.state,
      ...unfinished,
      activeRunId: runId,
      activeRunSince: now,
      lastRunId: runId,
    });
    const claimed: Dataflow = { ...flow, ...change, updatedAt: now, revision: flow.revision + 1 };
    if (await deps.flows.replace(claimed)) return { flow: claimed, before: flow.state, plan };
  }
  throw conflict('dataflow-busy', `dataflow ${request.dataflowId} kept changing; retry`);
}

/**
 * Gives the claim back after a start that failed half-way, marking the run failed if it was recorded, and puts back
 * what the claim wrote besides (the scheduler's slot: the flow stays due, so the next dispatch tries again).
 */
async function release(
  deps: RunStartDeps,
  flow: Dataflow,
  runId: string,
  before: DataflowState,
  plan: RunPlan,
): Promise<void> {
  await failDeadRun(deps, flow, runId);
  const written = [...Object.keys(plan.state ?? {}), 'lastRunId'] as (keyof DataflowState)[];
  const restored = Object.fromEntries(written.map((name) => [name, before[name]])) as Partial<DataflowState>;
  await changeFlow(deps.flows, flow.sandbox, flow.id, deps.now, (current) =>
    current.state.activeRunId === runId
      ? stateChange(current, { ...restored, activeRunId: undefined, activeRunSince: undefined })
      : undefined,
  );
}

export async function startRun(deps: RunStartDeps, request: RunStartRequest): Promise<RunStartOutcome> {
  const runId = (deps.newId ?? (() => ulid()))();
  const claimed = await claim(deps, request, runId);
  if (!('flow' in claimed)) return claimed;
  const { flow, before, plan } = claimed;
  const startedAt = deps.now().toISOString();
  const run: FlowRun = {
    id: runId,
    dataflowId: flow.id,
    sandbox: flow.sandbox,
    status: 'queued',
    trigger: request.trigger,
    ...(plan.retriggerOf ? { retriggerOf: plan.retriggerOf } : {}),
    ...(plan.scheduledFor ? { scheduledFor: plan.scheduledFor } : {}),
    startedAt,
    window: {},
    progress: NO_PROGRESS,
    metrics: NO_METRICS,
    errors: [],
    updatedAt: startedAt,
    revision: 1,
  };
  try {
    await deps.runs.create(run);
    const { executionArn } = await deps.workflow.start(runId, {
      sandbox: flow.sandbox,
      dataflowId: flow.id,
      runId,
    });
    const started = await changeRun(
      deps.runs,
      { sandbox: flow.sandbox, dataflowId: flow.id, runId },
      deps.now,
      () => ({
        executionArn,
      }),
    );
    return { started: started ?? { ...run, executionArn } };
  } catch (error) {
    await release(deps, flow, runId, before, plan);
    throw error;
  }
}
