/**
 * What the dataflow-run steps reach the world through: the flow and run stores, the connection and its secret, the
 * sandbox's source access and the source readers, the file batch a run feeds (its service, store and files, the landing bucket its bytes are
 * written to, the ingest-batch executions), the notification channels, and the batch guardrails a run's batch must
 * stay within.
 */
import type { Readable } from 'node:stream';
import type { BatchGuardrails } from '../batches/batch-guardrails';
import type { BatchFile, FileBatchStore } from '../batches/file-batch-types';
import type { FileBatchService } from '../batches/file-batches';
import type { WorkflowStarter } from '../batches/ingest/ingest-ports';
import type {
  Connection,
  HeaderAuth,
  HttpSourceReader,
  S3SourceReader,
  SecretStore,
} from '../connections/connection-types';
import type { S3SourceGrant, SourceAccessGuard } from '../connections/source-access';
import type { DataflowStore, FlowRunStore } from './dataflow-types';
import type { RunEvent } from './run-view';

export interface SourceConnections {
  get(sandbox: string, id: string): Promise<Connection | undefined>;
  /** The auth header with its secret value, read when a step needs it and never kept. */
  authOf(connection: Connection): Promise<HeaderAuth | undefined>;
}

/** The landing bucket, where a run's batch files are written. */
export interface LandingWriter {
  /** Streams `body` into the object at `key` (without holding it whole); answers the bytes written. */
  upload(key: string, body: Readable): Promise<number>;
  put(key: string, bytes: Uint8Array): Promise<void>;
}

export interface RunEventPublisher {
  publish(event: RunEvent): Promise<void>;
}

export interface WebhookSender {
  /**
   * POSTs the event to the URL, signed with the flow's secret, retrying a few times; answers the attempts made,
   * throws when none succeeded.
   */
  post(
    url: string,
    event: RunEvent,
    signing: { readonly secret: string },
  ): Promise<{ readonly attempts: number }>;
}

export interface RunWorkerDeps {
  readonly flows: DataflowStore;
  readonly runs: FlowRunStore;
  readonly connections: SourceConnections;
  /** Whether the run's sandbox may read its S3 source: checked again by every pull slice. */
  readonly sourceAccess: SourceAccessGuard;
  /** The reader of a granted S3 source, reading with the grant's identity. */
  readonly s3Source: (grant: S3SourceGrant) => S3SourceReader;
  readonly httpSource: HttpSourceReader;
  readonly fileBatches: Pick<FileBatchService, 'create' | 'complete' | 'abort'>;
  readonly batches: Pick<FileBatchStore, 'getFileBatch' | 'stagedChunksOf'>;
  readonly batchFiles: {
    putFile(sandbox: string, batchId: string, file: BatchFile): Promise<void>;
    listFiles(sandbox: string, batchId: string): Promise<BatchFile[]>;
  };
  readonly landing: LandingWriter;
  /** The ingest-batch executions, to tell a batch whose ingestion died from one still going. */
  readonly batchExecutions: Pick<WorkflowStarter, 'status'>;
  readonly events: RunEventPublisher;
  readonly webhooks: WebhookSender;
  /** Where the flows' webhook signing secrets are read from (read when a run is notified, never kept). */
  readonly webhookSecrets: Pick<SecretStore, 'read'>;
  readonly guardrails: Pick<BatchGuardrails, 'maxFilesPerBatch' | 'maxBytesPerBatch'>;
  readonly now: () => Date;
}

/** What every step of a run is given: the run, and where it is. */
export interface RunStep {
  readonly sandbox: string;
  readonly dataflowId: string;
  readonly runId: string;
}
