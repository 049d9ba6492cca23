/**
 * What the ingest-batch workflow's steps need from the outside, injected by the batch worker's composition root
 * (or by tests): the batch and file stores, the bytes of uploaded files, the dataset a batch targets, the mapping
 * sets batches map with, the lake and quarantine buckets, the profile store, and the workflow itself (a replay starts the revert of the batches it
 * replaces).
 */
import type { MonotonicClock } from '../../processing-budget';
import type { MappingSetLoader } from '../../mapping/mapping-types';
import type { ApplyInput, ApplyOutcome } from '../../profiles/apply-to-profiles';
import type { RevertInput, RevertOutcome } from '../../profiles/revert-from-profiles';
import type { BatchGuardrails } from '../batch-guardrails';
import type { BatchFile, FileBatchStore, FilePart } from '../file-batch-types';
import type {
  ByteSource,
  FieldTypes,
  FileChunk,
  FilePlan,
  InputFormat,
  ParsedRow,
  ReadOptions,
} from '../../files/file-format-types';
import type { ObjectWriter } from '../../lake/lake-objects';
import type { TargetLookup } from '../../lake/dataset-targets';

export interface LakeObjects extends ObjectWriter {
  /** Copies an object within the bucket (overwriting the target). */
  copy(fromKey: string, toKey: string): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  getBytes(key: string): Promise<Uint8Array | undefined>;
}

/** Starts executions of the ingest-batch state machine; the name makes a start idempotent. */
export interface WorkflowStarter {
  start(name: string, input: WorkflowInput): Promise<{ readonly executionArn: string }>;
  /** The execution's status, or undefined when there is no such execution. */
  status(
    executionArn: string,
  ): Promise<'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | undefined>;
}

export interface WorkflowInput {
  readonly action: 'ingest' | 'revert';
  readonly sandbox: string;
  readonly batchId: string;
}

/** The file readers (core/files), passed in so the steps can be tested with any file content. */
export interface FileReader {
  plan(source: ByteSource, format: InputFormat, options: { targetChunkBytes: number }): Promise<FilePlan>;
  read(
    source: ByteSource,
    format: InputFormat,
    plan: FilePlan,
    chunk: FileChunk,
    options: ReadOptions,
  ): AsyncIterable<ParsedRow>;
}

export interface IngestDeps {
  readonly reader: FileReader;
  readonly batches: FileBatchStore;
  readonly files: { listFiles(sandbox: string, batchId: string): Promise<BatchFile[]> };
  readonly sources: { byteSource(parts: readonly FilePart[], size: number): ByteSource };
  readonly targets: TargetLookup;
  readonly fieldTypes: (sandbox: string, schemaId: string, version: number) => Promise<FieldTypes>;
  /** The mapping sets batches pin, compiled once per version. */
  readonly mappings: MappingSetLoader;
  readonly lake: LakeObjects;
  readonly quarantine: ObjectWriter;
  readonly applyToProfiles: (input: ApplyInput) => Promise<ApplyOutcome>;
  readonly revertFromProfiles: (input: RevertInput) => Promise<RevertOutcome>;
  readonly workflow: WorkflowStarter;
  readonly guardrails: BatchGuardrails;
  /** Bytes of a line-format file one chunk reads (before the cap on chunks per batch raises it). */
  readonly chunkBytes: number;
  readonly now: () => Date;
  /** Times each row's mapping and validation against `RECORD_PROCESSING_BUDGET_MS` (performance.now by default). */
  readonly processingClock?: MonotonicClock;
}
