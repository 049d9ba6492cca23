import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBatchFileStore } from '../../lambdas/adapters/dynamo-batch-files';
import { DynamoItems } from '../../lambdas/adapters/dynamo-items';
import { S3LandingObjects } from '../../lambdas/adapters/s3-landing-objects';
import { DEFAULT_BATCH_GUARDRAILS } from '../../lambdas/core/batches/batch-guardrails';
import type { ByteSource } from '../../lambdas/core/files/file-format-types';
import type { FileRef, StoredFile } from '../../lambdas/core/batches/uploads/upload-ports';
import { UploadService } from '../../lambdas/core/batches/uploads/upload-service';
import { createEmulatorClients, type EmulatorClients } from '../../local/emulator-clients';
import { startEmulators } from '../../local/emulators';
import { createBatchesTable } from '../support/gsi1-tables';
import { fileBatch, MemoryFileBatches } from '../support/memory-uploads';
import { testDocumentClient } from './catalog-test-tables';

const TABLE = 'test-batch-files';
const BUCKET = 'test-landing';

const ref = (path: string, batchId = 'b-1'): FileRef => ({
  sandbox: 'prod',
  batchId,
  datasetId: 'ds-1',
  path,
});

const file = (path: string, overrides: Partial<StoredFile> = {}): StoredFile => ({
  datasetId: 'ds-1',
  path,
  state: 'complete',
  size: 3,
  parts: [{ key: `uploads/prod/b-1/ds-1/${path}`, start: 0, end: 3 }],
  updatedAt: '2024-06-01T12:00:00.000Z',
  ...overrides,
});

async function text(source: ByteSource, start: number, end: number): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await source.read(start, end)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

describe('batch file store and landing objects on the emulators', () => {
  let emulators: Awaited<ReturnType<typeof startEmulators>>;
  let clients: EmulatorClients;
  let store: DynamoBatchFileStore;
  let objects: S3LandingObjects;

  beforeAll(async () => {
    emulators = await startEmulators();
    clients = createEmulatorClients(emulators.endpoints);
    await createBatchesTable(clients.dynamodb, TABLE);
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // As the storage stack deploys the landing bucket.
    await clients.s3.send(
      new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    store = new DynamoBatchFileStore(
      new DynamoItems(testDocumentClient(emulators.endpoints.dynamodb), TABLE),
    );
    objects = new S3LandingObjects(clients.s3, BUCKET);
  });
  afterAll(async () => {
    clients.destroy();
    await emulators.stop();
  });

  it('stores files, with paths that hold folders and #, and lists every file of a batch past one page', async () => {
    // Prepare
    const many = Array.from({ length: 520 }, (_, index) =>
      file(`many/${String(index).padStart(4, '0')}.json`),
    );
    const uploading = file('odd #1/a b.csv', { state: 'uploading', size: 0, parts: [], expectedSize: 99 });

    // Act
    for (let start = 0; start < many.length; start += 50) {
      await Promise.all(many.slice(start, start + 50).map((each) => store.putFile('prod', 'b-many', each)));
    }
    await store.putFile('prod', 'b-1', uploading);
    await store.putPart(ref('odd #1/a b.csv'), { key: 'k/0-10', start: 0, end: 10 });
    const listed = await store.listFiles('prod', 'b-many');
    const read = await store.getFile(ref('odd #1/a b.csv'));

    // Assess
    expect(listed).toHaveLength(520);
    expect(listed[519]).toEqual(many[519]);
    expect(read).toEqual(uploading);
    expect(await store.listFiles('prod', 'b-1')).toEqual([uploading]);
    expect(await store.getFile(ref('odd #1/missing.csv'))).toBeUndefined();
  });

  it('keeps the parts of each file apart, replaces a part by its range and deletes them all', async () => {
    // Prepare
    const short = ref('p/a.csv', 'b-parts');
    const longer = ref('p/a.csv2', 'b-parts');
    await store.putPart(short, { key: 'a/0-10', start: 0, end: 10 });
    await store.putPart(short, { key: 'a/10-20', start: 10, end: 20 });
    await store.putPart(longer, { key: 'a2/0-5', start: 0, end: 5 });

    // Act
    await store.putPart(short, { key: 'a/0-10-again', start: 0, end: 10 });
    const beforeDelete = await store.listParts(short);
    await store.deleteParts(short);

    // Assess
    expect(beforeDelete).toEqual([
      { key: 'a/0-10-again', start: 0, end: 10 },
      { key: 'a/10-20', start: 10, end: 20 },
    ]);
    expect(await store.listParts(short)).toEqual([]);
    expect(await store.listParts(longer)).toEqual([{ key: 'a2/0-5', start: 0, end: 5 }]);
  });

  it('puts, heads and deletes objects, naming the version written', async () => {
    // Prepare
    const key = 'uploads/prod/b-1/ds-1/folder/a.json';

    // Act
    const written = await objects.put(key, Buffer.from('{"a":1}'));
    const found = await objects.head(key);
    await objects.delete(key);
    const gone = await objects.head(key);

    // Assess
    expect(written.versionId).toEqual(expect.any(String));
    expect(found).toEqual({ size: 7, versionId: written.versionId });
    expect(gone).toBeUndefined();
  });

  it('presigns a PUT that a plain HTTP client can use', async () => {
    // Prepare
    const key = 'uploads/prod/b-1/ds-1/huge/file #1.json';
    const { url, headers } = await objects.presignPut(key, { expiresInSeconds: 600, sizeInBytes: 13 });

    // Act
    const response = await fetch(url, { method: 'PUT', headers, body: '{"big":true}\n' });
    const found = await objects.head(key);

    // Assess
    expect(response.status).toBe(200);
    expect(url).toContain('X-Amz-Expires=600');
    expect(url).not.toContain('x-amz-checksum');
    expect(found).toEqual({ size: 13, versionId: expect.any(String) as unknown });
    expect(await text(objects.byteSource([{ key, start: 0, end: 13 }], 13), 0, 13)).toBe('{"big":true}\n');
  });

  it('reads ranges across three parts, straddling their borders', async () => {
    // Prepare
    const content = 'abcdefghij' + 'KLMNOPQRSTUVWXY' + 'z01234';
    const parts = [
      { key: 'parts/f.parts/0-10', start: 0, end: 10 },
      { key: 'parts/f.parts/10-25', start: 10, end: 25 },
      { key: 'parts/f.parts/25-31', start: 25, end: 31 },
    ];
    for (const part of parts) await objects.put(part.key, Buffer.from(content.slice(part.start, part.end)));
    const source = objects.byteSource(parts, content.length);

    // Act
    const reads = await Promise.all(
      [
        [0, 31],
        [8, 12],
        [5, 28],
        [10, 25],
        [24, 26],
        [30, 31],
        [12, 12],
      ].map(([start, end]) => text(source, start as number, end as number)),
    );

    // Assess
    expect(reads).toEqual([
      content,
      content.slice(8, 12),
      content.slice(5, 28),
      content.slice(10, 25),
      content.slice(24, 26),
      content.slice(30, 31),
      '',
    ]);
    await expect(source.read(0, 32)).rejects.toThrow(RangeError);
  });

  it('runs a ranged upload through the service on the real stores, each part read at the version written', async () => {
    // Prepare
    const batches = new MemoryFileBatches();
    batches.add(fileBatch({ batchId: 'b-ranged', datasetId: 'ds-1' }));
    const service = new UploadService({
      store,
      objects,
      batches,
      guardrails: DEFAULT_BATCH_GUARDRAILS,
      now: () => new Date('2024-06-01T12:00:00.000Z'),
    });
    const args = ['prod', 'b-ranged', 'ds-1', 'y=1/data.json'] as const;

    // Act
    await service.initialize(...args);
    await service.patch(...args, 'bytes 6-11/12', Buffer.from('"b":2}'));
    await service.patch(...args, 'bytes 0-5/12', Buffer.from('{"a":1'));
    const done = await service.completeFile(...args);
    const [listed] = await service.filesForCompletion('prod', 'b-ranged');
    // Each part's key written again after COMPLETE: the file reads as it was completed.
    for (const part of done.parts) await objects.put(part.key, Buffer.from('overwritten, and longer'));

    // Assess
    expect(done).toMatchObject({ state: 'complete', size: 12 });
    expect(done.parts.map((part) => part.versionId)).toEqual([expect.any(String), expect.any(String)]);
    expect(listed).toEqual(done);
    expect(await text(objects.byteSource(done.parts, done.size), 0, 12)).toBe('{"a":1"b":2}');
  });
});
