/**
 * Object versions on the local S3 emulator, as a versioned bucket in S3 keeps them: through the real SDK, every
 * write of a key is a version of its own, readable (whole or by range) after later writes and deletes, and the
 * notification of a write names its version and ETag.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulatorClients, type EmulatorClients } from '../../local/emulator-clients';
import { startEmulators } from '../../local/emulators';

const BUCKET = 'versioned-landing';
const PLAIN = 'plain-bucket';

describe('object versions on the local S3 emulator', () => {
  let emulators: Awaited<ReturnType<typeof startEmulators>>;
  let clients: EmulatorClients;
  const events: S3Event[] = [];

  const text = async (key: string, options: { versionId?: string; range?: string } = {}) => {
    const out = await clients.s3.send(
      new GetObjectCommand({
        Bucket: BUCKET,
        Key: key,
        ...(options.versionId ? { VersionId: options.versionId } : {}),
        ...(options.range ? { Range: options.range } : {}),
      }),
    );
    return out.Body!.transformToString();
  };
  const put = (key: string, body: string, bucket = BUCKET) =>
    clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

  beforeAll(async () => {
    emulators = await startEmulators();
    clients = createEmulatorClients(emulators.endpoints);
    emulators.s3Server.on('event', (event: S3Event) => events.push(event));
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await clients.s3.send(new CreateBucketCommand({ Bucket: PLAIN }));
    await clients.s3.send(
      new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  });
  afterAll(async () => {
    clients.destroy();
    await emulators.stop();
  });

  it('keeps each write of a key as its own version, read whole or by range after later writes', async () => {
    // Prepare
    const first = await put('landing/a.json', 'version one, the longer one\n');
    const second = await put('landing/a.json', 'two\n');

    // Act
    const current = await text('landing/a.json');
    const old = await text('landing/a.json', { versionId: first.VersionId! });
    const oldRange = await text('landing/a.json', { versionId: first.VersionId!, range: 'bytes=8-10' });
    const head = await clients.s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'landing/a.json', VersionId: first.VersionId! }),
    );

    // Assess
    expect(first.VersionId).toEqual(expect.any(String));
    expect(second.VersionId).not.toBe(first.VersionId);
    expect(current).toBe('two\n');
    expect(old).toBe('version one, the longer one\n');
    expect(oldRange).toBe('one');
    expect(head).toMatchObject({ ContentLength: 28, VersionId: first.VersionId, ETag: first.ETag });
  });

  it('names the version and the ETag in the notification of every write, copies included', async () => {
    // Prepare
    events.length = 0;

    // Act
    const written = await put('landing/b.json', '{}\n');
    const copied = await clients.s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'landing/c.json',
        CopySource: `${BUCKET}/landing/b.json`,
      }),
    );

    // Assess
    const objects = events.flatMap((event) => event.Records.map((record) => record.s3.object));
    expect(objects).toEqual([
      expect.objectContaining({
        key: 'landing/b.json',
        versionId: written.VersionId,
        eTag: expect.any(String) as unknown,
      }),
      expect.objectContaining({
        key: 'landing/c.json',
        versionId: copied.VersionId,
        eTag: expect.any(String) as unknown,
      }),
    ]);
    expect(`"${objects[0]!.eTag}"`).toBe(written.ETag);
  });

  it('leaves a delete marker on delete, the versions still readable by id', async () => {
    // Prepare
    const written = await put('landing/d.json', 'kept\n');

    // Act
    await clients.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'landing/d.json' }));
    const gone = await text('landing/d.json').catch((error: Error) => error.name);
    const kept = await text('landing/d.json', { versionId: written.VersionId! });
    const unknown = await text('landing/d.json', { versionId: 'no-such-version' }).catch(
      (error: Error) => error.name,
    );

    // Assess
    expect(gone).toBe('NoSuchKey');
    expect(kept).toBe('kept\n');
    expect(unknown).toBe('NoSuchVersion');
  });

  it('keeps the versioning of every bucket when many are enabled at once, as the runtime does at start-up', async () => {
    // Prepare
    const buckets = Array.from({ length: 20 }, (_, i) => `many-${i}`);
    await Promise.all(buckets.map((name) => clients.s3.send(new CreateBucketCommand({ Bucket: name }))));

    // Act
    await Promise.all(
      buckets.map((name) =>
        clients.s3.send(
          new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }),
        ),
      ),
    );
    const states = await Promise.all(
      buckets.map((name) => clients.s3.send(new GetBucketVersioningCommand({ Bucket: name }))),
    );

    // Assess
    expect(states.map((state) => state.Status)).toEqual(buckets.map(() => 'Enabled'));
  });

  it('answers versioning only for the buckets that asked for it, and refuses what it does not emulate', async () => {
    // Act
    const versioned = await clients.s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }));
    const plain = await clients.s3.send(new GetBucketVersioningCommand({ Bucket: PLAIN }));
    const unversionedWrite = await put('a.json', '{}\n', PLAIN);
    const suspend = await clients.s3
      .send(
        new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Suspended' } }),
      )
      .catch((error: Error) => error.name);

    // Assess
    expect(versioned.Status).toBe('Enabled');
    expect(plain.Status).toBeUndefined();
    expect(unversionedWrite.VersionId).toBeUndefined();
    expect(suspend).toBe('NotImplemented');
  });
});

describe('object versions across a restart of the emulators', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-versions-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('still reads an earlier version after the emulators restart on the same data folder', async () => {
    // Prepare
    let emulators = await startEmulators({ dataDir });
    let clients = createEmulatorClients(emulators.endpoints);
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await clients.s3.send(
      new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const first = await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'one' }));
    await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'two' }));
    clients.destroy();
    await emulators.stop();

    // Act
    emulators = await startEmulators({ dataDir });
    clients = createEmulatorClients(emulators.endpoints);
    const old = await clients.s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'k', VersionId: first.VersionId! }),
    );
    const body = await old.Body!.transformToString();
    clients.destroy();
    await emulators.stop();

    // Assess
    expect(body).toBe('one');
  });
});
