import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBatchStore } from '../../lambdas/adapters/dynamo-batches';
import { DynamoFileBatchStore } from '../../lambdas/adapters/dynamo-file-batches';
import { DynamoItems } from '../../lambdas/adapters/dynamo-items';
import { S3Objects } from '../../lambdas/adapters/s3-objects';
import type { FileBatch } from '../../lambdas/core/batches/file-batch-types';
import { createEmulatorClients, type EmulatorClients } from '../../local/emulator-clients';
import { startEmulators } from '../../local/emulators';
import { createBatchesTable } from '../support/gsi1-tables';
import { testDocumentClient } from './catalog-test-tables';

const TABLE = 'test-file-batches';
const BUCKET = 'test-lake';

const fileBatch = (batchId: string, createdAt: string): FileBatch => ({
  batchId,
  sandbox: 'prod',
  datasetId: 'ds-1',
  type: 'file',
  status: 'loading',
  inputFormat: { format: 'csv', delimiter: ';' },
  externalId: batchId,
  tags: {},
  enableErrorDiagnostics: true,
  partialIngestionPercent: 5,
  origin: { kind: 'api' },
  createdAt,
  updatedAt: createdAt,
  revision: 1,
});

describe('file batches on the emulators', () => {
  let emulators: Awaited<ReturnType<typeof startEmulators>>;
  let clients: EmulatorClients;
  let files: DynamoFileBatchStore;
  let batches: DynamoBatchStore;
  let lake: S3Objects;

  beforeAll(async () => {
    emulators = await startEmulators();
    clients = createEmulatorClients(emulators.endpoints);
    await createBatchesTable(clients.dynamodb, TABLE);
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const items = new DynamoItems(testDocumentClient(emulators.endpoints.dynamodb), TABLE);
    files = new DynamoFileBatchStore(items);
    batches = new DynamoBatchStore(items);
    lake = new S3Objects(clients.s3, BUCKET);
  });
  afterAll(async () => {
    clients.destroy();
    await emulators.stop();
  });

  it('creates a batch once, and replaces it only from the revision it was read at', async () => {
    // Prepare
    const created = fileBatch('01FILEBATCHA', '2026-11-28T10:00:00.000Z');
    await files.createFileBatch(created);
    await files.createFileBatch({ ...created, status: 'failed' });

    // Act
    const staged = await files.replaceFileBatch({ ...created, status: 'staging', revision: 2 });
    const stale = await files.replaceFileBatch({ ...created, status: 'aborted', revision: 2 });

    // Assess
    expect(staged).toBe(true);
    expect(stale).toBe(false);
    expect(await files.getFileBatch('prod', '01FILEBATCHA')).toEqual({
      ...created,
      status: 'staging',
      revision: 2,
    });
    expect(await files.getFileBatch('other', '01FILEBATCHA')).toBeUndefined();
  });

  it('lists file batches with their current state, newest first, beside streaming ones', async () => {
    // Prepare
    const older = fileBatch('01FILEBATCHB', '2026-11-28T11:00:00.000Z');
    const newer = fileBatch('01FILEBATCHC', '2026-11-28T12:00:00.000Z');
    await files.createFileBatch(older);
    await files.createFileBatch(newer);
    await files.replaceFileBatch({ ...newer, status: 'staging', revision: 2 });

    // Act
    const listed = await batches.listBatches('prod', {}, { limit: 2 });
    const byDataset = await batches.listBatches('prod', { datasetId: 'ds-1' }, { limit: 10 });

    // Assess: the list reads the batch item, not the pointer written at creation
    expect(listed.items.map((batch) => [batch.batchId, (batch as FileBatch).status])).toEqual([
      ['01FILEBATCHC', 'staging'],
      ['01FILEBATCHB', 'loading'],
    ]);
    expect(listed.next).toEqual(expect.any(String));
    expect(byDataset.items.map((batch) => batch.batchId)).toContain('01FILEBATCHA');
  });

  it('keeps file plans and staged chunks under the batch, chunks in name order', async () => {
    // Prepare
    const plan = {
      fileIndex: 3,
      datasetId: 'ds-1',
      path: 'a/b.csv',
      size: 10,
      parts: [{ key: 'uploads/x', start: 0, end: 10 }],
      compression: 'none' as const,
      columns: ['a', 'b'],
    };
    const chunk = (name: string) => ({
      chunk: name,
      file: 'a/b.csv',
      range: '0-10',
      inputRecordCount: 2,
      outputRecordCount: 1,
      failedRecordCount: 1,
      errors: { 'schema-validation': 1 },
      writtenAt: '2026-11-28T10:00:00.000Z',
    });

    // Act
    await files.putFilePlan('prod', '01FILEBATCHA', plan);
    await files.putStagedChunk('prod', '01FILEBATCHA', chunk('00001-00000'));
    await files.putStagedChunk('prod', '01FILEBATCHA', chunk('00000-00001'));

    // Assess
    expect(await files.getFilePlan('prod', '01FILEBATCHA', 3)).toEqual(plan);
    expect(await files.getFilePlan('prod', '01FILEBATCHA', 4)).toBeUndefined();
    expect((await files.stagedChunksOf('prod', '01FILEBATCHA')).map((staged) => staged.chunk)).toEqual([
      '00000-00001',
      '00001-00000',
    ]);
    expect(await files.getStagedChunk('prod', '01FILEBATCHA', '00001-00000')).toEqual(chunk('00001-00000'));
  });

  it('keeps a plan in pages, and pages through the staged chunks, a deleted one left out', async () => {
    // Prepare
    const chunk = (name: string) => ({
      chunk: name,
      file: 'a.json',
      range: '0-1',
      inputRecordCount: 1,
      outputRecordCount: 1,
      failedRecordCount: 0,
      errors: {},
      writtenAt: '2026-11-28T10:00:00.000Z',
    });
    const item = (ordinal: number) => ({
      file: 0,
      index: ordinal,
      start: ordinal,
      end: ordinal + 1,
      firstLine: 1,
      firstRow: 1,
      ordinal,
    });
    await files.putPlanPage('prod', '01FILEBATCHD', { page: 1, chunks: [item(2), item(3)] });
    for (const name of ['00000-00000', '00000-00001', '00000-00002', '00000-00003']) {
      await files.putStagedChunk('prod', '01FILEBATCHD', chunk(name));
    }
    await files.deleteStagedChunk('prod', '01FILEBATCHD', '00000-00001');

    // Act
    const first = await files.stagedChunkPage('prod', '01FILEBATCHD', { limit: 2 });
    const second = await files.stagedChunkPage('prod', '01FILEBATCHD', { limit: 2, start: first.next! });

    // Assess
    expect(await files.getPlanPage('prod', '01FILEBATCHD', 1)).toEqual({
      page: 1,
      chunks: [item(2), item(3)],
    });
    expect(await files.getPlanPage('prod', '01FILEBATCHD', 0)).toBeUndefined();
    expect(first.items.map((staged) => staged.chunk)).toEqual(['00000-00000', '00000-00002']);
    expect(second.items.map((staged) => staged.chunk)).toEqual(['00000-00003']);
    expect(await files.getFilePlan('prod', '01FILEBATCHD', 0)).toBeUndefined();
  });

  it('copies an object within the bucket, keys with partition folders included', async () => {
    // Prepare
    const from = 'staging/prod/ds-1/batch=01FILEBATCHA/part-00000-00000.parquet';
    const to = 'lake/prod/ds-1/date=2026-11-28/batch=01FILEBATCHA/part-00000-00000.parquet';
    await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: from, Body: 'bytes' }));

    // Act
    await lake.copy(from, to);

    // Assess
    expect(Buffer.from((await lake.getBytes(to))!).toString()).toBe('bytes');
    expect(await lake.getBytes('lake/none')).toBeUndefined();
  });
});
