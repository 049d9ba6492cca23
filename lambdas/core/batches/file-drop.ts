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
import { constants, createGunzip } from 'node:zlib';
import type { BatchFailure, BatchFile, FilePart } from './file-batch-types';
import type { FileBatchService } from './file-batches';
import { droppedFileOf } from './file-drop-key';
import type { ByteSource, InputFormat } from '../files/file-format-types';

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

const FORMATS: readonly [RegExp, InputFormat][] = [
  [/\.csv$/i, { format: 'csv' }],
  [/\.tsv$/i, { format: 'csv', delimiter: '\t' }],
  [/\.parquet$/i, { format: 'parquet' }],
  [/\.(jsonl|ndjson)$/i, { format: 'json' }],
  [/\.json$/i, { format: 'json' }],
];

/** The format a file name names, or undefined; a `.gz` suffix is looked through (the readers detect gzip). */
export function formatOfName(path: string): InputFormat | undefined {
  const name = path.replace(/\.gz$/i, '');
  return FORMATS.find(([pattern]) => pattern.test(name))?.[1];
}

/** Id of the batch of one content of one key: 26 characters of Crockford base32, like the API's ULIDs. */
export function dropBatchId(key: string, eTag: string, size: number): string {
  const digest = createHash('sha256').update(`${key}\n${eTag}\n${size}`).digest();
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return Array.from(digest.subarray(0, 26), (byte) => alphabet[byte % 32]).join('');
}

export const UNVERSIONED_OBJECT = 'unversioned-object';

/** Bytes read to find a file's first character: enough for a BOM, indentation and a gzip header. */
const SNIFF_BYTES = 64 * 1024;

/**
 * Text the sniff inflates a gzip head to, at most: as much as it reads of a plain file. Those 64 KiB of gzip could
 * inflate to 64 MiB (a gzip bomb's ratio is about 1,000), all of it held at once; a file whose text does not start
 * within them is not taken for a JSON array (it is read as JSON Lines).
 */
const SNIFF_TEXT_BYTES = SNIFF_BYTES;

/** The head of the text: `head` itself, or what its gzip inflates to, SNIFF_TEXT_BYTES at most. */
async function headText(head: Buffer): Promise<string> {
  if (head[0] !== 0x1f || head[1] !== 0x8b) return head.toString('utf8');
  // Only the head of a gzip member: inflate what is there, without insisting on the end of the stream.
  const gunzip = createGunzip({ finishFlush: constants.Z_SYNC_FLUSH });
  gunzip.end(head);
  const parts: Buffer[] = [];
  let inflated = 0;
  // Leaving the loop destroys the stream: the rest is never inflated.
  for await (const part of gunzip) {
    parts.push(part as Buffer);
    inflated += (part as Buffer).length;
    if (inflated >= SNIFF_TEXT_BYTES) break;
  }
  return Buffer.concat(parts).subarray(0, SNIFF_TEXT_BYTES).toString('utf8');
}

/** Whether the text starts (after a BOM and white space) with `[`, looking through gzip; false when unreadable. */
async function startsWithBracket(source: ByteSource): Promise<boolean> {
  const pieces: Buffer[] = [];
  for await (const piece of await source.read(0, Math.min(source.size, SNIFF_BYTES))) {
    pieces.push(Buffer.from(piece as Uint8Array));
  }
  let text: string;
  try {
    text = await headText(Buffer.concat(pieces));
  } catch {
    return false;
  }
  return text
    .replace(/^\uFEFF/, '')
    .trimStart()
    .startsWith('[');
}

export async function ingestDroppedFile(deps: FileDropDeps, object: DroppedObject): Promise<DropOutcome> {
  const dropped = droppedFileOf(object.key);
  if (!dropped) return { ignored: `${object.key} is not under landing/{sandbox}/{datasetId}/` };
  const { sandbox, datasetId, path } = dropped;
  const identity = {
    batchId: dropBatchId(object.key, object.eTag, object.size),
    createdAt: object.eventTime,
  };
  const { versionId } = object;
  const named = formatOfName(path);
  const origin = { kind: 'file-drop', key: object.key } as const;
  /** A drop that cannot become data still becomes a batch, failed saying why, so it is visible. */
  const reject = async (failure: BatchFailure): Promise<DropOutcome> => {
    const inputFormat = named ?? { format: 'json' as const };
    await deps.fileBatches.create(sandbox, { datasetId, inputFormat }, origin, identity);
    const rejected = await deps.fileBatches.rejectDrop(sandbox, identity.batchId, failure);
    return { batchId: identity.batchId, status: rejected.status };
  };
  if (!named) {
    return reject({
      code: 'unsupported-file-type',
      message: `${path}: the file name names no format (.csv, .tsv, .parquet, .json, .jsonl, .ndjson, each optionally .gz)`,
    });
  }
  if (versionId === undefined) {
    return reject({
      code: UNVERSIONED_OBJECT,
      message: `${path}: the landing bucket keeps no versions, so the file could change while it is read; it was not ingested (enable versioning on the bucket, then drop the file again)`,
    });
  }
  const parts: FilePart[] = [{ key: object.key, start: 0, end: object.size, versionId }];
  const multiLine =
    named.format === 'json' &&
    /\.json(\.gz)?$/i.test(path) &&
    object.size > 0 &&
    (await startsWithBracket(deps.sources.byteSource(parts, object.size)));
  const inputFormat: InputFormat = { ...named, ...(multiLine ? { isMultiLineJson: true } : {}) };
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
