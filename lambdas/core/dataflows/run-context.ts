/**
 * What the run's steps share: reading the run, its flow and its connection (a step whose run is gone fails with
 * DataflowStateError, which no retry helps), the run's batch (created when the first file is ready, with the run's
 * id, so a repeated step makes the same batch).
 */
import type { InputFormat } from '../files/file-format-types';
import type { Connection, S3SourceParams } from '../connections/connection-types';
import { changeRun, DataflowStateError, type RunChange } from './dataflow-changes';
import type { Dataflow, FlowRun, RunProgress } from './dataflow-types';
import type { RunStep, RunWorkerDeps } from './run-worker-ports';

export async function runForStep(deps: Pick<RunWorkerDeps, 'runs'>, step: RunStep): Promise<FlowRun> {
  const run = await deps.runs.get(step.sandbox, step.dataflowId, step.runId);
  if (!run) throw new DataflowStateError(`there is no run ${step.runId} of dataflow ${step.dataflowId}`);
  return run;
}

export async function flowForStep(deps: Pick<RunWorkerDeps, 'flows'>, step: RunStep): Promise<Dataflow> {
  const flow = await deps.flows.get(step.sandbox, step.dataflowId);
  if (!flow) throw new DataflowStateError(`dataflow ${step.dataflowId} no longer exists`);
  return flow;
}

export async function connectionForStep(
  deps: Pick<RunWorkerDeps, 'connections'>,
  flow: Dataflow,
): Promise<Connection> {
  const connection = await deps.connections.get(flow.sandbox, flow.connectionId);
  if (!connection) throw new DataflowStateError(`connection ${flow.connectionId} no longer exists`);
  return connection;
}

/** Changes a run that is still pulling or ingesting; a run that has ended (or was taken over) stops the step. */
export async function changeLiveRun(
  deps: Pick<RunWorkerDeps, 'runs' | 'now'>,
  step: RunStep,
  decide: (run: FlowRun) => RunChange,
): Promise<FlowRun> {
  let ended: string | undefined;
  const changed = await changeRun(deps.runs, step, deps.now, (run) => {
    if (run.status !== 'pulling' && run.status !== 'ingesting') {
      ended = run.status;
      return undefined;
    }
    return decide(run);
  });
  if (!changed || ended !== undefined) {
    throw new DataflowStateError(`run ${step.runId} is ${ended ?? 'gone'}; its step stops`);
  }
  return changed;
}

/** Records what a pull stored, after it is stored. */
export const recordProgress = (
  deps: Pick<RunWorkerDeps, 'runs' | 'now'>,
  step: RunStep,
  progress: (current: RunProgress) => Partial<RunProgress>,
  batchId?: string,
): Promise<FlowRun> =>
  changeLiveRun(deps, step, (run) => ({
    progress: { ...run.progress, ...progress(run.progress) },
    ...(batchId ? { batchId } : {}),
  }));

/** How a connection's files read: an S3 source's format; an HTTP source's pages are written as JSON Lines. */
export const inputFormatOf = (connection: Connection): InputFormat =>
  connection.type === 's3' ? (connection.params as S3SourceParams).inputFormat : { format: 'json' };

/**
 * The run's batch, created (in `loading`) if it does not exist yet: its id is the run's, so a step repeated after
 * a crash finds the batch it made. It carries the flow's mapping, pinned when the flow was created or changed.
 */
export async function ensureRunBatch(
  deps: Pick<RunWorkerDeps, 'fileBatches'>,
  flow: Dataflow,
  run: FlowRun,
  connection: Connection,
): Promise<string> {
  if (run.batchId) return run.batchId;
  await deps.fileBatches.create(
    run.sandbox,
    {
      datasetId: flow.datasetId,
      inputFormat: inputFormatOf(connection),
      ...(flow.mapping ? { mapping: flow.mapping } : {}),
    },
    { kind: 'dataflow', dataflowId: run.dataflowId, runId: run.id },
    { batchId: run.id, createdAt: run.startedAt },
  );
  return run.id;
}
