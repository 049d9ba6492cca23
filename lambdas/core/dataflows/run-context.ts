/**
 * What the run's steps share: reading the run, its flow and its connection (a step whose run is gone fails with
 * DataflowStateError, which no retry helps), the run's batch (created when the first file is ready, with the run's
 * id, so a repeated step makes the same batch), and the watermark arithmetic.
 */
import type { InputFormat } from '../batches/formats/file-format-types';
import type { Connection, S3SourceParams, S3Watermark } from '../connections/connection-types';
import { compareDelta } from '../connections/http-source-reader';
import { compareSourceObjects } from '../connections/s3-source-selection';
import { changeRun, DataflowStateError, type RunChange } from './dataflow-changes';
import type { Dataflow, DataflowWatermark, FlowRun, RunProgress } from './dataflow-types';
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

const isS3Watermark = (watermark: DataflowWatermark | undefined): watermark is S3Watermark =>
  watermark !== undefined && 'key' in watermark;

/** The flow's S3 watermark (a delta one belongs to another kind of source and is ignored). */
export const s3WatermarkOf = (watermark: DataflowWatermark | undefined): S3Watermark | undefined =>
  isS3Watermark(watermark) ? watermark : undefined;

export const deltaOf = (watermark: DataflowWatermark | undefined): string | number | undefined =>
  watermark !== undefined && 'delta' in watermark ? watermark.delta : undefined;

/** The larger of two delta values (undefined counts as smallest). */
export function laterDelta(
  a: string | number | undefined,
  b: string | number | undefined,
): string | number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareDelta(a, b) >= 0 ? a : b;
}

function laterS3(a: S3Watermark | undefined, b: S3Watermark | undefined): S3Watermark | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareSourceObjects(a, b) >= 0 ? a : b;
}

/** The later of two watermarks of the same kind: a watermark never moves back. */
export function laterWatermark(
  a: DataflowWatermark | undefined,
  b: DataflowWatermark | undefined,
): DataflowWatermark | undefined {
  if (isS3Watermark(a) || isS3Watermark(b)) return laterS3(s3WatermarkOf(a), s3WatermarkOf(b));
  const delta = laterDelta(deltaOf(a), deltaOf(b));
  return delta === undefined ? undefined : { delta };
}

/** Where a successful run leaves the watermark: past the last object copied, or at the largest delta pulled. */
export function watermarkAfter(run: FlowRun): DataflowWatermark | undefined {
  const { progress } = run;
  if (run.source === 's3') return laterWatermark(run.window.from, progress.after);
  return laterWatermark(
    run.window.from,
    progress.maxDelta === undefined ? undefined : { delta: progress.maxDelta },
  );
}
