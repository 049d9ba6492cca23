/** Files dropped in the landing bucket as S3 notifies them, over the in-memory ingestion world. */
import { createHash } from 'node:crypto';
import { FILE_DROP_PREFIX } from '../../lambdas/core/batches/file-drop-key';
import { dropBatchId, type DroppedObject, type FileDropDeps } from '../../lambdas/core/batches/file-drop';
import { fileBatchServiceOf, ingestWorld, type IngestWorld } from './memory-file-batches';
import { DATASET_ID, SANDBOX } from './memory-uploads';

export const EVENT_TIME = '2024-06-01T11:00:00.000Z';

/** A fresh ingestion world and the file drop's ports over it. */
export function dropWorld(): { world: IngestWorld; deps: FileDropDeps } {
  const world = ingestWorld();
  const deps: FileDropDeps = {
    fileBatches: fileBatchServiceOf(world),
    files: world.files,
    sources: world.deps.sources,
  };
  return { world, deps };
}

/** Writes the object to the landing bucket and answers its notification, as S3 sends it: version and ETag. */
export async function dropped(
  world: IngestWorld,
  path: string,
  content: string | Uint8Array,
): Promise<DroppedObject> {
  const key = `${FILE_DROP_PREFIX}${SANDBOX}/${DATASET_ID}/${path}`;
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const { versionId } = await world.landing.put(key, bytes);
  const eTag = createHash('md5').update(bytes).digest('hex');
  return { key, size: bytes.length, ...(versionId ? { versionId } : {}), eTag, eventTime: EVENT_TIME };
}

export const batchIdOf = (object: DroppedObject) => dropBatchId(object.key, object.eTag, object.size);
