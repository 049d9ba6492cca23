/**
 * In-memory stand-ins for the stream consumer's S3 and DynamoDB ports, shared by the consumer's unit tests and its
 * benchmark: they answer at once and keep what they are given, so a test can read back what was written and a
 * benchmark run measures the consumer's own code (decode, validate, de-duplicate, profile folding, Parquet
 * encoding), not an emulator.
 */
import type { Page, PageRequest } from '../../lambdas/core/page';
import type {
  BatchListFilter,
  BatchStore,
  ChunkCounts,
  ChunkManifest,
  StreamingBatch,
} from '../../lambdas/core/batches/batch-types';
import type { ObjectReader } from '../../lambdas/core/batches/batch-service';
import type { ObjectWriter } from '../../lambdas/core/streaming/consume-ports';

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

export class MemoryBatchStore implements BatchStore {
  private readonly markers = new Map<string, { owner: string; chunk: string }>();
  private readonly manifests = new Map<string, ChunkManifest>();
  private readonly chunks = new Map<string, Map<string, ChunkCounts>>();
  private readonly batches = new Map<string, StreamingBatch>();

  async claimDedup(sandbox: string, datasetId: string, key: string, owner: string, chunk: string) {
    const marker = `${sandbox}\n${datasetId}\n${key}`;
    const holder = this.markers.get(marker);
    if (holder !== undefined && holder.owner !== owner) return { claimed: false as const, holder };
    this.markers.set(marker, { owner, chunk });
    return { claimed: true as const };
  }

  async takeOverDedup(
    sandbox: string,
    datasetId: string,
    key: string,
    from: string,
    owner: string,
    chunk: string,
  ) {
    const marker = `${sandbox}\n${datasetId}\n${key}`;
    if (this.markers.get(marker)?.owner !== from) return false;
    this.markers.set(marker, { owner, chunk });
    return true;
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
