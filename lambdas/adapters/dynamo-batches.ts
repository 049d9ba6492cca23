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
  AnyBatch,
  BatchListFilter,
  BatchStore,
  ChunkCounts,
  ChunkManifest,
  StreamingBatch,
  DedupClaim,
} from '../core/batches/batch-types';
import type { Page, PageRequest } from '../core/page';
import type { DynamoItems, Item } from './dynamo-items';
import { batchItem } from './batch-items';
import { toFileBatch } from './dynamo-file-batches';

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

const toStreamingBatch = (item: Item): StreamingBatch => ({
  batchId: item['batchId'] as string,
  sandbox: item['sandbox'] as string,
  datasetId: item['datasetId'] as string,
  type: 'streaming',
  windowStart: item['windowStart'] as string,
  windowEnd: item['windowEnd'] as string,
  createdAt: item['createdAt'] as string,
});

const toBatch = (item: Item): AnyBatch =>
  item['type'] === 'file' ? toFileBatch(item) : toStreamingBatch(item);

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
    await this.items.createIfAbsent(batchItem(batch, batch.windowStart), PK);
  }

  async getBatch(sandbox: string, batchId: string): Promise<AnyBatch | undefined> {
    const item = await this.items.get({ [PK]: batchPk(sandbox, batchId), [SK]: BATCH_SK });
    return item ? toBatch(item) : undefined;
  }

  async chunksOf(sandbox: string, batchId: string): Promise<ChunkCounts[]> {
    const items = await this.items.queryAll(
      { name: PK, value: batchPk(sandbox, batchId) },
      { sortKeyPrefix: { name: SK, value: CHUNK_SK_PREFIX }, pageSize: CHUNK_PAGE_SIZE },
    );
    return items.map(toChunk);
  }

  async listBatches(sandbox: string, filter: BatchListFilter, page: PageRequest): Promise<Page<AnyBatch>> {
    const found = filter.datasetId
      ? await this.items.queryPage(
          { name: gsi1.partitionKey, value: datasetBatchesPk(sandbox, filter.datasetId) },
          page,
          { indexName: gsi1.name, newestFirst: true },
        )
      : await this.items.queryPage({ name: PK, value: sandboxBatchesPk(sandbox) }, page, {
          newestFirst: true,
        });
    return { items: await this.current(found.items), ...(found.next ? { next: found.next } : {}) };
  }

  /**
   * The batches a list page names, in its order. A streaming batch's pointer is a copy of the batch (which never
   * changes); a file batch's pointer only names it, so its current state is read from the batch item.
   */
  private async current(listed: readonly Item[]): Promise<AnyBatch[]> {
    const fileKeys = listed
      .filter((item) => item['type'] === 'file' && item[SK] !== BATCH_SK)
      .map((item) => ({
        [PK]: batchPk(item['sandbox'] as string, item['batchId'] as string),
        [SK]: BATCH_SK,
      }));
    const fresh = new Map(
      (await this.items.batchGet(fileKeys)).map((item) => [item['batchId'] as string, toFileBatch(item)]),
    );
    return listed.flatMap((item) => {
      if (item['type'] !== 'file' || item[SK] === BATCH_SK) return [toBatch(item)];
      const batch = fresh.get(item['batchId'] as string);
      return batch ? [batch] : [];
    });
  }
}
