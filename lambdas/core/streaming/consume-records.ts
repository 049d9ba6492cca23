/**
 * The stream consumer: one invocation's Kinesis records → lake, quarantine, profiles and batch counts, exactly once
 * in effect although Kinesis delivers at least once (docs/streaming.md has the argument). In order:
 *  1. decode (undecodable → quarantine), 2. validate against the dataset's bound schema version,
 *  3. de-duplicate valid messages with markers owned by their stream record, 4. apply profile-enabled records; the
 *  first record whose profile write failed retryably (index f) and all after it are left for the retry,
 *  5. write, per (dataset, batch) of the records before f, the lake file and quarantine file named by this
 *  invocation's chunk, then the chunk counts and the batch. Every name is a function of the records, so a re-run
 *  overwrites; a chunk manifest removes what a smaller re-run (a bisected half) no longer writes.
 */
import { createHash } from 'node:crypto';
import type { Violation } from '../../http/problem';
import type { ChunkCounts, ChunkManifest, QuarantineLine } from '../batches/batch-types';
import { QUARANTINE_CODES } from '../batches/batch-view';
import { APPLY_CODES, type ApplyItem } from '../profiles/apply-to-profiles';
import { arrivalOrder } from '../profiles/fragments';
import { timestampSkewViolation } from '../profiles/record-time';
import type { ConsumeBatchResponse, ConsumeDeps, DatasetTarget, StreamRecord } from './consume-ports';
import { decodeStreamMessage } from './consume-decode';
import { lakeParquetFile, PARQUET_CONTENT_TYPE, typedColumnsOf, type LakeRow } from './parquet-lake-file';
import {
  chunkName,
  lakeKey,
  quarantineKey,
  STREAMING_BATCH_WINDOW_MINUTES,
  streamingBatchId,
  windowStartOf,
  type StreamMessage,
} from './stream-message';
import { presentFieldViolations } from './upsert-operations';

/** The dataset (and sandbox) under which undecodable stream records are quarantined. */
export const UNKNOWN_DATASET = '_unknown';
export const JSON_LINES_CONTENT_TYPE = 'application/x-ndjson';

/**
 * Marker claims in flight at once: a 100-record batch takes a few round trips instead of a hundred, and the SDK's
 * 50 sockets stay shared with the profile writes.
 */
const DEDUP_PARALLEL_CLAIMS = 16;

interface Placement {
  readonly index: number;
  readonly source: StreamRecord;
  readonly sandbox: string;
  readonly datasetId: string;
  readonly batchId: string;
  readonly receivedAt: string;
}

type Entry =
  | (Placement & { kind: 'valid'; message: StreamMessage; target: DatasetTarget; profileCode?: string })
  | (Placement & { kind: 'duplicate' })
  | (Placement & { kind: 'failed'; line: QuarantineLine });

const ownerOf = (record: StreamRecord) => `${record.shardId}#${record.sequenceNumber}`;

/** Events are keyed by `_id`; anything else by a hash of its JSON as received. */
function dedupKey(message: StreamMessage, target: DatasetTarget): string {
  const record = message.record as Record<string, unknown> | null;
  if (target.schema.class === 'event' && typeof record?.['_id'] === 'string') return `id:${record['_id']}`;
  return `sha256:${createHash('sha256').update(JSON.stringify(message.record)).digest('base64url')}`;
}

function place(index: number, source: StreamRecord, sandbox: string, datasetId: string, receivedAt: string) {
  return { index, source, sandbox, datasetId, receivedAt, batchId: streamingBatchId(datasetId, receivedAt) };
}

function failedEntry(
  index: number,
  source: StreamRecord,
  message: StreamMessage,
  code: string,
  violations: readonly Violation[],
): Entry {
  return {
    ...place(index, source, message.sandbox, message.datasetId, message.receivedAt),
    kind: 'failed',
    line: {
      messageId: message.messageId,
      receivedAt: message.receivedAt,
      inletId: message.inletId,
      datasetId: message.datasetId,
      schemaId: message.schemaId,
      record: message.record,
      violations,
      code,
      stream: { shardId: source.shardId, sequenceNumber: source.sequenceNumber },
      ...replayedFields(message),
    },
  };
}

/** What a replay of the line must carry on: the original time and request position, and the upsert operation. */
const replayedFields = ({ originalReceivedAt, requestIndex, operation }: StreamMessage) => ({
  ...(originalReceivedAt !== undefined ? { originalReceivedAt } : {}),
  ...(requestIndex !== undefined ? { requestIndex } : {}),
  ...(operation !== undefined ? { operation } : {}),
});

async function classify(deps: ConsumeDeps, source: StreamRecord, index: number): Promise<Entry> {
  const decoded = decodeStreamMessage(source.data);
  if (!decoded.ok) {
    const receivedAt = new Date(source.approximateArrivalTimestamp * 1000).toISOString();
    const sandbox = decoded.sandbox ?? UNKNOWN_DATASET;
    return {
      ...place(index, source, sandbox, UNKNOWN_DATASET, receivedAt),
      kind: 'failed',
      line: {
        messageId: ownerOf(source),
        receivedAt,
        inletId: null,
        datasetId: UNKNOWN_DATASET,
        schemaId: null,
        record: null,
        raw: source.data.toString('base64'),
        violations: [{ pointer: '', keyword: 'decode', message: decoded.reason }],
        code: QUARANTINE_CODES.undecodable,
        stream: { shardId: source.shardId, sequenceNumber: source.sequenceNumber },
      },
    };
  }
  const { message } = decoded;
  const target = await deps.targets.target(message.sandbox, message.datasetId);
  if (target === 'dataset-not-found') {
    return failedEntry(index, source, message, QUARANTINE_CODES.datasetNotFound, [
      { pointer: '', keyword: 'dataset', message: `dataset ${message.datasetId} does not exist` },
    ]);
  }
  if (target === 'schema-not-found') {
    return failedEntry(index, source, message, QUARANTINE_CODES.schemaNotFound, [
      {
        pointer: '',
        keyword: 'schema',
        message: `the schema of dataset ${message.datasetId} does not exist`,
      },
    ]);
  }
  const violations = presentFieldViolations(target.validate(message.record), message.operation);
  if (violations.length > 0) return failedEntry(index, source, message, QUARANTINE_CODES.invalid, violations);
  // Bounded by the first arrival: a replay of last week's record is not from the future.
  const arrivedAt = message.originalReceivedAt ?? message.receivedAt;
  const skew = timestampSkewViolation(target.schema.class, message.record, arrivedAt);
  if (skew) return failedEntry(index, source, message, QUARANTINE_CODES.timestampSkew, [skew]);
  return {
    ...place(index, source, message.sandbox, message.datasetId, message.receivedAt),
    kind: 'valid',
    message,
    target,
  };
}

/**
 * Whether another stream record holding the key means this one is a producer duplicate. Not when the holder's
 * message never reached the lake: a record the mapping gave up on (retries or age exhausted) leaves its marker, and a
 * later resend of the same message must still be ingested — the holder's chunk is committed without it. A holder in
 * this very chunk is a duplicate within the batch.
 */
async function holderWasWritten(
  deps: ConsumeDeps,
  holder: { owner: string; chunk?: string },
  chunk: string,
): Promise<boolean> {
  if (holder.chunk === undefined || holder.chunk === chunk) return true;
  // Shard records are consumed in order, so a holder in another chunk is not in flight: either its chunk committed
  // with it, or it crashed or was given up without it.
  const manifest = await deps.batches.chunkManifest(holder.chunk);
  return manifest?.committed === true && (manifest.writtenOwners ?? []).includes(holder.owner);
}

async function deduplicate(deps: ConsumeDeps, entries: Entry[], chunk: string): Promise<Entry[]> {
  const out = [...entries];
  const valid = entries.filter((entry) => entry.kind === 'valid');
  for (let offset = 0; offset < valid.length; offset += DEDUP_PARALLEL_CLAIMS) {
    await Promise.all(
      valid.slice(offset, offset + DEDUP_PARALLEL_CLAIMS).map(async (entry) => {
        const key = dedupKey(entry.message, entry.target);
        const owner = ownerOf(entry.source);
        const claim = await deps.batches.claimDedup(entry.sandbox, entry.datasetId, key, owner, chunk);
        if (claim.claimed) return;
        const duplicate =
          (await holderWasWritten(deps, claim.holder, chunk)) ||
          !(await deps.batches.takeOverDedup(
            entry.sandbox,
            entry.datasetId,
            key,
            claim.holder.owner,
            owner,
            chunk,
          ));
        if (duplicate) out[entry.index] = { ...entry, kind: 'duplicate' };
      }),
    );
  }
  return out;
}

/** Applies profile-enabled records; answers the index of the first record to leave for the retry. */
async function applyProfiles(deps: ConsumeDeps, entries: Entry[]): Promise<number> {
  const groups = new Map<string, Extract<Entry, { kind: 'valid' }>[]>();
  for (const entry of entries) {
    if (entry.kind !== 'valid' || !entry.target.profileEnabled) continue;
    const key = `${entry.sandbox}\n${entry.datasetId}`;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  let firstRetry = entries.length;
  for (const group of groups.values()) {
    const [{ sandbox, target }] = group as [Extract<Entry, { kind: 'valid' }>];
    // A replay is ordered by when its original was accepted, not by when it was replayed; of two records of the
    // same time, the later in its request wins.
    const items = group.map(({ message, batchId }): ApplyItem => {
      const orderedAt = message.originalReceivedAt ?? message.receivedAt;
      return {
        record: message.record,
        source: { batchId, messageId: message.messageId },
        receivedAt: orderedAt,
        arrival: arrivalOrder(orderedAt, message.requestIndex ?? 0),
        ...(message.operation ? { operation: message.operation } : {}),
      };
    });
    const outcome = await deps.applyToProfiles({
      sandbox,
      dataset: { id: target.datasetId, profileEnabled: target.profileEnabled },
      schema: target.schema,
      items,
    });
    for (const result of outcome.results) {
      const entry = group[result.index] as Extract<Entry, { kind: 'valid' }>;
      if (result.code === APPLY_CODES.storeError) firstRetry = Math.min(firstRetry, entry.index);
      else if (result.status === 'failed' && result.code)
        entries[entry.index] = { ...entry, profileCode: result.code };
    }
  }
  return firstRetry;
}

const countBy = (codes: readonly string[]) =>
  codes.reduce<Record<string, number>>(
    (counts, code) => ({ ...counts, [code]: (counts[code] ?? 0) + 1 }),
    {},
  );

interface GroupWrite {
  readonly sandbox: string;
  readonly datasetId: string;
  readonly batchId: string;
  readonly windowStart: Date;
  readonly lake?: { key: string; body: Uint8Array };
  readonly quarantine?: { key: string; body: Uint8Array };
  readonly counts: ChunkCounts;
}

function groupWrites(entries: readonly Entry[], chunk: string, writtenAt: string): GroupWrite[] {
  const groups = new Map<string, Entry[]>();
  for (const entry of entries) {
    const key = `${entry.sandbox}\n${entry.datasetId}\n${entry.batchId}`;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  return [...groups.values()].map((group) => {
    const [{ sandbox, datasetId, batchId, receivedAt }] = group as [Entry];
    const valid = group.filter((entry) => entry.kind === 'valid');
    const failed = group.filter((entry) => entry.kind === 'failed');
    const rows = valid.map((entry): LakeRow => ({
      messageId: entry.message.messageId,
      receivedAt: entry.receivedAt,
      record: entry.message.record,
      ...(entry.message.operation ? { operation: entry.message.operation } : {}),
    }));
    const lake = valid[0]
      ? {
          key: lakeKey(sandbox, datasetId, batchId, receivedAt, chunk),
          body: lakeParquetFile(rows, typedColumnsOf(valid[0].target.schema.schema)),
        }
      : undefined;
    const quarantine =
      failed.length > 0
        ? {
            key: quarantineKey(sandbox, datasetId, batchId, chunk),
            body: Buffer.from(failed.map((entry) => `${JSON.stringify(entry.line)}\n`).join(''), 'utf8'),
          }
        : undefined;
    const counts: ChunkCounts = {
      chunk,
      outputRecordCount: valid.length,
      failedRecordCount: failed.length,
      duplicateRecordCount: group.filter((entry) => entry.kind === 'duplicate').length,
      errors: countBy(failed.map((entry) => entry.line.code)),
      profileErrors: countBy(valid.flatMap((entry) => (entry.profileCode ? [entry.profileCode] : []))),
      ...(quarantine ? { quarantineKey: quarantine.key } : {}),
      writtenAt,
    };
    return { sandbox, datasetId, batchId, windowStart: windowStartOf(receivedAt), lake, quarantine, counts };
  });
}

const manifestOf = (writes: readonly GroupWrite[]): ChunkManifest => ({
  lakeKeys: writes.flatMap((write) => (write.lake ? [write.lake.key] : [])),
  quarantineKeys: writes.flatMap((write) => (write.quarantine ? [write.quarantine.key] : [])),
  chunkItems: writes.map(({ sandbox, batchId }) => ({ sandbox, batchId })),
});

const itemKey = (item: { sandbox: string; batchId: string }) => `${item.sandbox}\n${item.batchId}`;

function without(previous: ChunkManifest, current: ChunkManifest): ChunkManifest {
  const kept = new Set(current.chunkItems.map(itemKey));
  return {
    lakeKeys: previous.lakeKeys.filter((key) => !current.lakeKeys.includes(key)),
    quarantineKeys: previous.quarantineKeys.filter((key) => !current.quarantineKeys.includes(key)),
    chunkItems: previous.chunkItems.filter((item) => !kept.has(itemKey(item))),
  };
}

const union = (a: ChunkManifest, b: ChunkManifest): ChunkManifest => {
  const extra = without(b, a);
  return {
    lakeKeys: [...a.lakeKeys, ...extra.lakeKeys],
    quarantineKeys: [...a.quarantineKeys, ...extra.quarantineKeys],
    chunkItems: [...a.chunkItems, ...extra.chunkItems],
  };
};

const isEmpty = (manifest: ChunkManifest) =>
  manifest.lakeKeys.length + manifest.quarantineKeys.length + manifest.chunkItems.length === 0;

async function writeChunk(
  deps: ConsumeDeps,
  chunk: string,
  writes: readonly GroupWrite[],
  writtenOwners: readonly string[],
): Promise<void> {
  const current = manifestOf(writes);
  const previous = await deps.batches.chunkManifest(chunk);
  // Recorded before anything is written, so a crash leaves a manifest naming every object that may exist.
  if (previous) await deps.batches.putChunkManifest(chunk, union(current, previous));
  else if (!isEmpty(current)) await deps.batches.putChunkManifest(chunk, current);
  await Promise.all(
    writes.flatMap((write) => [
      ...(write.lake ? [deps.lake.put(write.lake.key, write.lake.body, PARQUET_CONTENT_TYPE)] : []),
      ...(write.quarantine
        ? [deps.quarantine.put(write.quarantine.key, write.quarantine.body, JSON_LINES_CONTENT_TYPE)]
        : []),
    ]),
  );
  const createdAt = deps.now().toISOString();
  await Promise.all(
    writes.map(async (write) => {
      await deps.batches.putChunk(write.sandbox, write.batchId, write.counts);
      await deps.batches.ensureBatch({
        batchId: write.batchId,
        sandbox: write.sandbox,
        datasetId: write.datasetId,
        type: 'streaming',
        windowStart: write.windowStart.toISOString(),
        windowEnd: new Date(
          write.windowStart.getTime() + STREAMING_BATCH_WINDOW_MINUTES * 60_000,
        ).toISOString(),
        createdAt,
      });
    }),
  );
  const stale = previous ? without(previous, current) : undefined;
  if (stale && !isEmpty(stale)) {
    await Promise.all([
      ...stale.lakeKeys.map((key) => deps.lake.delete(key)),
      ...stale.quarantineKeys.map((key) => deps.quarantine.delete(key)),
      ...stale.chunkItems.map((item) => deps.batches.deleteChunk(item.sandbox, item.batchId, chunk)),
    ]);
  }
  // Last: the chunk is complete, and it names the records it put in the lake (see holderWasWritten).
  await deps.batches.putChunkManifest(chunk, { ...current, committed: true, writtenOwners });
}

export async function consumeRecords(
  deps: ConsumeDeps,
  records: readonly StreamRecord[],
): Promise<ConsumeBatchResponse> {
  const [first] = records;
  if (!first) return { batchItemFailures: [] };
  const chunk = chunkName(first.shardId, first.sequenceNumber);
  const classified: Entry[] = [];
  // In order: the first record of a dataset fills the lookup cache for the rest.
  for (const [index, record] of records.entries()) classified.push(await classify(deps, record, index));
  const entries = await deduplicate(deps, classified, chunk);
  const firstRetry = await applyProfiles(deps, entries);
  const written = entries.slice(0, firstRetry);
  const writtenOwners = written.flatMap((entry) => (entry.kind === 'valid' ? [ownerOf(entry.source)] : []));
  await writeChunk(deps, chunk, groupWrites(written, chunk, deps.now().toISOString()), writtenOwners);
  return {
    batchItemFailures: records.slice(firstRetry).map((record) => ({ itemIdentifier: record.sequenceNumber })),
  };
}
