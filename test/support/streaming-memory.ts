/**
 * In-memory stand-ins for the stream consumer's S3 and DynamoDB ports (objects, batch store, stream progress), shared by the consumer's unit tests and its
 * benchmark: they answer at once and keep what they are given, so a test can read back what was written and a
 * benchmark run measures the consumer's own code (decode, validate, de-duplicate, profile folding, Parquet
 * encoding), not an emulator.
 */
import type { Page, PageRequest } from '../../lambdas/core/page';
import type { BatchListFilter, BatchStore } from '../../lambdas/core/batches/batch-types';
import { compareSequenceNumbers, type StreamProgress } from '../../lambdas/core/streaming/stream-progress';
import type { ObjectWriter } from '../../lambdas/core/lake/lake-objects';
import type { ChunkCounts, StreamingBatch } from '../../lambdas/core/lake/chunk-counts';
import type {
  ChunkManifest,
  DedupClaim,
  DedupClaimRequest,
  DedupHolder,
  MarkerRef,
  OwnedMarker,
  StreamBatchStore,
} from '../../lambdas/core/streaming/stream-batch-store';
import type { ObjectReader } from '../../lambdas/core/lake/lake-objects';

const fresh = (claim: DedupClaimRequest): MemoryMarker => ({
  owner: claim.owner,
  chunk: claim.chunk,
  receivedAt: claim.receivedAt,
  expiresAt: claim.expiresAt.getTime(),
});

/** What the batches table answers of a marker: `written` only when set. */
const holderOf = (marker: MemoryMarker): DedupHolder => ({
  owner: marker.owner,
  ...(marker.chunk === undefined ? {} : { chunk: marker.chunk }),
  ...(marker.written ? { written: true } : {}),
  ...(marker.receivedAt === undefined ? {} : { receivedAt: marker.receivedAt }),
});

export class MemoryObjects implements ObjectWriter, ObjectReader {
  readonly objects = new Map<string, Uint8Array>();

  async put(key: string, body: Uint8Array): Promise<void> {
    this.objects.set(key, body);
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async getText(key: string): Promise<string | undefined> {
    const body = this.objects.get(key);
    return body ? Buffer.from(body).toString('utf8') : undefined;
  }
}

interface MemoryMarker extends DedupHolder {
  readonly expiresAt: number;
}

/** A marker's place in the store, as the batches table keys it (sandbox, dataset, key). */
const markerOf = (ref: MarkerRef) => `${ref.sandbox}\n${ref.datasetId}\n${ref.key}`;

export class MemoryBatchStore implements BatchStore, StreamBatchStore {
  private readonly markers = new Map<string, MemoryMarker>();
  private readonly manifests = new Map<string, ChunkManifest>();
  private readonly chunks = new Map<string, Map<string, ChunkCounts>>();
  private readonly batches = new Map<string, StreamingBatch>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async claimDedup(claim: DedupClaimRequest): Promise<DedupClaim> {
    const holder = this.markers.get(markerOf(claim.marker));
    const free =
      holder === undefined ||
      (holder.owner === claim.owner && holder.chunk === claim.chunk) ||
      holder.expiresAt < this.now().getTime();
    if (!free) return { claimed: false, holder: holderOf(holder) };
    this.markers.set(markerOf(claim.marker), fresh(claim));
    return { claimed: true };
  }

  async takeOverDedup(claim: DedupClaimRequest, from: DedupHolder): Promise<boolean> {
    const holder = this.markers.get(markerOf(claim.marker));
    if (holder?.owner !== from.owner || holder.chunk !== from.chunk) return false;
    this.markers.set(markerOf(claim.marker), fresh(claim));
    return true;
  }

  async markDedupWritten(marker: OwnedMarker, chunk: string, written: boolean): Promise<void> {
    const holder = this.markers.get(markerOf(marker));
    if (holder?.owner !== marker.owner || holder.chunk !== chunk) return;
    this.markers.set(markerOf(marker), { ...holder, written });
  }

  /** Forgets every chunk manifest, as their time-to-live does after eight days. */
  expireManifests(): void {
    this.manifests.clear();
  }

  async chunkManifest(chunk: string): Promise<ChunkManifest | undefined> {
    return this.manifests.get(chunk);
  }

  async putChunkManifest(chunk: string, manifest: ChunkManifest): Promise<void> {
    this.manifests.set(chunk, manifest);
  }

  async putChunk(sandbox: string, batchId: string, counts: ChunkCounts): Promise<void> {
    const key = `${sandbox}\n${batchId}`;
    const chunks = this.chunks.get(key) ?? new Map<string, ChunkCounts>();
    chunks.set(counts.chunk, counts);
    this.chunks.set(key, chunks);
  }

  async deleteChunk(sandbox: string, batchId: string, chunk: string): Promise<void> {
    this.chunks.get(`${sandbox}\n${batchId}`)?.delete(chunk);
  }

  async ensureBatch(batch: StreamingBatch): Promise<void> {
    const key = `${batch.sandbox}\n${batch.batchId}`;
    if (!this.batches.has(key)) this.batches.set(key, batch);
  }

  async getBatch(sandbox: string, batchId: string): Promise<StreamingBatch | undefined> {
    return this.batches.get(`${sandbox}\n${batchId}`);
  }

  async chunksOf(sandbox: string, batchId: string): Promise<ChunkCounts[]> {
    return [...(this.chunks.get(`${sandbox}\n${batchId}`)?.values() ?? [])];
  }

  /** Every chunk's counts across every batch, for tests that reconcile totals. */
  allChunks(): ChunkCounts[] {
    return [...this.chunks.values()].flatMap((chunks) => [...chunks.values()]);
  }

  async listBatches(
    sandbox: string,
    filter: BatchListFilter,
    page: PageRequest,
  ): Promise<Page<StreamingBatch>> {
    const items = [...this.batches.values()]
      .filter((batch) => batch.sandbox === sandbox)
      .filter((batch) => filter.datasetId === undefined || batch.datasetId === filter.datasetId)
      .sort((a, b) => b.windowStart.localeCompare(a.windowStart))
      .slice(0, page.limit);
    return { items };
  }
}

/** Stream progress in memory: the highest put per window and shard, the highest consumed per shard. */
export class MemoryStreamProgress implements StreamProgress {
  private readonly puts = new Map<string, Map<string, string>>();
  readonly consumed = new Map<string, string>();

  async recordPut(windowStarts: readonly string[], shardId: string, sequenceNumber: string): Promise<void> {
    for (const windowStart of windowStarts) {
      const shards = this.puts.get(windowStart) ?? new Map<string, string>();
      shards.set(shardId, higher(shards.get(shardId), sequenceNumber));
      this.puts.set(windowStart, shards);
    }
  }

  async recordConsumed(shardId: string, sequenceNumber: string): Promise<void> {
    this.consumed.set(shardId, higher(this.consumed.get(shardId), sequenceNumber));
  }

  async putsOf(windowStart: string): Promise<ReadonlyMap<string, string>> {
    return new Map(this.puts.get(windowStart));
  }

  async consumedOf(shardIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    return new Map(
      shardIds.flatMap((shardId) => {
        const done = this.consumed.get(shardId);
        return done === undefined ? [] : [[shardId, done] as const];
      }),
    );
  }
}

const higher = (known: string | undefined, candidate: string) =>
  known !== undefined && compareSequenceNumbers(known, candidate) >= 0 ? known : candidate;
