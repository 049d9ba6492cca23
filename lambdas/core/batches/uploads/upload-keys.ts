/**
 * Where uploaded bytes live in the landing bucket: a whole file (PUT) at
 * `uploads/{sandbox}/{batchId}/{datasetId}/{path}`, each ranged part beside it at `{that key}.parts/{start}-{end}`
 * (`[start, end)`, as FilePart), so a part re-sent with the same range overwrites itself, and each presigned
 * upload at a key of its own, `{that key}.parts/url-{nonce}`: a URL handed out earlier for the same path can only
 * write its own key, which the file no longer names.
 */
import { randomBytes } from 'node:crypto';
import { partSk } from '../batch-keys';
import { PARTS_FOLDER_SUFFIX } from './file-path';
import type { FileRef } from './upload-ports';

/** The longest key S3 accepts, and the longest sort key DynamoDB accepts, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

export const wholeFileKey = (ref: FileRef) =>
  `uploads/${ref.sandbox}/${ref.batchId}/${ref.datasetId}/${ref.path}`;

export const partObjectKey = (ref: FileRef, start: number, end: number) =>
  `${wholeFileKey(ref)}${PARTS_FOLDER_SUFFIX}/${start}-${end}`;

/** 64 random bits: a URL's key cannot be guessed from another's, nor collide with one of the same path. */
const NONCE_BYTES = 8;

export const newUploadNonce = (): string => randomBytes(NONCE_BYTES).toString('hex');

export const presignedObjectKey = (ref: FileRef, nonce: string) =>
  `${wholeFileKey(ref)}${PARTS_FOLDER_SUFFIX}/url-${nonce}`;

/**
 * Whether every key the file can need fits S3's and DynamoDB's limits: its longest part key (offsets as large as
 * `maxOffset`), its presigned upload's key and its longest part sort key (the path URI-encoded, which can triple
 * its length).
 */
export function storageKeysFit(ref: FileRef, maxOffset: number): boolean {
  const longest = [
    partObjectKey(ref, maxOffset, maxOffset),
    presignedObjectKey(ref, '0'.repeat(NONCE_BYTES * 2)),
    partSk(ref.datasetId, ref.path, maxOffset, maxOffset),
  ];
  return longest.every((key) => Buffer.byteLength(key, 'utf8') <= MAX_KEY_BYTES);
}
