/**
 * The batch store on the batches table (keys in core/batches/batch-keys.ts). De-duplication markers and chunk
 * manifests expire (attribute `expiresAt`, the table's time-to-live) once no redelivery or replay can need them.
 */
import { BATCHES_KEYS } from '../config/env-names';
import {
  BATCH_SK,
  batchOrderKey,
  batchPk,
  CHUNK_SK_PREFIX,
  chunkSk,
  datasetBatchesPk,
  DEDUP_SK,
  dedupPk,
  MANIFEST_SK,
  manifestPk,
  sandboxBatchesPk,
} from '../core/batches/batch-keys';
import type {
  BatchListFilter,
  BatchStore,
  ChunkCounts,
  ChunkManifest,
  StreamingBatch,
  DedupClaim,
} from '../core/batches/batch-types';
import type { Page, PageRequest } from '../core/page';
import type { DynamoItems, Item } from './dynamo-items';

/**
 * A marker must outlive every way its message can come back: a redelivery (the stream keeps records 7 days) and a
 * replay of a quarantined duplicate (the quarantine keeps records 90 days). 100 days covers both.
 */
const DEDUP_RETENTION_DAYS = 100;
/** A manifest only matters while its records can be redelivered: the stream's 7-day retention, plus a margin. */
const MANIFEST_RETENTION_DAYS = 8;
/** Chunks of one batch: a window has at most a few hundred invocations per shard; pages of this size read them. */
const CHUNK_PAGE_SIZE = 500;

const { partitionKey: PK, sortKey: SK, gsi1, timeToLive: TTL } = BATCHES_KEYS;
const DAY_SECONDS = 86_400;

const expiresAt = (now: Date, days: number) => Math.floor(now.getTime() / 1000) + days * DAY_SECONDS;

const toBatch = (item: Item): StreamingBatch => ({
  batchId: item['batchId'] as string,
  sandbox: item['sandbox'] as string,
  datasetId: item['datasetId'] as string,
  type: 'streaming',
  windowStart: item['windowStart'] as string,
  windowEnd: item['windowEnd'] as string,
  createdAt: item['createdAt'] as string,
});

const toChunk = (item: Item): ChunkCounts => ({
  chunk: item['chunk'] as string,
  outputRecordCount: item['outputRecordCount'] as number,
  failedRecordCount: item['failedRecordCount'] as number,
  duplicateRecordCount: item['duplicateRecordCount'] as number,
  errors: item['errors'] as ChunkCounts['errors'],
  profileErrors: item['profileErrors'] as ChunkCounts['profileErrors'],
  ...(typeof item['quarantineKey'] === 'string' ? { quarantineKey: item['quarantineKey'] } : {}),
  writtenAt: item['writtenAt'] as string,
});

export class DynamoBatchStore implements BatchStore {
  constructor(
    private readonly items: DynamoItems,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async claimDedup(
    sandbox: string,
    datasetId: string,
    key: string,
    owner: string,
    chunk: string,
  ): Promise<DedupClaim> {
    const marker = { [PK]: dedupPk(sandbox, datasetId, key), [SK]: DEDUP_SK };
    const outcome = await this.items.putIf(
      { ...marker, owner, chunk, [TTL]: expiresAt(this.now(), DEDUP_RETENTION_DAYS) },
      {
        expression: 'attribute_not_exists(#pk) OR #owner = :owner',
        names: { '#pk': PK, '#owner': 'owner' },
        values: { ':owner': owner },
      },
    );
    if (outcome.written) return { claimed: true };
    const holder = await this.items.get(marker);
    // Gone between the two calls (expired): the key is free again.
    if (!holder) return this.claimDedup(sandbox, datasetId, key, owner, chunk);
    return {
      claimed: false,
      holder: {
        owner: String(holder['owner']),
        ...(typeof holder['chunk'] === 'string' ? { chunk: holder['chunk'] } : {}),
      },
    };
  }

  async takeOverDedup(
    sandbox: string,
    datasetId: string,
    key: string,
    from: string,
    owner: string,
    chunk: string,
  ): Promise<boolean> {
    const outcome = await this.items.putIf(
      {
        [PK]: dedupPk(sandbox, datasetId, key),
        [SK]: DEDUP_SK,
        owner,
        chunk,
        [TTL]: expiresAt(this.now(), DEDUP_RETENTION_DAYS),
      },
      { expression: '#owner = :from', names: { '#owner': 'owner' }, values: { ':from': from } },
    );
    return outcome.written;
  }

  async chunkManifest(chunk: string): Promise<ChunkManifest | undefined> {
    const item = await this.items.get({ [PK]: manifestPk(chunk), [SK]: MANIFEST_SK });
    return item ? (item['manifest'] as ChunkManifest) : undefined;
  }

  async putChunkManifest(chunk: string, manifest: ChunkManifest): Promise<void> {
    await this.items.put({
      [PK]: manifestPk(chunk),
      [SK]: MANIFEST_SK,
      manifest,
      [TTL]: expiresAt(this.now(), MANIFEST_RETENTION_DAYS),
    });
  }

  async putChunk(sandbox: string, batchId: string, counts: ChunkCounts): Promise<void> {
    await this.items.put({ [PK]: batchPk(sandbox, batchId), [SK]: chunkSk(counts.chunk), ...counts });
  }

  async deleteChunk(sandbox: string, batchId: string, chunk: string): Promise<void> {
    await this.items.delete({ [PK]: batchPk(sandbox, batchId), [SK]: chunkSk(chunk) });
  }

  async ensureBatch(batch: StreamingBatch): Promise<void> {
    const order = batchOrderKey(batch.windowStart, batch.batchId);
    // The pointer first: a batch item without its pointer would be missing from the sandbox's list until retried.
    await this.items.createIfAbsent({ [PK]: sandboxBatchesPk(batch.sandbox), [SK]: order, ...batch }, PK);
    await this.items.createIfAbsent(
      {
        [PK]: batchPk(batch.sandbox, batch.batchId),
        [SK]: BATCH_SK,
        [gsi1.partitionKey]: datasetBatchesPk(batch.sandbox, batch.datasetId),
        [gsi1.sortKey]: order,
        ...batch,
      },
      PK,
    );
  }

  async getBatch(sandbox: string, batchId: string): Promise<StreamingBatch | undefined> {
    const item = await this.items.get({ [PK]: batchPk(sandbox, batchId), [SK]: BATCH_SK });
    return item ? toBatch(item) : undefined;
  }

  async chunksOf(sandbox: string, batchId: string): Promise<ChunkCounts[]> {
    const chunks: ChunkCounts[] = [];
    let start: string | undefined;
    do {
      const page = await this.items.queryPage(
        { name: PK, value: batchPk(sandbox, batchId) },
        { limit: CHUNK_PAGE_SIZE, ...(start ? { start } : {}) },
        { sortKeyPrefix: { name: SK, value: CHUNK_SK_PREFIX } },
      );
      chunks.push(...page.items.map(toChunk));
      start = page.next;
    } while (start);
    return chunks;
  }

  async listBatches(
    sandbox: string,
    filter: BatchListFilter,
    page: PageRequest,
  ): Promise<Page<StreamingBatch>> {
    const found = filter.datasetId
      ? await this.items.queryPage(
          { name: gsi1.partitionKey, value: datasetBatchesPk(sandbox, filter.datasetId) },
          page,
          { indexName: gsi1.name, newestFirst: true },
        )
      : await this.items.queryPage({ name: PK, value: sandboxBatchesPk(sandbox) }, page, {
          newestFirst: true,
        });
    return { items: found.items.map(toBatch), ...(found.next ? { next: found.next } : {}) };
  }
}
