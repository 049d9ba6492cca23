/**
 * The stream consumer: one invocation's Kinesis records → lake, quarantine, profiles and batch counts, exactly once
 * in effect although Kinesis delivers at least once (docs/streaming.md has the argument). In order:
 *  1. decode (undecodable → quarantine), 2. validate against the dataset's bound schema version,
 *  3. de-duplicate valid messages with markers owned by their stream record (consume-dedup.ts), 4. apply
 *  profile-enabled records; the first record whose profile write failed retryably (index f) and all after it are
 *  left for the retry, a record the store refuses for good stays in the lake with its refusal explained,
 *  5. write, per (dataset, batch) of the records before f, the lake file and quarantine file named by this
 *  invocation's chunk, then the chunk counts and the batch, mark the markers `written` and commit (consume-chunk.ts),
 *  and record how far the shard is done. Every name is a function of the records, so a re-run overwrites; a chunk
 *  manifest removes what a smaller re-run (a bisected half) no longer writes.
 */
import type { Violation } from '../errors/domain-error';
import { PROCESSING_BUDGET_EXCEEDED, ProcessingBudget } from '../processing-budget';
import { APPLY_CODES, type ApplyItem } from '../profiles/apply-to-profiles';
import { arrivalOrder } from '../profiles/fragments';
import { timestampSkewViolation } from '../profiles/record-time';
import type { ConsumeBatchResponse, ConsumeDeps, StreamRecord } from './consume-ports';
import { decodeStreamMessage } from './consume-decode';
import { inSlices, writeChunk, type GroupWrite, type WrittenRecord } from './consume-chunk';
import { Deduplicator, dedupKeysOf } from './consume-dedup';
import { lakeParquetFile, typedColumnsOf, type LakeRow } from '../lake/parquet-lake-file';
import { chunkName, streamingBatchId, windowStartOf, type StreamMessage } from './stream-message';
import { presentFieldViolations } from './upsert-operations';
import type { DatasetTarget } from '../lake/dataset-targets';
import { lakeKey, quarantineKey } from '../lake/lake-keys';
import type { ChunkCounts } from '../lake/chunk-counts';
import type { QuarantineLine } from '../lake/quarantine-lines';
import { QUARANTINE_CODES } from '../lake/quarantine-lines';

/** The dataset (and sandbox) under which undecodable stream records are quarantined. */
export const UNKNOWN_DATASET = '_unknown';

interface Placement {
  readonly index: number;
  readonly source: StreamRecord;
  readonly sandbox: string;
  readonly datasetId: string;
  readonly batchId: string;
  readonly receivedAt: string;
}

/** A profile store's refusal of a record that is in the lake all the same (contract 4: explained, never silent). */
interface ProfileRefusal {
  readonly code: string;
  readonly reason: string;
}

type Entry =
  | (Placement & { kind: 'valid'; message: StreamMessage; target: DatasetTarget; refusal?: ProfileRefusal })
  | (Placement & { kind: 'duplicate' })
  /** Already in the lake through another chunk (a re-read with other batch boundaries): written and counted there. */
  | (Placement & { kind: 'already' })
  | (Placement & { kind: 'failed'; line: QuarantineLine });

type ValidEntry = Extract<Entry, { kind: 'valid' }>;

const ownerOf = (record: StreamRecord) => `${record.shardId}#${record.sequenceNumber}`;

function place(index: number, source: StreamRecord, sandbox: string, datasetId: string, receivedAt: string) {
  return { index, source, sandbox, datasetId, receivedAt, batchId: streamingBatchId(datasetId, receivedAt) };
}

function failedEntry(
  index: number,
  source: StreamRecord,
  message: StreamMessage,
  code: string,
  violations: readonly Violation[],
): Extract<Entry, { kind: 'failed' }> {
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
  const budget = new ProcessingBudget(deps.processingClock, undefined, () => source.data.length);
  const violations = presentFieldViolations(target.validate(message.record), message.operation);
  // A record slow to validate is quarantined, not retried: a retry would hold the shard for every tenant again.
  const overrun = budget.overrun('validation');
  if (overrun.length > 0) return failedEntry(index, source, message, PROCESSING_BUDGET_EXCEEDED, overrun);
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

async function deduplicate(deps: ConsumeDeps, entries: Entry[], chunk: string): Promise<Entry[]> {
  const out = [...entries];
  const dedup = new Deduplicator(deps.batches, chunk, deps.now());
  await inSlices(
    entries.filter((entry): entry is ValidEntry => entry.kind === 'valid'),
    async (entry) => {
      const verdict = await dedup.settle(entry, ownerOf(entry.source), entry.message);
      if (verdict !== 'claimed') out[entry.index] = { ...entry, kind: verdict };
    },
  );
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
      const entry = group[result.index] as ValidEntry;
      if (result.code === APPLY_CODES.storeError) firstRetry = Math.min(firstRetry, entry.index);
      else if (result.status === 'failed' && result.code) {
        const refusal = { code: result.code, reason: result.reason ?? result.code };
        entries[entry.index] = { ...entry, refusal };
      }
    }
  }
  return firstRetry;
}

const countBy = (codes: readonly string[]) =>
  codes.reduce<Record<string, number>>(
    (counts, code) => ({ ...counts, [code]: (counts[code] ?? 0) + 1 }),
    {},
  );

/** The failed-record export's line for a lake record the profile store refused: explained, not counted as failed. */
const profileLine = (entry: ValidEntry, refusal: ProfileRefusal): QuarantineLine => ({
  ...failedEntry(entry.index, entry.source, entry.message, refusal.code, [
    { pointer: '', keyword: 'profile', message: refusal.reason },
  ]).line,
  stage: 'profile',
});

function groupWrites(entries: readonly Entry[], chunk: string, writtenAt: string): GroupWrite[] {
  const groups = new Map<string, Entry[]>();
  for (const entry of entries) {
    if (entry.kind === 'already') continue;
    const key = `${entry.sandbox}\n${entry.datasetId}\n${entry.batchId}`;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  return [...groups.values()].map((group) => {
    const [{ sandbox, datasetId, batchId, receivedAt }] = group as [Entry];
    const valid = group.filter((entry) => entry.kind === 'valid');
    const failed = group.filter((entry) => entry.kind === 'failed');
    const refused = valid.flatMap((entry) => (entry.refusal ? [profileLine(entry, entry.refusal)] : []));
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
    const lines = [...failed.map((entry) => entry.line), ...refused];
    const quarantine =
      lines.length > 0
        ? {
            key: quarantineKey(sandbox, datasetId, batchId, chunk),
            body: Buffer.from(lines.map((line) => `${JSON.stringify(line)}\n`).join(''), 'utf8'),
          }
        : undefined;
    const counts: ChunkCounts = {
      chunk,
      outputRecordCount: valid.length,
      failedRecordCount: failed.length,
      duplicateRecordCount: group.filter((entry) => entry.kind === 'duplicate').length,
      errors: countBy(failed.map((entry) => entry.line.code)),
      profileErrors: countBy(refused.map((line) => line.code)),
      ...(quarantine ? { quarantineKey: quarantine.key } : {}),
      writtenAt,
    };
    return { sandbox, datasetId, batchId, windowStart: windowStartOf(receivedAt), lake, quarantine, counts };
  });
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
  const writtenRecords = written.flatMap((entry): WrittenRecord[] =>
    entry.kind === 'valid'
      ? [
          {
            sandbox: entry.sandbox,
            datasetId: entry.datasetId,
            key: dedupKeysOf(entry.message).identity,
            owner: ownerOf(entry.source),
          },
        ]
      : [],
  );
  await writeChunk(deps, chunk, groupWrites(written, chunk, deps.now().toISOString()), writtenRecords);
  const done = records[firstRetry - 1];
  // The shard is done with up to the last record written: streaming batches close by it.
  if (done) await deps.progress.recordConsumed(done.shardId, done.sequenceNumber);
  return {
    batchItemFailures: records.slice(firstRetry).map((record) => ({ itemIdentifier: record.sequenceNumber })),
  };
}
