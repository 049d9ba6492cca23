/**
 * Writes entries to a Kinesis stream with PutRecords: in calls of at most 500 records and 5 MiB (the API's limits),
 * retrying only the entries Kinesis refused, with jittered exponential back-off and a bounded number of attempts.
 * Every entry ends with its own outcome; nothing is reported stored that Kinesis did not store.
 */
import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import {
  entryBytes,
  type StreamEntry,
  type StreamPutOutcome,
  type StreamWriter,
} from '../core/streaming/collect-stream';

/** PutRecords accepts at most 500 records per call. */
export const MAX_RECORDS_PER_PUT = 500;
/** ... and at most 5 MiB per call, data and partition keys counted. */
export const MAX_BYTES_PER_PUT = 5 * 1024 * 1024;
/**
 * One first try and three retries: Experience Platform asks producers to retry at least three times, and four
 * attempts with the back-off below stay under half a second, well inside an API request.
 */
export const MAX_PUT_ATTEMPTS = 4;
/** First back-off; doubled each retry up to the cap. Kinesis shard limits are per second, so short waits help. */
export const BASE_BACKOFF_MS = 50;
export const MAX_BACKOFF_MS = 400;

/** Error codes (per entry) and exception names (per call) that mean the stream is over its write limits. */
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'KMSThrottlingException',
]);

export interface KinesisStreamWriterOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  /** Injected by tests; a real timer otherwise. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Consecutive groups of entry indexes within the per-call limits. */
export function putChunks(entries: readonly StreamEntry[]): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  entries.forEach((entry, index) => {
    const size = entryBytes(entry);
    if (current.length === MAX_RECORDS_PER_PUT || (current.length > 0 && bytes + size > MAX_BYTES_PER_PUT)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export class KinesisStreamWriter implements StreamWriter {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: KinesisStreamWriterOptions) {
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
  }

  async put(entries: readonly StreamEntry[]): Promise<StreamPutOutcome[]> {
    const outcomes: StreamPutOutcome[] = entries.map(() => ({
      ok: false,
      throttled: false,
      reason: 'not sent',
    }));
    let pending = entries.map((_, index) => index);
    for (let attempt = 1; attempt <= MAX_PUT_ATTEMPTS && pending.length > 0; attempt += 1) {
      if (attempt > 1) await this.sleep(this.backoff(attempt - 1));
      const refused: number[] = [];
      for (const chunk of putChunks(pending.map((index) => entries[index] as StreamEntry))) {
        const indexes = chunk.map((position) => pending[position] as number);
        for (const index of await this.putOnce(entries, indexes, outcomes)) refused.push(index);
      }
      pending = refused;
    }
    return outcomes;
  }

  /** Full jitter (AWS's recommendation): a uniform wait below the exponential cap, so retries do not align. */
  private backoff(retry: number): number {
    return Math.floor(this.random() * Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** retry));
  }

  /** One PutRecords call; records each entry's outcome and answers the indexes to try again. */
  private async putOnce(
    entries: readonly StreamEntry[],
    indexes: readonly number[],
    outcomes: StreamPutOutcome[],
  ): Promise<number[]> {
    const records: PutRecordsRequestEntry[] = indexes.map((index) => {
      const entry = entries[index] as StreamEntry;
      return { Data: entry.data, PartitionKey: entry.partitionKey };
    });
    try {
      const answer = await this.options.client.send(
        new PutRecordsCommand({ StreamName: this.options.streamName, Records: records }),
      );
      const results = answer.Records ?? [];
      return indexes.filter((index, position) => {
        const result = results[position];
        if (result?.SequenceNumber && result.ShardId && !result.ErrorCode) {
          outcomes[index] = { ok: true, shardId: result.ShardId, sequenceNumber: result.SequenceNumber };
          return false;
        }
        const code = result?.ErrorCode ?? 'MissingResult';
        outcomes[index] = {
          ok: false,
          throttled: THROTTLING.has(code),
          reason: `${code}: ${result?.ErrorMessage ?? 'no result for the record'}`,
        };
        return true;
      });
    } catch (error) {
      // The whole call failed (after the SDK's own retries): every entry of it is refused and tried again.
      const name = error instanceof Error ? error.name : 'Error';
      const reason = `${name}: ${error instanceof Error ? error.message : String(error)}`;
      for (const index of indexes) outcomes[index] = { ok: false, throttled: THROTTLING.has(name), reason };
      return [...indexes];
    }
  }
}
