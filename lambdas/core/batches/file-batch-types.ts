/**
 * File batches as stored: the batch (its options, status and the execution running it), its files (whole uploads,
 * ranged parts, presigned uploads, dropped objects) and the per-chunk outcome of the workflow, with the ports the
 * batch API, the uploads and the workflow reach them through.
 */
import type { MappingReference } from '../mapping/mapping-types';
import type { Page, PageRequest } from '../page';
import type { InputFormat } from '../files/file-format-types';
import type { ChunkItem } from './ingest/chunk-plan';
import type { CodeCounts } from '../lake/chunk-counts';

/**
 * Experience Platform's lifecycle: `loading` (files being written) → `staging` (COMPLETE received: files read,
 * validated and staged) → `processing` (outcome decided, promotion into the lake and profiles) → `success` or
 * `failed`; `aborted` by ABORT; `inactive` once a replay superseded it; `deleted` after REVERT.
 */
export const FILE_BATCH_STATUSES = [
  'loading',
  'staging',
  'processing',
  'success',
  'failed',
  'aborted',
  'inactive',
  'deleted',
] as const;
export type FileBatchStatus = (typeof FILE_BATCH_STATUSES)[number];

/** Statuses after which nothing about the batch changes except by REVERT (from success) or replay. */
export const FINAL_FILE_BATCH_STATUSES: readonly FileBatchStatus[] = [
  'success',
  'failed',
  'aborted',
  'inactive',
  'deleted',
];

export type BatchOrigin =
  | { readonly kind: 'api' }
  /** An object written under `landing/{sandbox}/{datasetId}/` in the landing bucket. */
  | { readonly kind: 'file-drop'; readonly key: string }
  | { readonly kind: 'dataflow'; readonly dataflowId: string; readonly runId: string };

export interface BatchFailure {
  readonly code: string;
  readonly message: string;
}

export interface FileBatch {
  readonly batchId: string;
  readonly sandbox: string;
  readonly datasetId: string;
  readonly type: 'file';
  readonly status: FileBatchStatus;
  readonly inputFormat: InputFormat;
  /** The client's id for the batch; defaults to the batch id. */
  readonly externalId: string;
  readonly tags: Readonly<Record<string, unknown>>;
  readonly enableErrorDiagnostics: boolean;
  /** Failed rows allowed, as a percentage of the rows read, before the whole batch fails. */
  readonly partialIngestionPercent: number;
  /** Batches this one replaces: when it succeeds their data is removed and they become `inactive`. */
  readonly replay?: { readonly predecessors: readonly string[]; readonly reason?: string };
  /** The mapping set version every row is mapped with before it is typed and validated (pinned at creation). */
  readonly mapping?: MappingReference;
  readonly origin: BatchOrigin;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** When COMPLETE was first accepted. */
  readonly startedAt?: string;
  readonly completedAt?: string;
  /** The workflow execution working on the batch (ingestion or revert), and how many have been started. */
  readonly execution?: { readonly arn: string; readonly attempt: number };
  /** Counted when the workflow starts: the files it reads and their bytes. */
  readonly inputFileCount?: number;
  readonly inputByteSize?: number;
  /** Why the batch failed as a whole (threshold exceeded, unreadable file, guardrail, FAIL action). */
  readonly failure?: BatchFailure;
  /** Set while a REVERT is under way. */
  readonly revertRequestedAt?: string;
  /** The replay batch that superseded this one: its revert ends in `inactive` rather than `deleted`. */
  readonly replacedBy?: string;
  /**
   * The replay batch that named this one as a predecessor when it was created: no other replay may name it while
   * that one may still succeed (see `reservationHolds`).
   */
  readonly reservedBy?: { readonly batchId: string; readonly at: string };
  /**
   * The batch's chunk plan, fixed the first time it was planned (its pages are stored beside it): a resumed batch
   * is staged and promoted from this plan, whatever the code deployed since would plan.
   */
  readonly plan?: BatchPlan;
  /** Monotonic revision: every status change is conditional on the revision read. */
  readonly revision: number;
}

/** One stored piece of a file: bytes `[start, end)` of the file are the whole object at `key` (landing bucket). */
export interface FilePart {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  /**
   * The version of the object that was written (the landing bucket keeps versions): every read of the part asks for
   * it, so a later write to the same key changes nothing of the batch. Absent only for parts written before parts
   * recorded their version.
   */
  readonly versionId?: string;
}

/**
 * A file of a batch. `uploading`: a ranged upload (INITIALIZE, then PATCHes) not yet completed; `presigned`: an
 * upload URL was handed out and the object is expected at `parts[0].key`; `complete`: `parts` cover `[0, size)`
 * exactly, in order.
 */
export interface BatchFile {
  readonly datasetId: string;
  /** The file path within the batch (folders allowed), as given in the upload URL. */
  readonly path: string;
  readonly state: 'uploading' | 'presigned' | 'complete';
  readonly size: number;
  readonly parts: readonly FilePart[];
  readonly updatedAt: string;
}

/** A committed plan: how many chunks, in how many stored pages. */
export interface BatchPlan {
  readonly chunks: number;
  readonly pages: number;
  readonly plannedAt: string;
}

/** One stored page of a batch's plan: chunks in batch order (file by file). */
export interface PlanPage {
  readonly page: number;
  readonly chunks: readonly ChunkItem[];
}

/** What staging one chunk of one file produced (overwritten whole when the chunk is staged again). */
export interface StagedChunk {
  /** `{fileIndex}-{chunkIndex}`, zero-padded: chunk names sort in file order. */
  readonly chunk: string;
  /** The chunk's place in the batch's plan (0-based, file by file): where its rows stand in arrival order. */
  readonly ordinal?: number;
  readonly file: string;
  /** Rows read: output + failed. */
  readonly inputRecordCount: number;
  readonly outputRecordCount: number;
  readonly failedRecordCount: number;
  readonly errors: CodeCounts;
  /**
   * Mapped batches: warnings (fields the mapping could not produce) on the chunk's valid rows — a count of
   * warnings, not of rows. A failed row's warnings are among its violations in the quarantine instead.
   */
  readonly mappingWarningCount?: number;
  /** Staged Parquet object (lake bucket), when the chunk has valid rows. */
  readonly stagingKey?: string;
  /** Failed rows (quarantine bucket), when the chunk has any. */
  readonly quarantineKey?: string;
  /** Set once the chunk's rows are in the lake and the profiles. */
  readonly lakeKey?: string;
  readonly promoted?: boolean;
  /** Records the profile store did not take, by code (they are in the lake). */
  readonly profileErrors?: CodeCounts;
  /** Those records with why (quarantine bucket, lines with `stage: "profile"`), when there are any. */
  readonly profileQuarantineKey?: string;
  /** Set once REVERT removed the chunk's rows from the lake and the profiles. */
  readonly reverted?: boolean;
  /** The byte or row-group range the counts are of: a chunk staged again from another plan is staged anew. */
  readonly range: string;
  readonly writtenAt: string;
}

/**
 * A failed row of a file batch in the quarantine (a line of JSON Lines), with every reason it failed. A row that
 * was ingested into the lake but refused by the profile store has `stage: "profile"`; it is not a failed record
 * of the batch (it counts in `profileErrorCount`) and is never replayed.
 */
export interface FailedRow {
  readonly stage?: 'profile';
  readonly file: string;
  /** 1-based physical line (line formats). */
  readonly line?: number;
  /** 1-based data row in the file (always, except for a profile refusal whose row could not be told). */
  readonly row?: number;
  readonly code: string;
  /** The row as read from the file. */
  readonly record?: unknown;
  /** Mapped batches: the record the mapping made of the row, which the violations' pointers point into. */
  readonly mappedRecord?: Record<string, unknown>;
  /** The row's text when it could not be read as a record. */
  readonly raw?: string;
  readonly violations: readonly {
    readonly pointer: string;
    readonly keyword: string;
    readonly message: string;
  }[];
}

/** How the workflow reads one file of a batch: where its bytes are and what planning learnt about it. */
export interface StoredFilePlan {
  /** The file's place in the batch (files sorted by dataset and path). */
  readonly fileIndex: number;
  readonly datasetId: string;
  readonly path: string;
  readonly size: number;
  readonly parts: readonly FilePart[];
  readonly compression: 'gzip' | 'none';
  readonly columns?: readonly string[];
}

/** File batches and their staged chunks on the batches table. */
export interface FileBatchStore {
  putFilePlan(sandbox: string, batchId: string, plan: StoredFilePlan): Promise<void>;
  getFilePlan(sandbox: string, batchId: string, fileIndex: number): Promise<StoredFilePlan | undefined>;
  /** Creates the batch and its place in the sandbox's and the dataset's lists. */
  createFileBatch(batch: FileBatch): Promise<void>;
  getFileBatch(sandbox: string, batchId: string): Promise<FileBatch | undefined>;
  /** Stores `next` if the stored batch still has `next.revision - 1`; false when another writer got there first. */
  replaceFileBatch(next: FileBatch): Promise<boolean>;
  putPlanPage(sandbox: string, batchId: string, page: PlanPage): Promise<void>;
  getPlanPage(sandbox: string, batchId: string, page: number): Promise<PlanPage | undefined>;
  getStagedChunk(sandbox: string, batchId: string, chunk: string): Promise<StagedChunk | undefined>;
  putStagedChunk(sandbox: string, batchId: string, chunk: StagedChunk): Promise<void>;
  deleteStagedChunk(sandbox: string, batchId: string, chunk: string): Promise<void>;
  stagedChunksOf(sandbox: string, batchId: string): Promise<StagedChunk[]>;
  /** One page of the staged chunks, in chunk order; `next` continues after it. */
  stagedChunkPage(sandbox: string, batchId: string, page: PageRequest): Promise<Page<StagedChunk>>;
}
