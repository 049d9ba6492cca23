/** In-memory stand-ins for the uploads' ports, and a file batch to upload into. */
import { Readable } from 'node:stream';
import { DEFAULT_BATCH_GUARDRAILS, type BatchGuardrails } from '../../lambdas/core/batches/batch-guardrails';
import type { FileBatch, FilePart } from '../../lambdas/core/batches/file-batch-types';
import type { ByteSource } from '../../lambdas/core/files/file-format-types';
import { checkReadRange, slicesOf } from '../../lambdas/core/batches/uploads/byte-ranges';
import type {
  BatchFileStore,
  FileBatchReader,
  FileRef,
  LandingObjects,
  PresignedPut,
  PutGrant,
  StoredFile,
  WrittenObject,
} from '../../lambdas/core/batches/uploads/upload-ports';
import { UploadService } from '../../lambdas/core/batches/uploads/upload-service';

export const SANDBOX = 'prod';
export const BATCH_ID = 'batch-1';
export const DATASET_ID = 'ds-1';
export const NOW = new Date('2024-06-01T12:00:00.000Z');

const batchKey = (sandbox: string, batchId: string) => JSON.stringify([sandbox, batchId]);
const fileKey = (datasetId: string, path: string) => JSON.stringify([datasetId, path]);
const refKey = (ref: FileRef) => JSON.stringify([ref.sandbox, ref.batchId, ref.datasetId, ref.path]);

export class MemoryBatchFileStore implements BatchFileStore {
  /** Files by batch, then by dataset and path. */
  readonly files = new Map<string, Map<string, StoredFile>>();
  readonly parts = new Map<string, Map<string, FilePart>>();

  async getFile(ref: FileRef): Promise<StoredFile | undefined> {
    return this.files.get(batchKey(ref.sandbox, ref.batchId))?.get(fileKey(ref.datasetId, ref.path));
  }

  async putFile(sandbox: string, batchId: string, file: StoredFile): Promise<void> {
    const files = this.files.get(batchKey(sandbox, batchId)) ?? new Map<string, StoredFile>();
    files.set(fileKey(file.datasetId, file.path), file);
    this.files.set(batchKey(sandbox, batchId), files);
  }

  async listFiles(sandbox: string, batchId: string): Promise<StoredFile[]> {
    return [...(this.files.get(batchKey(sandbox, batchId))?.values() ?? [])];
  }

  async putPart(ref: FileRef, part: FilePart): Promise<void> {
    const parts = this.parts.get(refKey(ref)) ?? new Map<string, FilePart>();
    parts.set(`${part.start}-${part.end}`, part);
    this.parts.set(refKey(ref), parts);
  }

  async listParts(ref: FileRef): Promise<FilePart[]> {
    // Reversed: the port promises no order, so the service must sort.
    return [...(this.parts.get(refKey(ref))?.values() ?? [])].reverse();
  }

  async deleteParts(ref: FileRef): Promise<void> {
    this.parts.delete(refKey(ref));
  }
}

/**
 * The landing bucket, keeping versions as S3 does in a versioned bucket: `objects` holds each key's current bytes,
 * every write makes a new version, and a read of a part that names a version reads that version.
 */
export class MemoryLandingObjects implements LandingObjects {
  readonly objects = new Map<string, Buffer>();
  readonly presigned: ({ key: string } & PutGrant)[] = [];
  private readonly versions = new Map<string, Map<string, Buffer>>();
  private readonly current = new Map<string, string>();
  private written = 0;

  async put(key: string, bytes: Uint8Array): Promise<WrittenObject> {
    this.written += 1;
    const versionId = `v${this.written}`;
    const body = Buffer.from(bytes);
    this.objects.set(key, body);
    this.versions.set(key, (this.versions.get(key) ?? new Map<string, Buffer>()).set(versionId, body));
    this.current.set(key, versionId);
    return { versionId };
  }

  async head(key: string): Promise<({ size: number } & WrittenObject) | undefined> {
    const bytes = this.objects.get(key);
    const versionId = this.current.get(key);
    return bytes ? { size: bytes.length, ...(versionId ? { versionId } : {}) } : undefined;
  }

  async presignPut(key: string, grant: PutGrant): Promise<PresignedPut> {
    this.presigned.push({ key, ...grant });
    return {
      url: `https://landing.example/${key}?X-Amz-Expires=${grant.expiresInSeconds}`,
      headers: { 'content-length': String(grant.sizeInBytes), 'if-none-match': '*' },
    };
  }

  /** Removes the current object (a delete marker); its versions stay readable by id. */
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
    this.current.delete(key);
  }

  /** The bytes of the part's version, or of the key's current object when the part names none. */
  bytesOf(part: Pick<FilePart, 'key' | 'versionId'>): Buffer {
    if (part.versionId === undefined) return this.objects.get(part.key) ?? Buffer.alloc(0);
    const version = this.versions.get(part.key)?.get(part.versionId);
    if (!version) throw new Error(`NoSuchVersion: ${part.key} ${part.versionId}`);
    return version;
  }

  byteSource(parts: readonly FilePart[], size: number): ByteSource {
    return {
      size,
      read: async (start, end) => {
        checkReadRange(start, end, size);
        const slices = slicesOf(parts, start, end).map((slice) =>
          this.bytesOf(slice).subarray(slice.from, slice.to),
        );
        return Readable.from([Buffer.concat(slices)]);
      },
    };
  }
}

export class MemoryFileBatches implements FileBatchReader {
  readonly batches = new Map<string, FileBatch>();

  async getFileBatch(sandbox: string, batchId: string): Promise<FileBatch | undefined> {
    return this.batches.get(batchKey(sandbox, batchId));
  }

  add(batch: FileBatch): void {
    this.batches.set(batchKey(batch.sandbox, batch.batchId), batch);
  }
}

export const fileBatch = (overrides: Partial<FileBatch> = {}): FileBatch => ({
  batchId: BATCH_ID,
  sandbox: SANDBOX,
  datasetId: DATASET_ID,
  type: 'file',
  status: 'loading',
  inputFormat: { format: 'json' },
  externalId: BATCH_ID,
  tags: {},
  enableErrorDiagnostics: false,
  partialIngestionPercent: 5,
  origin: { kind: 'api' },
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  revision: 1,
  ...overrides,
});

export interface UploadWorld {
  readonly service: UploadService;
  readonly store: MemoryBatchFileStore;
  readonly objects: MemoryLandingObjects;
  readonly batches: MemoryFileBatches;
}

/** A service over fresh fakes, with one loading batch for DATASET_ID. */
export function uploadWorld(guardrails: Partial<BatchGuardrails> = {}): UploadWorld {
  const store = new MemoryBatchFileStore();
  const objects = new MemoryLandingObjects();
  const batches = new MemoryFileBatches();
  batches.add(fileBatch());
  const service = new UploadService({
    store,
    objects,
    batches,
    guardrails: { ...DEFAULT_BATCH_GUARDRAILS, ...guardrails },
    now: () => NOW,
  });
  return { service, store, objects, batches };
}

export async function readAll(source: ByteSource, start = 0, end = source.size): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await source.read(start, end)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/** What the operation failed with (the test fails if it succeeded), so Act can run steps in order. */
export async function failureOf(operation: Promise<unknown>): Promise<unknown> {
  try {
    await operation;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail');
}
