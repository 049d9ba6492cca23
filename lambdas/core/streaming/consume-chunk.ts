/**
 * Writing one invocation's chunk (docs/streaming.md, "Bisected halves"): the lake and quarantine objects, the chunk
 * counts and batch items, under a chunk manifest that lets a re-run of the same chunk name — a retry, or a bisected
 * first half that writes less — remove what it no longer writes, and the `written` mark on the identity markers of
 * the records it put in the lake.
 *
 * Order, so that a crash at any point leaves a state the next run repairs and a marker marked `written` always
 * names a message that is in the lake:
 *  1. record the union of what the previous run and this run write (the manifest names every object that may exist);
 *  2. un-mark the markers the previous run marked and this run does not write, before their objects change;
 *  3. write the objects, chunk items and batches; delete the previous run's objects and items this run does not write;
 *  4. mark this run's markers `written`;
 *  5. commit the manifest: this run's writes only, `committed`, with the stream records it put in the lake.
 */
import type { ConsumeDeps } from './consume-ports';
import { DEDUP_PARALLEL_CLAIMS } from './consume-dedup';
import { PARQUET_CONTENT_TYPE } from '../lake/parquet-lake-file';
import { STREAMING_BATCH_WINDOW_MINUTES } from './stream-message';
import type { ChunkCounts } from '../lake/chunk-counts';
import type { ChunkManifest, OwnedMarker } from './stream-batch-store';

export const JSON_LINES_CONTENT_TYPE = 'application/x-ndjson';

/** What one chunk writes for one (sandbox, dataset, batch). */
export interface GroupWrite {
  readonly sandbox: string;
  readonly datasetId: string;
  readonly batchId: string;
  readonly windowStart: Date;
  readonly lake?: { key: string; body: Uint8Array };
  readonly quarantine?: { key: string; body: Uint8Array };
  readonly counts: ChunkCounts;
}

/** A record this chunk puts in the lake: its stream record and its identity marker. */
export type WrittenRecord = OwnedMarker;

const manifestOf = (writes: readonly GroupWrite[], written: readonly WrittenRecord[]): ChunkManifest => ({
  lakeKeys: writes.flatMap((write) => (write.lake ? [write.lake.key] : [])),
  quarantineKeys: writes.flatMap((write) => (write.quarantine ? [write.quarantine.key] : [])),
  chunkItems: writes.map(({ sandbox, batchId }) => ({ sandbox, batchId })),
  markers: written,
});

const itemKey = (item: { sandbox: string; batchId: string }) => `${item.sandbox}\n${item.batchId}`;
const markerKey = (marker: OwnedMarker) =>
  `${marker.sandbox}\n${marker.datasetId}\n${marker.key}\n${marker.owner}`;

/** What `previous` names that `current` does not. */
function without(
  previous: ChunkManifest,
  current: ChunkManifest,
): Required<Omit<ChunkManifest, 'committed' | 'writtenOwners'>> {
  const items = new Set(current.chunkItems.map(itemKey));
  const markers = new Set((current.markers ?? []).map(markerKey));
  return {
    lakeKeys: previous.lakeKeys.filter((key) => !current.lakeKeys.includes(key)),
    quarantineKeys: previous.quarantineKeys.filter((key) => !current.quarantineKeys.includes(key)),
    chunkItems: previous.chunkItems.filter((item) => !items.has(itemKey(item))),
    markers: (previous.markers ?? []).filter((marker) => !markers.has(markerKey(marker))),
  };
}

const union = (a: ChunkManifest, b: ChunkManifest): ChunkManifest => {
  const extra = without(b, a);
  return {
    lakeKeys: [...a.lakeKeys, ...extra.lakeKeys],
    quarantineKeys: [...a.quarantineKeys, ...extra.quarantineKeys],
    chunkItems: [...a.chunkItems, ...extra.chunkItems],
    markers: [...(a.markers ?? []), ...extra.markers],
  };
};

const isEmpty = (manifest: ChunkManifest) =>
  manifest.lakeKeys.length +
    manifest.quarantineKeys.length +
    manifest.chunkItems.length +
    (manifest.markers ?? []).length ===
  0;

/** Runs `task` over the values, DEDUP_PARALLEL_CLAIMS at a time. */
export async function inSlices<T>(values: readonly T[], task: (value: T) => Promise<unknown>): Promise<void> {
  for (let offset = 0; offset < values.length; offset += DEDUP_PARALLEL_CLAIMS)
    await Promise.all(values.slice(offset, offset + DEDUP_PARALLEL_CLAIMS).map(task));
}

export async function writeChunk(
  deps: Pick<ConsumeDeps, 'batches' | 'lake' | 'quarantine' | 'now'>,
  chunk: string,
  writes: readonly GroupWrite[],
  written: readonly WrittenRecord[],
): Promise<void> {
  const current = manifestOf(writes, written);
  const previous = await deps.batches.chunkManifest(chunk);
  if (previous) await deps.batches.putChunkManifest(chunk, union(current, previous));
  else if (!isEmpty(current)) await deps.batches.putChunkManifest(chunk, current);
  const stale = previous ? without(previous, current) : undefined;
  if (stale) await inSlices(stale.markers, (marker) => deps.batches.markDedupWritten(marker, chunk, false));
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
  if (stale) {
    await Promise.all([
      ...stale.lakeKeys.map((key) => deps.lake.delete(key)),
      ...stale.quarantineKeys.map((key) => deps.quarantine.delete(key)),
      ...stale.chunkItems.map((item) => deps.batches.deleteChunk(item.sandbox, item.batchId, chunk)),
    ]);
  }
  await inSlices(written, (marker) => deps.batches.markDedupWritten(marker, chunk, true));
  // Last: the chunk is complete, and it names the records it put in the lake (see Deduplicator.wasWritten).
  await deps.batches.putChunkManifest(chunk, {
    ...current,
    committed: true,
    writtenOwners: written.map((record) => record.owner),
  });
}

/**
 * Undoes a chunk that never committed and never will (Lambda gave up on its records): its objects, chunk items and
 * `written` marks go, and its manifest is committed empty. A committed chunk is left alone. Answers whether
 * anything was rolled back.
 */
export async function rollBackChunk(
  deps: Pick<ConsumeDeps, 'batches' | 'lake' | 'quarantine' | 'now'>,
  chunk: string,
): Promise<boolean> {
  const manifest = await deps.batches.chunkManifest(chunk);
  if (!manifest || manifest.committed === true) return false;
  await writeChunk(deps, chunk, [], []);
  return true;
}
