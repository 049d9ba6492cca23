import type { UpsertOperation } from '../profiles/fragments';

/**
 * The contract between the collect function (producer side) and the stream consumer: what one Kinesis record
 * carries, how streaming batches are cut and chunks named (where their records land: core/lake/lake-keys.ts).
 */

/** One accepted message, as written to the ingest stream (JSON, UTF-8). */
export interface StreamMessage {
  readonly v: 1;
  readonly sandbox: string;
  readonly inletId: string;
  readonly datasetId: string;
  readonly schemaId: string;
  /** The `xactionId` the producer was given: `{receivedTimeMs}:{random}`, or `{requestBatchId}:{index}` in a batch. */
  readonly messageId: string;
  /** ISO 8601 time the collect function accepted the message; it places the message in its streaming batch. */
  readonly receivedAt: string;
  /** `redrive`: re-put from the on-failure destination (`POST /streaming/redrive`), with its original ids. */
  readonly origin: 'collection' | 'replay' | 'redrive';
  /** For replays: the batch whose quarantined record this is. */
  readonly replayOf?: string;
  /** The XDM entity (`body.xdmEntity`) of an envelope, or the whole body of a raw inlet's message. */
  readonly record: unknown;
  /** The producer's own id of the message (an envelope's `header.msgId`): a resend of it is a duplicate. */
  readonly producerMessageId?: string;
  /** The message's index in its request (`/collection/batch`): of two records of equal time, the later one wins. */
  readonly requestIndex?: number;
  /** For replays: when the original message was accepted. Profiles order a replayed record by it. */
  readonly originalReceivedAt?: string;
  /** Experience Platform's `header.operations.data` for a profile record: `create` (the default), `merge`, `delete`. */
  readonly operation?: UpsertOperation;
}

/**
 * Messages of one dataset received in one window form one streaming batch. Fifteen minutes is the interval at which
 * Experience Platform closes streaming batches; a window is fixed by the receive time, so redelivery and replay of a
 * message always count in the same batch.
 */
export const STREAMING_BATCH_WINDOW_MINUTES = 15;

export function windowStartOf(receivedAt: string): Date {
  const time = new Date(receivedAt).getTime();
  const windowMs = STREAMING_BATCH_WINDOW_MINUTES * 60_000;
  return new Date(Math.floor(time / windowMs) * windowMs);
}

/** `stream-{datasetId}-{yyyymmddThhmm}` of the window start (UTC): readable, sortable, deterministic. */
export function streamingBatchId(datasetId: string, receivedAt: string): string {
  const start = windowStartOf(receivedAt).toISOString();
  const stamp = `${start.slice(0, 4)}${start.slice(5, 7)}${start.slice(8, 10)}T${start.slice(11, 13)}${start.slice(14, 16)}`;
  return `stream-${datasetId}-${stamp}`;
}

/**
 * A chunk is what one consumer invocation wrote for one batch: named by the shard and the first sequence number of
 * the invocation, so a retry of the same records (or of a bisected first half) overwrites its own files instead of
 * adding to them.
 */
export const chunkName = (shardId: string, firstSequenceNumber: string): string =>
  `${shardId}-${firstSequenceNumber}`;
