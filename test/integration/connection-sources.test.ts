import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoConnectionStore } from '../../lambdas/adapters/dynamo-connections';
import { DynamoItems } from '../../lambdas/adapters/dynamo-items';
import { S3SourceObjects } from '../../lambdas/adapters/s3-source-reader';
import type { S3SourceParams } from '../../lambdas/core/connections/connection-types';
import { SourceError } from '../../lambdas/core/connections/connection-types';
import type { StoredConnection } from '../../lambdas/core/connections/connections';
import { createEmulatorClients, type EmulatorClients } from '../../local/emulator-clients';
import { startEmulators, type RunningEmulators } from '../../local/emulators';
import { createTestTables, TEST_TABLES, testDocumentClient } from './catalog-test-tables';

const BUCKET = 'partner-drops';
const TIMED_BUCKET = 'timed-drops';

const connection = (
  id: string,
  sandbox: string,
  overrides: Partial<StoredConnection> = {},
): StoredConnection => ({
  id,
  sandbox,
  name: `connection ${id}`,
  type: 's3',
  params: { bucket: BUCKET, inputFormat: { format: 'csv' } },
  createdAt: '2024-06-01T00:00:00.000Z',
  createdBy: 'k',
  updatedAt: '2024-06-01T00:00:00.000Z',
  revision: 1,
  ...overrides,
});

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

async function sourceError(promise: Promise<unknown>): Promise<SourceError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof SourceError)) throw new Error(`expected a SourceError, got ${String(error)}`);
  return error;
}

describe('connection store and S3 source objects on the emulators', () => {
  let dataDir: string;
  let emulators: RunningEmulators;
  let clients: EmulatorClients;
  let items: DynamoItems;
  let objects: S3SourceObjects;

  const put = (bucket: string, key: string, body: string) =>
    clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  /** s3rver gives an object its file's modification time, to the second as S3 does: set it to the one wanted. */
  const putAt = async (key: string, body: string, lastModified: string) => {
    await put(TIMED_BUCKET, key, body);
    const time = new Date(lastModified);
    utimesSync(join(dataDir, 's3', TIMED_BUCKET, `${key}._S3rver_object`), time, time);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tributary-connections-'));
    emulators = await startEmulators({ dataDir });
    await createTestTables(emulators.endpoints.dynamodb);
    items = new DynamoItems(testDocumentClient(emulators.endpoints.dynamodb), TEST_TABLES.catalog);
    clients = createEmulatorClients(emulators.endpoints);
    // Pages of 2 keys, so every listing below crosses pages.
    objects = new S3SourceObjects(() => clients.s3, { listPageSize: 2 });
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await clients.s3.send(new CreateBucketCommand({ Bucket: TIMED_BUCKET }));
    for (const [key, body] of [
      ['exports/a.csv', 'id\n1\n'],
      ['exports/b.json', '{"id":2}\n'],
      ['exports/sub/c.csv', 'id\n3\n'],
      ['exports/sub/deeper/d.csv', 'id\n4\n'],
      ['exports/empty.csv', ''],
      ['exports/old_$folder$', 'x'],
      // Not below the prefix folder `exports/`. (Named with `_`, which sorts after `/`: s3rver pages in the order it
      // walks its folders, which for `exports-…` is not S3's key order.)
      ['exports_old/e.csv', 'id\n5\n'],
      ['top.csv', 'id\n6\n'],
    ]) {
      await put(BUCKET, key as string, body as string);
    }
  });
  afterAll(async () => {
    clients.destroy();
    await emulators.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores connections per sandbox, oldest first, and updates only the expected revision', async () => {
    // Prepare
    const store = new DynamoConnectionStore(items);
    await store.create(connection('01A', 'prod'));
    await store.create(
      connection('01B', 'prod', { auth: { type: 'header', name: 'X-Key' }, secretRef: 'arn:s' }),
    );
    await store.create(connection('01C', 'prod'));
    await store.create(connection('01A', 'dev'));

    // Act
    const again = await store.create(connection('01A', 'prod'));
    const first = await store.list('prod', { limit: 2 });
    const rest = await store.list('prod', { limit: 2, start: first.next });
    const updated = await store.update(connection('01A', 'prod', { name: 'renamed', revision: 2 }), 1);
    const stale = await store.update(connection('01A', 'prod', { name: 'lost', revision: 2 }), 1);
    const deleted = await store.delete('prod', '01C');

    // Assess
    expect(again).toBe(false);
    expect([...first.items, ...rest.items].map((each) => each.id)).toEqual(['01A', '01B', '01C']);
    expect(first.items[1]).toEqual(
      connection('01B', 'prod', { auth: { type: 'header', name: 'X-Key' }, secretRef: 'arn:s' }),
    );
    expect(first.items[0]).not.toHaveProperty('pk');
    expect([updated, stale]).toEqual([true, false]);
    expect(await store.get('prod', '01A')).toMatchObject({ name: 'renamed', revision: 2 });
    expect(await store.get('dev', '01A')).toMatchObject({ name: 'connection 01A', revision: 1 });
    expect(deleted?.id).toBe('01C');
    expect(await store.get('prod', '01C')).toBeUndefined();
  });

  it('selects objects by prefix folder, pattern and recursion, skipping zero-byte objects and folder markers', async () => {
    // Prepare
    const params = (overrides: Partial<S3SourceParams>): S3SourceParams => ({
      bucket: BUCKET,
      prefix: 'exports',
      inputFormat: { format: 'csv' },
      ...overrides,
    });
    const keys = async (overrides: Partial<S3SourceParams>) =>
      (await objects.listAfter(params(overrides), { maxObjects: 100, maxBytes: 1e9 })).objects
        .map((object) => object.key)
        .sort();

    // Act
    const everything = await keys({});
    const csvAnywhere = await keys({ filePattern: '*.csv' });
    const csvHere = await keys({ filePattern: '*.csv', recursive: false });
    const inSub = await keys({ filePattern: 'sub/*.csv' });
    const whole = await keys({ prefix: undefined, filePattern: '**/*.csv' });

    // Assess
    expect(everything).toEqual([
      'exports/a.csv',
      'exports/b.json',
      'exports/sub/c.csv',
      'exports/sub/deeper/d.csv',
    ]);
    expect(csvAnywhere).toEqual(['exports/a.csv', 'exports/sub/c.csv', 'exports/sub/deeper/d.csv']);
    expect(csvHere).toEqual(['exports/a.csv']);
    expect(inSub).toEqual(['exports/sub/c.csv']);
    expect(whole).toEqual([
      'exports/a.csv',
      'exports/sub/c.csv',
      'exports/sub/deeper/d.csv',
      'exports_old/e.csv',
      'top.csv',
    ]);
  });

  it('reads objects of the same second in key order after the watermark, neither skipping nor repeating one', async () => {
    // Prepare
    await putAt('in/k3.csv', 'id\n3\n', '2024-03-01T10:00:05Z');
    await putAt('in/k1.csv', 'id\n1\n', '2024-03-01T10:00:05Z');
    await putAt('in/k2.csv', 'id\n2\n', '2024-03-01T10:00:05Z');
    await putAt('in/z0.csv', 'id\n0\n', '2024-03-01T10:00:04Z');
    await putAt('in/a9.csv', 'id\n9\n', '2024-03-01T10:00:06Z');
    const params: S3SourceParams = { bucket: TIMED_BUCKET, prefix: 'in', inputFormat: { format: 'csv' } };
    const read: string[] = [];
    const batches: boolean[] = [];

    // Act
    let after: { lastModified: string; key: string } | undefined;
    for (;;) {
      const listing = await objects.listAfter(params, {
        ...(after ? { after } : {}),
        maxObjects: 2,
        maxBytes: 1e9,
      });
      read.push(...listing.objects.map((object) => object.key));
      batches.push(listing.more);
      const last = listing.objects.at(-1);
      if (!last) break;
      after = { lastModified: last.lastModified, key: last.key };
    }

    // Assess
    expect(read).toEqual(['in/z0.csv', 'in/k1.csv', 'in/k2.csv', 'in/k3.csv', 'in/a9.csv']);
    expect(batches).toEqual([true, true, false, false]);
  });

  it('lists again within a look-back the objects not taken, by key and ETag, and an overwritten one', async () => {
    // Prepare: b was ingested; c became visible late; a was ingested, then overwritten with new content
    await putAt('late/a.csv', 'id\n1\n', '2024-03-01T10:00:00Z');
    await putAt('late/b.csv', 'id\n2\n', '2024-03-01T10:00:10Z');
    await putAt('late/c.csv', 'id\n3\n', '2024-03-01T09:59:50Z');
    const params: S3SourceParams = { bucket: TIMED_BUCKET, prefix: 'late', inputFormat: { format: 'csv' } };
    const listed = await objects.listAfter(params, { maxObjects: 10, maxBytes: 1e9 });
    const taken = new Set(
      listed.objects.filter((object) => object.key !== 'late/c.csv').map(({ key, etag }) => `${key} ${etag}`),
    );
    await putAt('late/a.csv', 'id\n1\n4\n', '2024-03-01T10:00:00Z');
    const keys = async (from: string, inclusive: boolean) => {
      const listing = await objects.listAfter(params, {
        lookBack: { from, inclusive, taken: ({ key, etag }) => taken.has(`${key} ${etag}`) },
        maxObjects: 10,
        maxBytes: 1e9,
      });
      return listing.objects.map((object) => object.key);
    };

    // Act
    const wide = await keys('2024-03-01T09:59:00.000Z', true);
    const fromC = await keys('2024-03-01T09:59:50.000Z', true);
    const afterC = await keys('2024-03-01T09:59:50.000Z', false);

    // Assess
    expect(listed.objects.map((object) => object.key)).toEqual(['late/c.csv', 'late/a.csv', 'late/b.csv']);
    expect(wide).toEqual(['late/c.csv', 'late/a.csv']);
    expect(fromC).toEqual(['late/c.csv', 'late/a.csv']);
    expect(afterC).toEqual(['late/a.csv']);
  });

  it('respects notBefore and notAfter, and limits by count and bytes, always taking one object', async () => {
    // Prepare
    const params: S3SourceParams = { bucket: TIMED_BUCKET, prefix: 'in', inputFormat: { format: 'csv' } };
    const keys = async (options: {
      notBefore?: string;
      notAfter?: string;
      maxObjects?: number;
      maxBytes?: number;
    }) => {
      const listing = await objects.listAfter(params, { maxObjects: 100, maxBytes: 1e9, ...options });
      return { keys: listing.objects.map((object) => object.key), more: listing.more };
    };

    // Act
    const fromFive = await keys({ notBefore: '2024-03-01T10:00:05Z' });
    const untilFive = await keys({ notAfter: '2024-03-01T10:00:05.500Z' });
    const tiny = await keys({ maxBytes: 1 });
    const twoObjects = await keys({ maxBytes: 11 });
    const counted = await keys({ maxObjects: 3 });

    // Assess
    expect(fromFive.keys).toEqual(['in/k1.csv', 'in/k2.csv', 'in/k3.csv', 'in/a9.csv']);
    expect(untilFive.keys).toEqual(['in/z0.csv', 'in/k1.csv', 'in/k2.csv', 'in/k3.csv']);
    expect(tiny).toEqual({ keys: ['in/z0.csv'], more: true });
    expect(twoObjects).toEqual({ keys: ['in/z0.csv', 'in/k1.csv'], more: true });
    expect(counted).toEqual({ keys: ['in/z0.csv', 'in/k1.csv', 'in/k2.csv'], more: true });
  });

  it('lists a folder as Experience Platform explores it, and reads objects whole and by range', async () => {
    // Prepare
    const params: S3SourceParams = {
      bucket: BUCKET,
      prefix: 'exports',
      filePattern: '*.csv',
      inputFormat: { format: 'csv' },
    };

    // Act
    const root = await objects.listFolder(params, 'exports/', { maxEntries: 100 });
    const cut = await objects.listFolder(params, 'exports/', { maxEntries: 2 });
    const whole = await text(await objects.open(params, 'exports/a.csv'));
    const source = await objects.byteSource(params, 'exports/sub/c.csv');
    const range = await text(await source.read(3, 5));

    // Assess
    expect(
      root.entries.map((entry) => [entry.type, entry.name, entry.path, entry.canPreview, entry.selected]),
    ).toEqual([
      ['file', 'a.csv', 'exports/a.csv', true, true],
      ['file', 'b.json', 'exports/b.json', true, false],
      ['file', 'empty.csv', 'exports/empty.csv', false, false],
      ['file', 'old_$folder$', 'exports/old_$folder$', true, false],
      ['folder', 'sub', 'exports/sub/', false, undefined],
    ]);
    expect(root.truncated).toBe(false);
    expect(cut.truncated).toBe(true);
    expect(whole).toBe('id\n1\n');
    expect(source.size).toBe(5);
    expect(range).toBe('3\n');
  });

  it('answers SourceErrors for a missing bucket or object', async () => {
    // Prepare
    const params: S3SourceParams = { bucket: 'no-such-bucket', inputFormat: { format: 'csv' } };

    // Act
    const bucket = await sourceError(objects.listAfter(params, { maxObjects: 1, maxBytes: 1 }));
    const object = await sourceError(objects.byteSource({ ...params, bucket: BUCKET }, 'exports/none.csv'));
    const opened = await sourceError(objects.open({ ...params, bucket: BUCKET }, 'exports/none.csv'));

    // Assess
    expect(bucket).toMatchObject({ code: 'bucket-not-found', retryable: false });
    expect(object).toMatchObject({ code: 'object-not-found', retryable: false });
    expect(opened).toMatchObject({ code: 'object-not-found', retryable: false });
  });
});
