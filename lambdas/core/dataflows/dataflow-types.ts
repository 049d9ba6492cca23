/**
 * Dataflows (Experience Platform's Flow Service flows): a source connection, a target dataset, an optional mapping
 * set and a schedule. Each execution is a flow run that pulls what is new at the source into ONE file batch, so a
 * run's records are promoted all or none; the flow's watermark moves only when a run's batch succeeded.
 *
 * This file holds the shapes as stored and the ports their stores and the dataflow-run state machine are reached
 * through.
 */
import type { FileBatchMetrics } from '../batches/file-batch-view';
import type { ConnectionType, PagePosition, S3Watermark } from '../connections/connection-types';
import type { MappingReference } from '../mapping/mapping-types';
import type { Page, PageRequest } from '../page';
import type { DeltaType, DeltaValue } from './delta-values';
import type { LookBack, Position } from './look-back';

export const SCHEDULE_FREQUENCIES = ['once', 'minute', 'hour', 'day', 'week'] as const;
export type ScheduleFrequency = (typeof SCHEDULE_FREQUENCIES)[number];

/** A schedule as stored: slots are `startTime + k · interval · unit`; `once` runs at `startTime` only. */
export interface DataflowSchedule {
  readonly frequency: ScheduleFrequency;
  /** Units of `frequency` between two slots; absent for `once`. */
  readonly interval?: number;
  /** ISO 8601 (UTC). The API takes and answers Experience Platform's epoch seconds as well. */
  readonly startTime: string;
  /** False: data older than `startTime` is never read (S3 objects modified before it, delta values before it). */
  readonly backfill: boolean;
}

/**
 * How far an S3 flow has ingested: the last object taken in `(lastModified, key)` order, and the look-back below it
 * (objects modified up to S3_LOOK_BACK_MS before it are listed again, skipping those taken, by key and ETag).
 * Without a look-back, only what is strictly after the position is read.
 */
export interface S3FlowWatermark extends S3Watermark {
  readonly lookBack?: LookBack<string>;
}

/**
 * How far an HTTP flow with a delta column has ingested: the largest delta value ingested (as the source wrote it),
 * the column's type, and the look-back below it (records from HTTP_DELTA_OVERLAP_SECONDS before it, for instants,
 * or at it, for numbers and text, are read again, skipping those taken, by record key and delta value).
 */
export interface DeltaWatermark {
  readonly delta: DeltaValue;
  /** Absent on a watermark stored before delta types: then the type of `delta` itself. */
  readonly deltaType?: DeltaType;
  readonly lookBack?: LookBack<DeltaValue>;
}

export type DataflowWatermark = S3FlowWatermark | DeltaWatermark;

/** A slot the scheduler did not run because the flow's previous run was still going. */
export interface SkippedSlot {
  readonly scheduledFor: string;
  readonly activeRunId: string;
  readonly at: string;
}

/** What the runs and the scheduler keep on the flow; every change is conditional on the flow's revision. */
export interface DataflowState {
  readonly watermark?: DataflowWatermark;
  /** The next slot the scheduler will run; absent when disabled, unscheduled, or a `once` that has run. */
  readonly nextRunAt?: string;
  /** The one run allowed at a time; set when it is started, cleared when it ends. */
  readonly activeRunId?: string;
  readonly activeRunSince?: string;
  readonly lastRunId?: string;
  /** The latest run whose batch succeeded: a failed run older than it was covered since and cannot be re-triggered. */
  readonly lastSuccessRunId?: string;
  /**
   * The latest failed run that holds a batch (still loading, stopped mid-ingestion, or ingested while the run's own
   * finish failed): the next run of the flow resumes it instead of pulling anew beside it. Cleared by a success.
   */
  readonly unfinishedRunId?: string;
  /**
   * The latest run that succeeded with its HTTP pull stopped at a per-run cap (`progress.cappedBy`): the next run
   * goes on from the page it stopped at, within the same window, and the watermark moves once a run reaches the last
   * page. Cleared then, or when the connection changed since that run began.
   */
  readonly continuationRunId?: string;
  readonly lastScheduledFor?: string;
  readonly lastSkippedSlot?: SkippedSlot;
}

export interface DataflowNotifications {
  /** Each run's outcome is POSTed here (besides the EventBridge event every run puts). */
  readonly webhookUrl?: string;
  /** The SecretStore's reference of the webhook's signing secret (`whsec_…`); never answered. */
  readonly secretRef?: string;
}

export interface Dataflow {
  readonly id: string;
  readonly sandbox: string;
  readonly name: string;
  readonly description?: string;
  readonly connectionId: string;
  readonly datasetId: string;
  readonly mapping?: MappingReference;
  /** Absent: the flow runs only on demand. */
  readonly schedule?: DataflowSchedule;
  readonly enabled: boolean;
  readonly notifications?: DataflowNotifications;
  readonly state: DataflowState;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly revision: number;
}

export const RUN_STATUSES = ['queued', 'pulling', 'ingesting', 'success', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['success', 'failed'];

export type RunTrigger = 'manual' | 'schedule' | 'retrigger';

/**
 * What a run has pulled into its batch so far, recorded after each stored object or file so that a retried step,
 * or a re-triggered run, goes on from there and never pulls anything twice.
 */
export interface RunProgress {
  /** Files written into the batch (S3 objects copied, HTTP slices written). */
  readonly files: number;
  /** Bytes read from the source (objects copied, pages fetched). */
  readonly bytes: number;
  /** HTTP: pages fetched, records kept (after the delta filter), slices written. */
  readonly pages: number;
  readonly records: number;
  readonly slices: number;
  /** S3: the last object copied. */
  readonly after?: S3Watermark;
  /** HTTP: the next page to fetch (absent before the first page and after the last). */
  readonly next?: PagePosition;
  /** HTTP: the largest delta value among the records kept, and the delta column's type it was compared as. */
  readonly maxDelta?: DeltaValue;
  readonly deltaType?: DeltaType;
  /** The items pulled near the largest position reached (see look-back.ts), for the watermark's next look-back. */
  readonly lookBack?: LookBack<Position>;
  /**
   * HTTP: the per-run cap the pull stopped at with pages left (its batch is ingested; the next run goes on from
   * `next`).
   */
  readonly cappedBy?: RunCap;
  /** Nothing more is to be pulled by this run. */
  readonly done: boolean;
}

/** The per-run caps of an HTTP pull: pages, bytes read, files written, time. */
export type RunCap = 'pages' | 'bytes' | 'files' | 'time';

export const NO_PROGRESS: RunProgress = { files: 0, bytes: 0, pages: 0, records: 0, slices: 0, done: false };

export interface RunMetrics {
  /** Records the run pulled into its batch (the batch's input records once it was read). */
  readonly recordsRead: number;
  readonly recordsIngested: number;
  readonly recordsFailed: number;
  readonly filesRead: number;
  readonly bytesRead: number;
  /** The batch's own metrics, once it was decided. */
  readonly batch?: FileBatchMetrics;
}

export const NO_METRICS: RunMetrics = {
  recordsRead: 0,
  recordsIngested: 0,
  recordsFailed: 0,
  filesRead: 0,
  bytesRead: 0,
};

/** A run's metrics from what it pulled, for a run that ended before its batch was decided. */
export const pulledMetrics = (progress: RunProgress): RunMetrics => ({
  ...NO_METRICS,
  recordsRead: progress.records,
  filesRead: progress.files,
  bytesRead: progress.bytes,
});

/** The later of two run ids (run ids are ULIDs: they sort by creation time). */
export const laterRunId = (a: string | undefined, b: string): string => (a !== undefined && a > b ? a : b);

/** `CONNECTOR-1001-500` (the source could not be read), `CONNECTOR-2001-500` (parsing, validation, promotion), ours. */
export interface RunError {
  readonly code: string;
  readonly message: string;
}

/** One delivery of a run's outcome: the EventBridge event, or the flow's webhook. */
export interface RunNotification {
  readonly channel: 'eventbridge' | 'webhook';
  readonly delivered: boolean;
  readonly attempts: number;
  readonly at: string;
  /** Why the delivery failed (never a URL's query or a header). */
  readonly error?: string;
}

export interface FlowRun {
  readonly id: string;
  readonly dataflowId: string;
  readonly sandbox: string;
  readonly status: RunStatus;
  readonly trigger: RunTrigger;
  /** The failed run this re-trigger continues. */
  readonly retriggerOf?: string;
  /** The failed run whose unfinished batch this (scheduled or on-demand) run resumed instead of pulling anew. */
  readonly resumes?: string;
  /** The capped successful run whose pull this run goes on with (`DataflowState.continuationRunId`). */
  readonly continues?: string;
  /** The run that continued this failed one: its re-trigger, or the next run that resumed it. */
  readonly retriggeredBy?: string;
  /** The schedule slot this run is for. */
  readonly scheduledFor?: string;
  /** The connection's type when the run started. */
  readonly source?: ConnectionType;
  readonly startedAt: string;
  readonly completedAt?: string;
  readonly durationMs?: number;
  /** `from`: the flow's watermark when the run began pulling; `to`: where it moved once the run succeeded. */
  readonly window: { readonly from?: DataflowWatermark; readonly to?: DataflowWatermark };
  /** S3 without backfill: objects modified before this are never read. */
  readonly notBefore?: string;
  readonly batchId?: string;
  readonly executionArn?: string;
  readonly progress: RunProgress;
  readonly metrics: RunMetrics;
  readonly errors: readonly RunError[];
  readonly notifications?: readonly RunNotification[];
  readonly updatedAt: string;
  readonly revision: number;
}

export interface DataflowStore {
  get(sandbox: string, id: string): Promise<Dataflow | undefined>;
  create(flow: Dataflow): Promise<boolean>;
  /** Stores `next` if the stored flow still has `next.revision - 1`; false when another writer got there first. */
  replace(next: Dataflow): Promise<boolean>;
  /** Deletes the flow if it still has `revision`. */
  delete(sandbox: string, id: string, revision: number): Promise<boolean>;
  list(sandbox: string, page: PageRequest): Promise<Page<Dataflow>>;
  /** Flows of every sandbox whose `nextRunAt` is at or before `at`, earliest first, at most `limit`. */
  due(at: string, limit: number): Promise<Dataflow[]>;
  /** The ids of the sandbox's flows that read from the connection. */
  usingConnection(sandbox: string, connectionId: string): Promise<string[]>;
}

export interface FlowRunStore {
  get(sandbox: string, dataflowId: string, runId: string): Promise<FlowRun | undefined>;
  create(run: FlowRun): Promise<boolean>;
  /** Stores `next` if the stored run still has `next.revision - 1`. */
  replace(next: FlowRun): Promise<boolean>;
  /** Newest first. */
  list(sandbox: string, dataflowId: string, page: PageRequest): Promise<Page<FlowRun>>;
  /** Forgets every run of the flow. */
  deleteAll(sandbox: string, dataflowId: string): Promise<void>;
}

/** The dataflow-run state machine's input. */
export interface RunInput {
  readonly sandbox: string;
  readonly dataflowId: string;
  readonly runId: string;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** The dataflow-run state machine: executions are named by the run id, so starting one twice starts it once. */
export interface RunWorkflow {
  start(name: string, input: RunInput): Promise<{ readonly executionArn: string }>;
  /** Undefined when there is no such execution. */
  status(executionArn: string): Promise<ExecutionStatus | undefined>;
}
