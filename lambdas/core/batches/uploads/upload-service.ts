/**
 * Files into a file batch, as Experience Platform's batch import API takes them: whole (PUT, idempotent), in
 * ranges that can be resumed (INITIALIZE, PATCH with `Content-Range`, HEAD for what arrived, COMPLETE), or through a
 * presigned S3 URL for files beyond API Gateway's payload limit. Ranged parts stay separate objects: a complete file
 * is described by its parts, and readers read across them, so nothing is ever copied.
 */
import { toPointer } from '../../input';
import { invalid, conflict, notFound, tooLarge } from '../../errors/domain-error';
import type { BatchGuardrails } from '../batch-guardrails';
import type { BatchFile, FilePart } from '../file-batch-types';
import {
  byStartThenEnd,
  coverageOf,
  inclusiveText,
  mergeRanges,
  totalBytes,
  type ByteRange,
} from './byte-ranges';
import { invalidContentRange, parseContentRange, type ReceivedRange } from './content-range';
import { invalidFilePath, parseFilePath } from './file-path';
import { batchTooLarge, checkBatchBytes, checkFileCount } from './upload-guardrails';
import {
  newUploadNonce,
  partObjectKey,
  presignedObjectKey,
  storageKeysFit,
  wholeFileKey,
} from './upload-keys';
import type { BatchFileStore, FileBatchReader, FileRef, LandingObjects, StoredFile } from './upload-ports';

/**
 * Fifteen minutes to start the upload: S3 checks a presigned URL's expiry when the request arrives, not when its
 * body ends, so a large file started in time still completes. Short, because the URL is a bearer credential.
 */
export const DEFAULT_PRESIGN_EXPIRY_SECONDS = 900;

/** S3's largest single PUT (5 GiB): a larger file is uploaded in ranges. */
export const MAX_PRESIGNED_UPLOAD_BYTES = 5 * 1024 ** 3;

export interface UploadServiceDeps {
  readonly store: BatchFileStore;
  readonly objects: LandingObjects;
  readonly batches: FileBatchReader;
  readonly guardrails: BatchGuardrails;
  readonly now: () => Date;
  readonly presignExpirySeconds?: number;
}

export interface FileUpload {
  /** False when the path already held a file (the upload replaced or resumed it). */
  readonly created: boolean;
  readonly file: StoredFile;
}

/** What has arrived of a file: merged `[start, end)` ranges. */
export interface UploadProgress {
  readonly state: BatchFile['state'];
  readonly ranges: ByteRange[];
  readonly receivedBytes: number;
  /** The total declared by a `Content-Range`, or the size of a complete file. */
  readonly expectedSize?: number;
}

export interface UploadUrl {
  readonly url: string;
  readonly method: 'PUT';
  readonly expiresAt: string;
  /** Headers the PUT must carry as they are: the signed length of the body, and that the URL writes only once. */
  readonly headers: Readonly<Record<string, string>>;
}

const isSameFile = (file: BatchFile, ref: FileRef) =>
  file.datasetId === ref.datasetId && file.path === ref.path;

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** By code unit, not locale: the order must not change with the runtime's locale data. */
const byDatasetThenPath = (a: BatchFile, b: BatchFile) =>
  compareText(a.datasetId, b.datasetId) || compareText(a.path, b.path);

function progressOf(
  state: BatchFile['state'],
  received: readonly ByteRange[],
  expectedSize?: number,
): UploadProgress {
  return {
    state,
    ranges: mergeRanges(received),
    receivedBytes: totalBytes(received),
    ...(expectedSize === undefined ? {} : { expectedSize }),
  };
}

const notInitialized = (ref: FileRef, file: StoredFile | undefined) =>
  conflict(
    'upload-not-initialized',
    file
      ? `file '${ref.path}' is ${file.state}; POST ?action=INITIALIZE to upload it in ranges again`
      : `file '${ref.path}' has not been initialized; POST ?action=INITIALIZE first`,
  );

const rangesText = (ranges: readonly ByteRange[]) => ranges.map((range) => `bytes ${inclusiveText(range)}`);

/** A range must keep to the total the file declared, and may not declare another. */
function checkAgainstTotal(range: ReceivedRange, declared: number | undefined): void {
  if (declared === undefined) return;
  if (range.total !== undefined && range.total !== declared) {
    throw invalidContentRange(`declares a total of ${range.total} bytes; the file's total is ${declared}`);
  }
  if (range.end > declared) throw invalidContentRange(`ends beyond the file's total of ${declared} bytes`);
}

function checkCoverage(ref: FileRef, parts: readonly FilePart[], expectedSize: number | undefined): void {
  const { gaps, overlaps } = coverageOf(parts, expectedSize);
  if (overlaps.length > 0) {
    const pairs = overlaps.map((pair) => rangesText(pair).join(' and '));
    throw invalid(
      'upload-overlap',
      `parts of '${ref.path}' overlap (${pairs.join('; ')}); upload the file again (PUT or an upload URL) to replace them`,
      pairs.map((pair) => ({ pointer: '', keyword: 'upload-overlap', message: `${pair} overlap` })),
    );
  }
  if (gaps.length > 0) {
    const missing = rangesText(gaps);
    throw invalid(
      'upload-gap',
      `${missing.join(', ')} of '${ref.path}' were never received; PATCH them, then COMPLETE again`,
      missing.map((range) => ({ pointer: '', keyword: 'upload-gap', message: `${range} missing` })),
    );
  }
}

/** A part of the object written at `key`, pinned to the version written. */
const partOf = (key: string, start: number, end: number, written: Pick<FilePart, 'versionId'>): FilePart => ({
  key,
  start,
  end,
  ...(written.versionId === undefined ? {} : { versionId: written.versionId }),
});

export class UploadService {
  constructor(private readonly deps: UploadServiceDeps) {}

  /** The whole file in one request; the same path again replaces it (and any ranged parts it had). */
  async putFile(
    sandbox: string,
    batchId: string,
    datasetId: string,
    path: string,
    bytes: Uint8Array,
  ): Promise<FileUpload> {
    const ref = await this.writable(sandbox, batchId, datasetId, path);
    const files = await this.deps.store.listFiles(sandbox, batchId);
    checkFileCount(files, ref, this.deps.guardrails);
    checkBatchBytes(files, ref, bytes.length, this.deps.guardrails);
    await this.closeUploadUrl(files.find((existing) => isSameFile(existing, ref)));
    const key = wholeFileKey(ref);
    const written = await this.deps.objects.put(key, bytes);
    const file = this.complete(ref, [partOf(key, 0, bytes.length, written)], bytes.length);
    await this.deps.store.putFile(sandbox, batchId, file);
    await this.discardParts(ref);
    return { created: !files.some((existing) => isSameFile(existing, ref)), file };
  }

  /**
   * Starts a ranged upload. Again on a file still uploading it keeps the parts received, so a client can resume;
   * on a complete or presigned file it starts over.
   */
  async initialize(sandbox: string, batchId: string, datasetId: string, path: string): Promise<FileUpload> {
    const ref = await this.writable(sandbox, batchId, datasetId, path);
    const existing = await this.deps.store.getFile(ref);
    if (existing?.state === 'uploading') return { created: false, file: existing };
    if (!existing) {
      checkFileCount(await this.deps.store.listFiles(sandbox, batchId), ref, this.deps.guardrails);
    }
    await this.closeUploadUrl(existing);
    const file: StoredFile = { ...this.fileOf(ref, 'uploading', 0), parts: [] };
    await this.deps.store.putFile(sandbox, batchId, file);
    if (existing) await this.discardParts(ref);
    return { created: !existing, file };
  }

  /** Stores one range of a ranged upload as its own object; the same range again replaces it. */
  async patch(
    sandbox: string,
    batchId: string,
    datasetId: string,
    path: string,
    contentRange: string | undefined,
    bytes: Uint8Array,
  ): Promise<UploadProgress> {
    const ref = await this.writable(sandbox, batchId, datasetId, path);
    const range = parseContentRange(contentRange, bytes.length);
    if (range.end > this.deps.guardrails.maxBytesPerBatch) {
      throw batchTooLarge(range.end, this.deps.guardrails);
    }
    const file = await this.deps.store.getFile(ref);
    if (file?.state !== 'uploading') throw notInitialized(ref, file);
    checkAgainstTotal(range, file.expectedSize);
    const key = partObjectKey(ref, range.start, range.end);
    const part = partOf(key, range.start, range.end, await this.deps.objects.put(key, bytes));
    await this.deps.store.putPart(ref, part);
    const parts = await this.deps.store.listParts(ref);
    if (file.expectedSize === undefined && range.total !== undefined) {
      await this.declareTotal(sandbox, batchId, file, parts, range.total);
    }
    return progressOf('uploading', parts, file.expectedSize ?? range.total);
  }

  /** What has arrived of a file (HEAD): `not-found` for a file never started. */
  async receivedRanges(
    sandbox: string,
    batchId: string,
    datasetId: string,
    path: string,
  ): Promise<UploadProgress> {
    const ref = await this.writable(sandbox, batchId, datasetId, path);
    const file = await this.deps.store.getFile(ref);
    if (!file) throw notFound('file', path);
    if (file.state === 'uploading') {
      return progressOf(file.state, await this.deps.store.listParts(ref), file.expectedSize);
    }
    if (file.state === 'complete') return progressOf(file.state, file.parts, file.size);
    const uploaded = await this.uploadedSize(file);
    return progressOf(
      file.state,
      uploaded === undefined ? [] : [{ start: 0, end: uploaded }],
      file.expectedSize,
    );
  }

  /**
   * Completes a ranged upload: its parts must tile `[0, total)` exactly (no gap, no overlap). Completing a complete
   * file answers it as it is (a retried COMPLETE); completing a presigned file checks its object arrived.
   */
  async completeFile(sandbox: string, batchId: string, datasetId: string, path: string): Promise<StoredFile> {
    const ref = await this.writable(sandbox, batchId, datasetId, path);
    const file = await this.deps.store.getFile(ref);
    if (!file) throw notInitialized(ref, file);
    if (file.state === 'complete') return file;
    if (file.state === 'presigned') {
      const settled = await this.settlePresigned(sandbox, batchId, file);
      if (settled.state !== 'complete') {
        throw conflict('upload-not-received', `nothing has been uploaded to the upload URL of '${path}' yet`);
      }
      return settled;
    }
    const parts = byStartThenEnd(await this.deps.store.listParts(ref));
    checkCoverage(ref, parts, file.expectedSize);
    const size = parts.at(-1)?.end ?? 0;
    checkBatchBytes(await this.deps.store.listFiles(sandbox, batchId), ref, size, this.deps.guardrails);
    const completed = this.complete(ref, parts, size);
    await this.deps.store.putFile(sandbox, batchId, completed);
    return completed;
  }

  /**
   * A presigned S3 PUT URL for the whole file of `sizeInBytes` bytes, for files beyond API Gateway's payload limit.
   * The URL signs that length and writes once, to a key of its own: S3 refuses another length, a second upload
   * through it, and the URL after it expires. Whatever the path held before is dropped, and a URL handed out before
   * for it can write only its own key, which the file no longer names; once the batch is completed (every URL of it
   * spent) or aborted, nothing written late is ever read.
   */
  async uploadUrl(
    sandbox: string,
    batchId: string,
    datasetId: string,
    path: string,
    sizeInBytes: number,
  ): Promise<UploadUrl> {
    const ref = await this.writable(sandbox, batchId, datasetId, path);
    if (sizeInBytes > MAX_PRESIGNED_UPLOAD_BYTES) {
      throw tooLarge(
        `an upload URL takes at most ${MAX_PRESIGNED_UPLOAD_BYTES} bytes (S3's largest single PUT); ` +
          'upload a larger file in ranges (POST ?action=INITIALIZE, then PATCH)',
      );
    }
    const files = await this.deps.store.listFiles(sandbox, batchId);
    checkFileCount(files, ref, this.deps.guardrails);
    checkBatchBytes(files, ref, sizeInBytes, this.deps.guardrails);
    const existing = files.find((file) => isSameFile(file, ref));
    await this.closeUploadUrl(existing);
    if (existing) await this.deps.objects.delete(wholeFileKey(ref));
    const key = presignedObjectKey(ref, newUploadNonce());
    const expiresInSeconds = this.deps.presignExpirySeconds ?? DEFAULT_PRESIGN_EXPIRY_SECONDS;
    const { url, headers } = await this.deps.objects.presignPut(key, { expiresInSeconds, sizeInBytes });
    const file: StoredFile = {
      ...this.fileOf(ref, 'presigned', 0),
      parts: [{ key, start: 0, end: 0 }],
      expectedSize: sizeInBytes,
    };
    await this.deps.store.putFile(sandbox, batchId, file);
    await this.discardParts(ref);
    const expiresAt = new Date(this.deps.now().getTime() + expiresInSeconds * 1000).toISOString();
    return { url, method: 'PUT', expiresAt, headers };
  }

  /**
   * The files a batch COMPLETE hands to the workflow, sorted by dataset and path: presigned files whose object has
   * arrived become complete; any file still uploading or awaiting its object fails the COMPLETE. The caller checks
   * the batch itself (a retried COMPLETE finds it past `loading`).
   */
  async filesForCompletion(sandbox: string, batchId: string): Promise<BatchFile[]> {
    const files = await this.deps.store.listFiles(sandbox, batchId);
    if (files.length === 0) {
      throw invalid('no-files', `batch ${batchId} has no files; upload one before COMPLETE`);
    }
    const settled = await Promise.all(
      files.map(async (file) =>
        file.state === 'presigned' ? this.settlePresigned(sandbox, batchId, file) : file,
      ),
    );
    const incomplete = settled.filter((file) => file.state !== 'complete');
    if (incomplete.length > 0) {
      throw invalid(
        'incomplete-files',
        `files of batch ${batchId} are not complete: ${incomplete.map((file) => file.path).join(', ')}`,
        incomplete.map((file) => ({
          pointer: toPointer(['files', file.path]),
          keyword: 'complete',
          message:
            file.state === 'uploading'
              ? 'the ranged upload was not completed (POST ?action=COMPLETE on the file)'
              : 'nothing was uploaded to the upload URL',
        })),
      );
    }
    return settled.sort(byDatasetThenPath);
  }

  /**
   * Closes the upload URLs of the batch's files still waiting for their object: called once the batch stopped
   * loading (ABORT, FAIL), so a URL still within its 15 minutes is refused rather than writing bytes nobody reads.
   */
  async closeUploadUrls(sandbox: string, batchId: string): Promise<void> {
    const files = await this.deps.store.listFiles(sandbox, batchId);
    await Promise.all(files.map((file) => this.closeUploadUrl(file)));
  }

  /** The file named, if the batch exists, is loading, and is for that dataset. */
  private async writable(
    sandbox: string,
    batchId: string,
    datasetId: string,
    path: string,
  ): Promise<FileRef> {
    const batch = await this.deps.batches.getFileBatch(sandbox, batchId);
    if (!batch) throw notFound('batch', batchId);
    if (batch.status !== 'loading') {
      throw conflict(
        'batch-not-loading',
        `batch ${batchId} is ${batch.status}; files are taken only while it is loading`,
      );
    }
    if (datasetId !== batch.datasetId) {
      const message = `batch ${batchId} is for dataset ${batch.datasetId}, not ${datasetId}`;
      throw invalid('dataset-mismatch', message, [{ pointer: '/datasetId', keyword: 'const', message }]);
    }
    const ref = { sandbox, batchId, datasetId, path: parseFilePath(path) };
    if (!storageKeysFit(ref, this.deps.guardrails.maxBytesPerBatch)) {
      throw invalidFilePath('is too long to be stored under its batch and dataset');
    }
    return ref;
  }

  /** Remembers the total a range declared first, unless a part received earlier already lies beyond it. */
  private async declareTotal(
    sandbox: string,
    batchId: string,
    file: StoredFile,
    parts: readonly FilePart[],
    total: number,
  ): Promise<void> {
    const beyond = parts.find((received) => received.end > total);
    if (beyond) {
      throw invalidContentRange(
        `declares a total of ${total} bytes, but bytes ${inclusiveText(beyond)} were received`,
      );
    }
    await this.deps.store.putFile(sandbox, batchId, {
      ...file,
      expectedSize: total,
      updatedAt: this.stamp(),
    });
  }

  /**
   * A presigned file whose object has arrived, as complete (and stored so) with the version that arrived: a client
   * writing to the URL again while the batch is read changes nothing of it. Otherwise the file as it was.
   */
  private async settlePresigned(sandbox: string, batchId: string, file: StoredFile): Promise<StoredFile> {
    const key = file.parts[0]?.key;
    const arrived = key === undefined ? undefined : await this.deps.objects.head(key);
    if (arrived === undefined || key === undefined) return file;
    const ref = { sandbox, batchId, datasetId: file.datasetId, path: file.path };
    const completed = this.complete(ref, [partOf(key, 0, arrived.size, arrived)], arrived.size);
    await this.deps.store.putFile(sandbox, batchId, completed);
    return completed;
  }

  /**
   * Spends the URL of a presigned file whose object never arrived, as the file stops naming it (replaced, or its
   * batch closed): an empty object at its key makes S3 refuse every later write through it (the URL writes only
   * where no object is, `If-None-Match: *`). A URL already used is spent already.
   */
  private async closeUploadUrl(file: StoredFile | undefined): Promise<void> {
    const key = file?.state === 'presigned' ? file.parts[0]?.key : undefined;
    if (key === undefined || (await this.deps.objects.head(key)) !== undefined) return;
    await this.deps.objects.put(key, new Uint8Array(0));
  }

  private async uploadedSize(file: StoredFile): Promise<number | undefined> {
    const key = file.parts[0]?.key;
    return key === undefined ? undefined : (await this.deps.objects.head(key))?.size;
  }

  /** Drops the ranged parts of a file (objects, then items): never the whole-file object, which parts never name. */
  private async discardParts(ref: FileRef): Promise<void> {
    const parts = await this.deps.store.listParts(ref);
    if (parts.length === 0) return;
    await Promise.all(parts.map((part) => this.deps.objects.delete(part.key)));
    await this.deps.store.deleteParts(ref);
  }

  private complete(ref: FileRef, parts: readonly FilePart[], size: number): StoredFile {
    return { ...this.fileOf(ref, 'complete', size), parts };
  }

  private fileOf(ref: FileRef, state: BatchFile['state'], size: number): Omit<StoredFile, 'parts'> {
    return { datasetId: ref.datasetId, path: ref.path, state, size, updatedAt: this.stamp() };
  }

  private stamp(): string {
    return this.deps.now().toISOString();
  }
}
