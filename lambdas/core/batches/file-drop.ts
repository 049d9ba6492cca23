/**
 * File drops: an object written under `landing/{sandbox}/{datasetId}/` in the landing bucket becomes a file batch
 * of its own — one batch per file — read in place (no copy), and completed at once, through the same workflow as
 * batches of the API. The format comes from the file name: `.csv`, `.tsv`, `.parquet`, `.json` / `.jsonl` /
 * `.ndjson` (a `.json` or `.json.gz` file whose first character is `[` is one JSON array), each optionally `.gz`.
 *
 * Every read of the file asks for the version the notification names (the landing bucket keeps versions), so a
 * second write of the key while the first is being ingested changes nothing of the first batch; an object without
 * a version cannot be read safely and its batch fails saying so. The batch id is derived from the key and the
 * content (ETag and size): a redelivered notification, or the same content dropped again, completes the same batch
 * instead of making a second one.
 */
import { createHash } from 'node:crypto';
import type { BatchFailure, BatchFile, FilePart } from './file-batch-types';
import type { FileBatchService } from './file-batches';
import { droppedFileOf } from './file-drop-key';
import type { ByteSource, InputFormat } from '../files/file-format-types';
import { FILE_NAME_EXTENSIONS, inputFormatOf, namedFormatOf } from '../files/file-names';

export interface DroppedObject {
  readonly key: string;
  readonly size: number;
  /** The version the write made; absent when the bucket keeps no versions. */
  readonly versionId?: string;
  /** What tells one content of the key from another: S3's ETag of the write. */
  readonly eTag: string;
  /** ISO 8601 time of the write. */
  readonly eventTime: string;
}

export interface FileDropDeps {
  readonly fileBatches: Pick<FileBatchService, 'create' | 'complete' | 'rejectDrop'>;
  readonly files: { putFile(sandbox: string, batchId: string, file: BatchFile): Promise<void> };
  readonly sources: { byteSource(parts: readonly FilePart[], size: number): ByteSource };
}

export type DropOutcome =
  { readonly batchId: string; readonly status: string } | { readonly ignored: string };

/** Id of the batch of one content of one key: 26 characters of Crockford base32, like the API's ULIDs. */
export function dropBatchId(key: string, eTag: string, size: number): string {
  const digest = createHash('sha256').update(`${key}\n${eTag}\n${size}`).digest();
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return Array.from(digest.subarray(0, 26), (byte) => alphabet[byte % 32]).join('');
}

export const UNVERSIONED_OBJECT = 'unversioned-object';

export async function ingestDroppedFile(deps: FileDropDeps, object: DroppedObject): Promise<DropOutcome> {
  const dropped = droppedFileOf(object.key);
  if (!dropped) return { ignored: `${object.key} is not under landing/{sandbox}/{datasetId}/` };
  const { sandbox, datasetId, path } = dropped;
  const identity = {
    batchId: dropBatchId(object.key, object.eTag, object.size),
    createdAt: object.eventTime,
  };
  const { versionId } = object;
  const named = namedFormatOf(path);
  const origin = { kind: 'file-drop', key: object.key } as const;
  /** A drop that cannot become data still becomes a batch, failed saying why, so it is visible. */
  const reject = async (failure: BatchFailure): Promise<DropOutcome> => {
    const inputFormat = named ? inputFormatOf(named) : { format: 'json' as const };
    await deps.fileBatches.create(sandbox, { datasetId, inputFormat }, origin, identity);
    const rejected = await deps.fileBatches.rejectDrop(sandbox, identity.batchId, failure);
    return { batchId: identity.batchId, status: rejected.status };
  };
  if (!named) {
    return reject({
      code: 'unsupported-file-type',
      message: `${path}: the file name names no format (${FILE_NAME_EXTENSIONS}, each optionally .gz)`,
    });
  }
  if (versionId === undefined) {
    return reject({
      code: UNVERSIONED_OBJECT,
      message: `${path}: the landing bucket keeps no versions, so the file could change while it is read; it was not ingested (enable versioning on the bucket, then drop the file again)`,
    });
  }
  const parts: FilePart[] = [{ key: object.key, start: 0, end: object.size, versionId }];
  const sniffed = named.sniff ? await named.sniff(deps.sources.byteSource(parts, object.size)) : {};
  const inputFormat: InputFormat = { ...inputFormatOf(named), ...sniffed };
  const batch = await deps.fileBatches.create(sandbox, { datasetId, inputFormat }, origin, identity);
  // The same content dropped again finds its batch past loading: it is answered (or resumed), not rewritten.
  if (batch.status === 'loading') {
    await deps.files.putFile(sandbox, identity.batchId, {
      datasetId,
      path,
      state: 'complete',
      size: object.size,
      parts,
      updatedAt: object.eventTime,
    });
  }
  const completed = await deps.fileBatches.complete(sandbox, identity.batchId);
  return { batchId: identity.batchId, status: completed.status };
}
