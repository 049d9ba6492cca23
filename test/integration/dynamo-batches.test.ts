import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBatchStore } from '../../lambdas/adapters/dynamo-batches';
import { DynamoItems } from '../../lambdas/adapters/dynamo-items';
import { DynamoOnFailureLedger } from '../../lambdas/adapters/dynamo-on-failure-ledger';
import { DynamoStreamProgress } from '../../lambdas/adapters/dynamo-stream-progress';
import { S3Objects } from '../../lambdas/adapters/s3-objects';
import { createEmulatorClients, type EmulatorClients } from '../../local/emulator-clients';
import { startEmulators } from '../../local/emulators';
import { createBatchesTable } from '../support/gsi1-tables';
import { testDocumentClient } from './catalog-test-tables';

const TABLE = 'test-batches';
const BUCKET = 'test-quarantine';

const batch = (batchId: string, datasetId: string, windowStart: string) => ({
  batchId,
  sandbox: 'prod',
  datasetId,
  type: 'streaming' as const,
  windowStart,
  windowEnd: windowStart,
  createdAt: windowStart,
});

describe('batch store and S3 objects on the emulators', () => {
  let emulators: Awaited<ReturnType<typeof startEmulators>>;
  let store: DynamoBatchStore;
  let objects: S3Objects;
  let clients: EmulatorClients;

  beforeAll(async () => {
    emulators = await startEmulators();
    clients = createEmulatorClients(emulators.endpoints);
    await createBatchesTable(clients.dynamodb, TABLE);
    const { s3 } = clients;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    store = new DynamoBatchStore(new DynamoItems(testDocumentClient(emulators.endpoints.dynamodb), TABLE));
    objects = new S3Objects(s3, BUCKET);
  });
  afterAll(async () => {
    clients.destroy();
    await emulators.stop();
  });

  const RECEIVED_AT = '2024-06-01T10:00:00.000Z';
  const claim = (
    key: string,
    owner: string,
    chunk: string,
    expiresAt = new Date(Date.now() + 86_400_000),
  ) => ({
    marker: { sandbox: 'prod', datasetId: 'ds', key },
    owner,
    chunk,
    receivedAt: RECEIVED_AT,
    expiresAt,
  });

  it('claims a dedup key for one stream record and chunk, and names the holder to anyone else', async () => {
    // Act
    const first = await store.claimDedup(claim('id:1', 'shard#1', 'chunk-a'));
    const redelivery = await store.claimDedup(claim('id:1', 'shard#1', 'chunk-a'));
    const otherChunk = await store.claimDedup(claim('id:1', 'shard#1', 'chunk-b'));
    const duplicate = await store.claimDedup(claim('id:1', 'shard#2', 'chunk-c'));

    // Assess: the same record under another chunk is told it holds the key there, so it can tell a re-read
    const holder = { owner: 'shard#1', chunk: 'chunk-a', receivedAt: RECEIVED_AT };
    expect([first, redelivery]).toEqual([{ claimed: true }, { claimed: true }]);
    expect(otherChunk).toEqual({ claimed: false, holder });
    expect(duplicate).toEqual({ claimed: false, holder });
  });

  it('hands a key over only from the holder named, with a fresh marker that is not written', async () => {
    // Prepare
    await store.claimDedup(claim('id:2', 'shard#1', 'chunk-a'));
    await store.markDedupWritten(
      { sandbox: 'prod', datasetId: 'ds', key: 'id:2', owner: 'shard#1' },
      'chunk-a',
      true,
    );

    // Act
    const wrongHolder = await store.takeOverDedup(claim('id:2', 'shard#2', 'chunk-b'), {
      owner: 'shard#9',
      chunk: 'chunk-a',
    });
    const wrongChunk = await store.takeOverDedup(claim('id:2', 'shard#2', 'chunk-b'), {
      owner: 'shard#1',
      chunk: 'chunk-z',
    });
    const before = await store.claimDedup(claim('id:2', 'shard#3', 'chunk-c'));
    const taken = await store.takeOverDedup(claim('id:2', 'shard#2', 'chunk-b'), {
      owner: 'shard#1',
      chunk: 'chunk-a',
    });
    const after = await store.claimDedup(claim('id:2', 'shard#3', 'chunk-c'));

    // Assess
    expect([wrongHolder, wrongChunk, taken]).toEqual([false, false, true]);
    expect(before).toEqual({
      claimed: false,
      holder: { owner: 'shard#1', chunk: 'chunk-a', written: true, receivedAt: RECEIVED_AT },
    });
    expect(after).toEqual({
      claimed: false,
      holder: { owner: 'shard#2', chunk: 'chunk-b', receivedAt: RECEIVED_AT },
    });
  });

  it('marks and un-marks a marker written only while its owner holds it in that chunk', async () => {
    // Prepare
    const marker = { sandbox: 'prod', datasetId: 'ds', key: 'id:3', owner: 'shard#1' };
    await store.claimDedup(claim('id:3', 'shard#1', 'chunk-a'));

    // Act
    await store.markDedupWritten(marker, 'chunk-b', true);
    const otherChunk = await store.claimDedup(claim('id:3', 'shard#4', 'chunk-d'));
    await store.markDedupWritten(marker, 'chunk-a', true);
    const marked = await store.claimDedup(claim('id:3', 'shard#4', 'chunk-d'));
    await store.markDedupWritten(marker, 'chunk-a', false);
    const unmarked = await store.claimDedup(claim('id:3', 'shard#4', 'chunk-d'));

    // Assess
    const holder = { owner: 'shard#1', chunk: 'chunk-a', receivedAt: RECEIVED_AT };
    expect(otherChunk).toEqual({ claimed: false, holder });
    expect(marked).toEqual({ claimed: false, holder: { ...holder, written: true } });
    expect(unmarked).toEqual({ claimed: false, holder });
  });

  it('lets an expired marker be claimed before its time-to-live removes it', async () => {
    // Prepare
    await store.claimDedup(claim('sha256:x', 'shard#1', 'chunk-a', new Date(Date.now() - 1000)));

    // Act
    const claimed = await store.claimDedup(claim('sha256:x', 'shard#2', 'chunk-b'));

    // Assess
    expect(claimed).toEqual({ claimed: true });
  });

  it('keeps chunk counts overwritable, manifests, and lists batches newest first by sandbox or dataset', async () => {
    // Prepare
    const counts = {
      chunk: 'c1',
      outputRecordCount: 2,
      failedRecordCount: 1,
      duplicateRecordCount: 0,
      errors: { 'schema-validation': 1 },
      profileErrors: {},
      quarantineKey: 'quarantine/x.jsonl',
      writtenAt: '2024-05-01T10:00:00.000Z',
    };

    // Act
    await store.ensureBatch(batch('b-old', 'ds-1', '2024-05-01T09:00:00.000Z'));
    await store.ensureBatch(batch('b-new', 'ds-2', '2024-05-01T10:00:00.000Z'));
    await store.ensureBatch(batch('b-new', 'ds-2', '2024-05-01T10:00:00.000Z'));
    await store.putChunk('prod', 'b-new', counts);
    await store.putChunk('prod', 'b-new', { ...counts, outputRecordCount: 1 });
    await store.putChunk('prod', 'b-new', { ...counts, chunk: 'c2' });
    await store.deleteChunk('prod', 'b-new', 'c2');
    await store.putChunkManifest('c1', { lakeKeys: ['a'], quarantineKeys: [], chunkItems: [] });

    // Assess
    expect(await store.chunksOf('prod', 'b-new')).toEqual([{ ...counts, outputRecordCount: 1 }]);
    expect((await store.listBatches('prod', {}, { limit: 10 })).items.map((b) => b.batchId)).toEqual([
      'b-new',
      'b-old',
    ]);
    expect((await store.listBatches('prod', { datasetId: 'ds-1' }, { limit: 10 })).items).toEqual([
      batch('b-old', 'ds-1', '2024-05-01T09:00:00.000Z'),
    ]);
    expect(await store.chunkManifest('c1')).toEqual({ lakeKeys: ['a'], quarantineKeys: [], chunkItems: [] });
    expect(await store.getBatch('prod', 'missing')).toBeUndefined();
  });

  it('puts, overwrites, reads and deletes objects', async () => {
    // Act
    await objects.put('quarantine/p/ds/batch=b/part-c.jsonl', Buffer.from('one\n'), 'application/x-ndjson');
    await objects.put('quarantine/p/ds/batch=b/part-c.jsonl', Buffer.from('two\n'), 'application/x-ndjson');
    const read = await objects.getText('quarantine/p/ds/batch=b/part-c.jsonl');
    await objects.delete('quarantine/p/ds/batch=b/part-c.jsonl');
    await objects.delete('quarantine/p/ds/batch=b/part-c.jsonl');

    // Assess
    expect(read).toBe('two\n');
    expect(await objects.getText('quarantine/p/ds/batch=b/part-c.jsonl')).toBeUndefined();
  });

  it('records the highest put per window and shard over every writer, and the highest consumed, never lowering either', async () => {
    // Prepare: two containers putting on one shard (sequence numbers compare as numbers: 9 < 10)
    const items = new DynamoItems(testDocumentClient(emulators.endpoints.dynamodb), TABLE);
    const [one, two] = [new DynamoStreamProgress(items), new DynamoStreamProgress(items)];
    const window = '2024-05-01T10:00:00.000Z';

    // Act
    await one.recordPut([window], 'shard-a', '10');
    await one.recordPut([window], 'shard-a', '9');
    await two.recordPut([window, '2024-05-01T10:15:00.000Z'], 'shard-a', '9');
    await two.recordPut([window], 'shard-b', '3');
    await one.recordConsumed('shard-a', '12');
    await two.recordConsumed('shard-a', '11');

    // Assess
    expect(Object.fromEntries(await one.putsOf(window))).toEqual({ 'shard-a': '10', 'shard-b': '3' });
    expect(Object.fromEntries(await one.putsOf('2024-05-01T10:15:00.000Z'))).toEqual({ 'shard-a': '9' });
    expect(Object.fromEntries(await two.consumedOf(['shard-a', 'shard-b']))).toEqual({ 'shard-a': '12' });
  });

  it("keeps an on-failure object's parts per sandbox, redriven once each, and frees the object after the last", async () => {
    // Prepare
    const ledger = new DynamoOnFailureLedger(
      new DynamoItems(testDocumentClient(emulators.endpoints.dynamodb), TABLE),
    );
    const part = (sandbox: string) => ({
      objectKey: 'aws/lambda/m/shard/2024/05/01/2024-05-01T10.00.00-u',
      sandbox,
      records: 2,
      datasets: { 'ds-1': 2 },
      condition: 'RecordAgeExceeded' as const,
      failedAt: '2024-05-01T10:00:00.000Z',
      shardId: 'shard',
      status: 'pending' as const,
    });
    const object = {
      objectKey: part('a').objectKey,
      failedAt: part('a').failedAt,
      pending: ['a', 'b'],
      unclaimed: 0,
    };
    await ledger.record(object, [part('a'), part('b')]);

    // Act: recorded twice (a repeated notification), then both sandboxes redrive
    await ledger.record(object, [part('a'), part('b')]);
    const first = await ledger.markRedriven(part('a'), new Date('2024-05-02T00:00:00.000Z'));
    await ledger.record(object, [part('a'), part('b')]);
    const last = await ledger.markRedriven(part('b'), new Date('2024-05-02T00:00:00.000Z'));

    // Assess: a repeated notification does not make a redriven part pending again
    expect(first).toEqual({ objectDone: false });
    expect(last).toEqual({ objectDone: true });
    expect((await ledger.parts('a', { limit: 10 })).items).toEqual([
      { ...part('a'), status: 'redriven', redrivenAt: '2024-05-02T00:00:00.000Z' },
    ]);
  });
});
