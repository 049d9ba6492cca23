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
import type { AnyBatch, BatchListFilter, BatchStore } from '../core/batches/batch-types';
import type { Page, PageRequest } from '../core/page';
import type { DynamoItems, Item } from './dynamo-items';
import { batchItem } from './batch-items';
import { toFileBatch } from './dynamo-file-batches';
import type { ChunkCounts, StreamingBatch } from '../core/lake/chunk-counts';
import type {
  ChunkManifest,
  DedupClaim,
  DedupClaimRequest,
  DedupHolder,
  MarkerRef,
  OwnedMarker,
  StreamBatchStore,
} from '../core/streaming/stream-batch-store';

/** A manifest only matters while its records can be redelivered: the stream's 7-day retention, plus a margin. */
const MANIFEST_RETENTION_DAYS = 8;
/** Chunks of one batch: a window has at most a few hundred invocations per shard; pages of this size read them. */
const CHUNK_PAGE_SIZE = 500;

const { partitionKey: PK, sortKey: SK, gsi1, timeToLive: TTL } = BATCHES_KEYS;
const DAY_SECONDS = 86_400;

const epochSeconds = (time: Date) => Math.floor(time.getTime() / 1000);
const expiresAt = (now: Date, days: number) => epochSeconds(now) + days * DAY_SECONDS;

const markerKey = (marker: MarkerRef) => ({
  [PK]: dedupPk(marker.sandbox, marker.datasetId, marker.key),
  [SK]: DEDUP_SK,
});

/** A fresh marker: never `written` (the claim's chunk has not written yet). */
const markerItem = (claim: DedupClaimRequest): Item => ({
  ...markerKey(claim.marker),
  owner: claim.owner,
  chunk: claim.chunk,
  receivedAt: claim.receivedAt,
  [TTL]: epochSeconds(claim.expiresAt),
});

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

export class DynamoBatchStore implements BatchStore, StreamBatchStore {
  constructor(
    private readonly items: DynamoItems,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async claimDedup(claim: DedupClaimRequest): Promise<DedupClaim> {
    const key = markerKey(claim.marker);
    const outcome = await this.items.putIf(markerItem(claim), {
      // An expired marker TTL has not removed yet counts as absent.
      expression: 'attribute_not_exists(#pk) OR (#owner = :owner AND #chunk = :chunk) OR #ttl < :now',
      names: { '#pk': PK, '#owner': 'owner', '#chunk': 'chunk', '#ttl': TTL },
      values: { ':owner': claim.owner, ':chunk': claim.chunk, ':now': epochSeconds(this.now()) },
    });
    if (outcome.written) return { claimed: true };
    const holder = await this.items.get(key);
    // Gone between the two calls (expired and removed): the key is free again.
    if (!holder) return this.claimDedup(claim);
    return {
      claimed: false,
      holder: {
        owner: String(holder['owner']),
        ...(typeof holder['chunk'] === 'string' ? { chunk: holder['chunk'] } : {}),
        ...(holder['written'] === true ? { written: true } : {}),
        ...(typeof holder['receivedAt'] === 'string' ? { receivedAt: holder['receivedAt'] } : {}),
      },
    };
  }

  async takeOverDedup(claim: DedupClaimRequest, from: DedupHolder): Promise<boolean> {
    const sameChunk = from.chunk === undefined ? 'attribute_not_exists(#chunk)' : '#chunk = :fromChunk';
    const outcome = await this.items.putIf(markerItem(claim), {
      expression: `#owner = :from AND ${sameChunk}`,
      names: { '#owner': 'owner', '#chunk': 'chunk' },
      values: { ':from': from.owner, ...(from.chunk === undefined ? {} : { ':fromChunk': from.chunk }) },
    });
    return outcome.written;
  }

  async markDedupWritten(marker: OwnedMarker, chunk: string, written: boolean): Promise<void> {
    await this.items.updateIf(markerKey(marker), written ? 'SET #written = :true' : 'REMOVE #written', {
      expression: '#owner = :owner AND #chunk = :chunk',
      names: { '#owner': 'owner', '#chunk': 'chunk', '#written': 'written' },
      values: { ':owner': marker.owner, ':chunk': chunk, ...(written ? { ':true': true } : {}) },
    });
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
