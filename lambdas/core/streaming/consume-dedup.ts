/**
 * De-duplication of the stream consumer's valid messages (docs/streaming.md, "Exactly once in effect", step 3).
 *
 * Every message claims one long-lived **identity key**: the producer's id of the message (an envelope's
 * `header.msgId`, else the record's `_id`), or, without one, the message id the collect function gave it. A message
 * without a producer id also claims a **content key**, a hash of its record, which makes a copy received within
 * CONTENT_DEDUP_WINDOW_MS of it a duplicate: a producer resending a request it got no answer for. Beyond the window
 * an equal record is a legitimate repeat (gold → silver → gold) and is ingested.
 *
 * A key is held by one stream record (`{shardId}#{sequenceNumber}`) and the chunk that claimed it. Whether the
 * holder's message is in the lake is told by its chunk's manifest while that lives (8 days), then by the `written`
 * mark the chunk's commit left on the marker (which lives 100 days). Meeting a holder:
 *  - this very record under another chunk: a re-read of the shard with other batch boundaries (a replaced mapping),
 *    or the rest of a bisected or resumed batch. Written → the record is already in the lake and is skipped
 *    (`already`, counted nowhere again); not written → the key moves to this chunk.
 *  - another record in this chunk, or another record that was written: a duplicate.
 *  - another record that never reached the lake (it crashed, or the mapping gave up on it), or whose content key
 *    lies outside the window: this record takes the key over and is ingested.
 */
import { createHash } from 'node:crypto';
import type { StreamMessage } from './stream-message';
import type { ChunkManifest, DedupHolder, MarkerRef, StreamBatchStore } from './stream-batch-store';

/**
 * How long an equal record counts as a resend of the one before it. A producer that got no answer (a cut
 * connection, a 5xx, a timeout at API Gateway's 29 s) retries within seconds to a minute with back-off, as
 * Experience Platform asks; five minutes covers several rounds of that. Longer would drop legitimate repeats of a
 * value (gold → silver → gold) sent minutes apart by producers that give no id — those who must repeat a record
 * within minutes give each message an id (`header.msgId` or `_id`).
 */
export const CONTENT_DEDUP_WINDOW_MS = 5 * 60_000;

/**
 * An identity marker must outlive every way its message can come back: a redelivery (the stream keeps records 7
 * days), a redrive of the on-failure destination and a replay of a quarantined record (both kept 90 days).
 */
export const IDENTITY_MARKER_RETENTION_DAYS = 100;

/**
 * A content marker de-duplicates only within CONTENT_DEDUP_WINDOW_MS, but it is kept as long as the records it was
 * compared with may be redelivered (the mapping's one-day maximum record age, plus a day of margin), so a redelivery
 * decides as the first delivery did.
 */
export const CONTENT_MARKER_RETENTION_DAYS = 2;

/**
 * Marker claims in flight at once: a 100-record batch takes a few round trips instead of a hundred, and the SDK's
 * 50 sockets stay shared with the profile writes.
 */
export const DEDUP_PARALLEL_CLAIMS = 16;

/** Rounds of claim and take-over when another record moves the key in between; more means a storm of copies. */
const MAX_CLAIM_ROUNDS = 5;

const DAY_MS = 86_400_000;

/** What de-duplication decided for one message. */
export type Verdict = 'claimed' | 'duplicate' | 'already';

export interface DedupKeys {
  readonly identity: string;
  readonly content?: string;
}

const idOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** The keys of a message; a record `_id` counts as the producer's id whatever the schema's class. */
export function dedupKeysOf(message: StreamMessage): DedupKeys {
  const producerId = idOf(message.producerMessageId);
  if (producerId !== undefined) return { identity: `msgid:${producerId}` };
  const recordId = idOf((message.record as Record<string, unknown> | null)?.['_id']);
  if (recordId !== undefined) return { identity: `id:${recordId}` };
  const digest = createHash('sha256').update(JSON.stringify(message.record)).digest('base64url');
  return { identity: `msg:${message.messageId}`, content: `sha256:${digest}` };
}

/** The time content keys compare: a replayed or redriven copy keeps its original's. */
export const dedupTime = (message: StreamMessage): string => message.originalReceivedAt ?? message.receivedAt;

const withinWindow = (holder: DedupHolder, receivedAt: string): boolean =>
  holder.receivedAt !== undefined &&
  Math.abs(Date.parse(holder.receivedAt) - Date.parse(receivedAt)) <= CONTENT_DEDUP_WINDOW_MS;

/** One invocation's view of the batch store's de-duplication: manifests read once however many holders name them. */
export class Deduplicator {
  private readonly manifests = new Map<string, Promise<ChunkManifest | undefined>>();

  constructor(
    private readonly batches: StreamBatchStore,
    private readonly chunk: string,
    private readonly now: Date,
  ) {}

  /** The verdict of one message read from stream record `owner`. */
  async settle(marker: Omit<MarkerRef, 'key'>, owner: string, message: StreamMessage): Promise<Verdict> {
    const keys = dedupKeysOf(message);
    const identity = await this.claim({ ...marker, key: keys.identity }, owner, message, 'identity');
    if (identity !== 'claimed' || keys.content === undefined) return identity;
    return this.claim({ ...marker, key: keys.content }, owner, message, 'content');
  }

  /**
   * Whether the holder's message is in the lake. While the holder's chunk manifest lives (8 days, longer than any
   * redelivery or roll-back of the chunk can come), it decides: committed, and naming the holder. After, the
   * `written` mark its commit left on the marker does.
   */
  async wasWritten(holder: DedupHolder): Promise<boolean> {
    // A marker from before chunks were recorded: its message was written (what was assumed then).
    if (holder.chunk === undefined) return true;
    let manifest = this.manifests.get(holder.chunk);
    if (!manifest) {
      manifest = this.batches.chunkManifest(holder.chunk);
      this.manifests.set(holder.chunk, manifest);
    }
    const found = await manifest;
    if (!found) return holder.written === true;
    return found.committed === true && (found.writtenOwners ?? []).includes(holder.owner);
  }

  private async claim(
    marker: MarkerRef,
    owner: string,
    message: StreamMessage,
    kind: 'identity' | 'content',
  ): Promise<Verdict> {
    const receivedAt = dedupTime(message);
    const retentionDays =
      kind === 'identity' ? IDENTITY_MARKER_RETENTION_DAYS : CONTENT_MARKER_RETENTION_DAYS;
    const request = {
      marker,
      owner,
      chunk: this.chunk,
      receivedAt,
      expiresAt: new Date(this.now.getTime() + retentionDays * DAY_MS),
    };
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      const claim = await this.batches.claimDedup(request);
      if (claim.claimed) return 'claimed';
      const { holder } = claim;
      if (holder.owner === owner) {
        // This record under another chunk (a claim in this chunk would have succeeded).
        if (await this.wasWritten(holder)) return 'already';
      } else {
        const repeat = kind === 'content' && !withinWindow(holder, receivedAt);
        if (!repeat && (holder.chunk === this.chunk || (await this.wasWritten(holder)))) return 'duplicate';
      }
      if (await this.batches.takeOverDedup(request, holder)) return 'claimed';
    }
    throw new Error(`the de-duplication key ${marker.key} kept changing hands; the batch is retried`);
  }
}
