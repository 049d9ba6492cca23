/**
 * Where uploaded bytes live in the landing bucket: a whole file (PUT or presigned URL) at
 * `uploads/{sandbox}/{batchId}/{datasetId}/{path}`, each ranged part beside it at `{that key}.parts/{start}-{end}`
 * (`[start, end)`, as FilePart), so a part re-sent with the same range overwrites itself.
 */
import { partSk } from '../batch-keys';
import { PARTS_FOLDER_SUFFIX } from './file-path';
import type { FileRef } from './upload-ports';

/** The longest key S3 accepts, and the longest sort key DynamoDB accepts, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

export const wholeFileKey = (ref: FileRef) =>
  `uploads/${ref.sandbox}/${ref.batchId}/${ref.datasetId}/${ref.path}`;

export const partObjectKey = (ref: FileRef, start: number, end: number) =>
  `${wholeFileKey(ref)}${PARTS_FOLDER_SUFFIX}/${start}-${end}`;

/**
 * Whether every key the file can need fits S3's and DynamoDB's limits: its longest part key (offsets as large as
 * `maxOffset`) and its longest part sort key (the path URI-encoded, which can triple its length).
 */
export function storageKeysFit(ref: FileRef, maxOffset: number): boolean {
  const longest = [
    partObjectKey(ref, maxOffset, maxOffset),
    partSk(ref.datasetId, ref.path, maxOffset, maxOffset),
  ];
  return longest.every((key) => Buffer.byteLength(key, 'utf8') <= MAX_KEY_BYTES);
}
