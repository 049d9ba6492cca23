/**
 * When a streaming batch's window is closed: when every record received in it has been consumed, not when a clock
 * says so (docs/streaming.md, "When a window closes").
 *
 * Lambda does not invoke the consumer on an idle shard, so "every shard's consumed time has passed the window"
 * cannot be read from the consumer alone. Instead:
 *  - whatever puts messages on the stream (collect, replay, redrive) learns each record's shard and sequence number
 *    from PutRecords' answer and records, per window and shard, the highest sequence number it put — one
 *    conditional "max" write per request and shard touched, under an item of its own container, so concurrent
 *    requests never contend for one item;
 *  - the consumer records, per shard, the highest sequence number it is done with (written, or given up and
 *    recorded from the on-failure destination);
 *  - a window is closed once COLLECT_PUT_HORIZON_MS has passed since its end (no request stamped in it can still be
 *    putting) and every shard that received records then has been consumed past the highest put.
 * A shard that received nothing in the window is not waited for; a window with no record of puts (older data) is
 * closed by the horizon alone.
 */
import type { StreamEntry, StreamPutOutcome, StreamWriter } from './collect-stream';
import { STREAMING_BATCH_WINDOW_MINUTES, windowStartOf } from './stream-message';

/**
 * How long after a window's end a request stamped in it may still put records: longer than the timeout of every
 * function that puts to the stream (collect and the batches API: 10 s; an infrastructure test checks), and than
 * API Gateway's 29 s integration timeout, which ends any API request.
 */
export const COLLECT_PUT_HORIZON_MS = 30_000;

const WINDOW_MS = STREAMING_BATCH_WINDOW_MINUTES * 60_000;

export interface StreamProgress {
  /** Records that `shardId` got records of these windows up to `sequenceNumber` (never lowers what is recorded). */
  recordPut(windowStarts: readonly string[], shardId: string, sequenceNumber: string): Promise<void>;
  /** Records that the consumer is done with `shardId` up to `sequenceNumber` (never lowers it). */
  recordConsumed(shardId: string, sequenceNumber: string): Promise<void>;
  /** The highest sequence number put in the window, per shard. */
  putsOf(windowStart: string): Promise<ReadonlyMap<string, string>>;
  /** The highest sequence number consumed, per shard asked for (absent: nothing consumed yet). */
  consumedOf(shardIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
}

/** Kinesis sequence numbers are decimal integers of up to 129 digits: compared as numbers, not as text. */
export const compareSequenceNumbers = (a: string, b: string): number => {
  const difference = BigInt(a) - BigInt(b);
  return difference === 0n ? 0 : difference > 0n ? 1 : -1;
};

/** The windows a put made at `at` may hold records of: every window overlapping [at − horizon, at]. */
export function windowsOfPut(at: Date): string[] {
  const first = windowStartOf(new Date(at.getTime() - COLLECT_PUT_HORIZON_MS).toISOString()).getTime();
  const windows: string[] = [];
  for (let start = first; start <= at.getTime(); start += WINDOW_MS)
    windows.push(new Date(start).toISOString());
  return windows;
}

/** A stream writer that records, after each put, the highest sequence number it put per shard and window. */
export class ProgressRecordingStream implements StreamWriter {
  constructor(
    private readonly inner: StreamWriter,
    private readonly progress: Pick<StreamProgress, 'recordPut'>,
    private readonly now: () => Date,
  ) {}

  async put(entries: readonly StreamEntry[]): Promise<StreamPutOutcome[]> {
    const outcomes = await this.inner.put(entries);
    const highest = new Map<string, string>();
    for (const outcome of outcomes) {
      if (!outcome.ok) continue;
      const known = highest.get(outcome.shardId);
      if (known === undefined || compareSequenceNumbers(outcome.sequenceNumber, known) > 0)
        highest.set(outcome.shardId, outcome.sequenceNumber);
    }
    const windows = windowsOfPut(this.now());
    await Promise.all(
      [...highest].map(([shardId, sequenceNumber]) =>
        this.progress.recordPut(windows, shardId, sequenceNumber),
      ),
    );
    return outcomes;
  }
}

/** Whether the window starting at `windowStart` is closed: see the module's comment. */
export async function windowClosed(
  progress: Pick<StreamProgress, 'putsOf' | 'consumedOf'>,
  windowStart: string,
  now: Date,
): Promise<boolean> {
  if (now.getTime() < Date.parse(windowStart) + WINDOW_MS + COLLECT_PUT_HORIZON_MS) return false;
  const puts = await progress.putsOf(windowStart);
  if (puts.size === 0) return true;
  const consumed = await progress.consumedOf([...puts.keys()]);
  return [...puts].every(([shardId, put]) => {
    const done = consumed.get(shardId);
    return done !== undefined && compareSequenceNumbers(done, put) >= 0;
  });
}
