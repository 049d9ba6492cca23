/**
 * What uploads reach the world through: the file and part items of a batch (batches table), the objects of the
 * landing bucket, and the batch itself (read only: its status and dataset decide whether files may be written).
 */
import type { BatchFile, FileBatch, FilePart } from '../file-batch-types';
import type { ByteSource } from '../../files/file-format-types';

/** One file of one batch, as the upload URL names it. */
export interface FileRef {
  readonly sandbox: string;
  readonly batchId: string;
  readonly datasetId: string;
  readonly path: string;
}

/** A file as the uploads keep it: a ranged upload may have declared its total length (`Content-Range: …/{total}`). */
export interface StoredFile extends BatchFile {
  readonly expectedSize?: number;
}

export interface BatchFileStore {
  getFile(ref: FileRef): Promise<StoredFile | undefined>;
  /** Creates or replaces the file item. */
  putFile(sandbox: string, batchId: string, file: StoredFile): Promise<void>;
  /** Every file of the batch, all datasets (the store reads as many pages as it takes). */
  listFiles(sandbox: string, batchId: string): Promise<StoredFile[]>;
  /** Records a received part; a part with the same range replaces it. */
  putPart(ref: FileRef, part: FilePart): Promise<void>;
  /** The parts received for the file, in no promised order. */
  listParts(ref: FileRef): Promise<FilePart[]>;
  /** Forgets every part of the file (not their objects). */
  deleteParts(ref: FileRef): Promise<void>;
}

/** A written object as the landing bucket describes it: its version (the bucket keeps versions). */
export interface WrittenObject {
  readonly versionId?: string;
}

export interface LandingObjects {
  put(key: string, bytes: Uint8Array): Promise<WrittenObject>;
  /** The object's current version: its size and version id. */
  head(key: string): Promise<({ readonly size: number } & WrittenObject) | undefined>;
  /**
   * A URL that lets whoever holds it PUT the object at `key` once, until it expires, with a body of exactly
   * `sizeInBytes` bytes: the length and the condition that no object is there yet are signed, so the store refuses
   * any other length, and any write once the object exists.
   */
  presignPut(key: string, grant: PutGrant): Promise<PresignedPut>;
  delete(key: string): Promise<void>;
  /** The bytes of a file stored as these parts (in order, covering `[0, size)`), each of its part's version. */
  byteSource(parts: readonly FilePart[], size: number): ByteSource;
}

/** What a presigned PUT allows. */
export interface PutGrant {
  readonly expiresInSeconds: number;
  readonly sizeInBytes: number;
}

export interface PresignedPut {
  readonly url: string;
  /** The signed headers the PUT must carry, as signed. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface FileBatchReader {
  getFileBatch(sandbox: string, batchId: string): Promise<FileBatch | undefined>;
}
