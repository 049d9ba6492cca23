import { describe, expect, it } from 'vitest';
import { BatchService } from '../../../lambdas/core/batch-catalog/batch-service';
import type { BatchStore } from '../../../lambdas/core/batches/batch-types';
import { APPLY_CODES } from '../../../lambdas/core/profiles/apply-to-profiles';
import type {
  StreamEntry,
  StreamPutOutcome,
  StreamWriter,
} from '../../../lambdas/core/streaming/collect-stream';
import { consumeRecords } from '../../../lambdas/core/streaming/consume-records';
import { streamingBatchId, type StreamMessage } from '../../../lambdas/core/streaming/stream-message';
import { DomainError } from '../../../lambdas/core/errors/domain-error';
import { addBatch, addFile, ingestWorld, personLines, runIngestion } from '../../support/memory-file-batches';
import { BATCH_ID as FILE_BATCH_ID, SANDBOX } from '../../support/memory-uploads';
import { MemoryStreamProgress } from '../../support/streaming-memory';
import { fakes, lakeMessageIds, streamRecord, target, type Fakes } from '../streaming/consume-fakes';

/** A stream that keeps what it is given (or refuses all of it), so a replay can be fed back to the consumer. */
class MemoryStream implements StreamWriter {
  readonly entries: StreamEntry[] = [];
  refuse = false;
  async put(entries: readonly StreamEntry[]): Promise<StreamPutOutcome[]> {
    if (this.refuse) return entries.map(() => ({ ok: false, throttled: true, reason: 'throttled' }));
    this.entries.push(...entries);
    return entries.map((_, index) => ({
      ok: true,
      shardId: 'shardId-000000000001',
      sequenceNumber: `${index}`,
    }));
  }
}

const RECEIVED_AT = '2024-05-01T10:05:00.000Z';
const BATCH_ID = streamingBatchId('ds-a', RECEIVED_AT);
const REPLAYED_AT = new Date('2024-05-02T08:00:00.000Z');

async function consumedBatch(): Promise<{ world: Fakes; service: BatchService; stream: MemoryStream }> {
  const world = fakes({ 'ds-a': target('ds-a') });
  await consumeRecords(world.deps, [
    streamRecord({ messageId: 'ok-1', receivedAt: RECEIVED_AT, record: { email: 'a@x.io' } }),
    streamRecord({ messageId: 'bad-1', receivedAt: RECEIVED_AT, record: { age: 1 } }),
    streamRecord({ messageId: 'bad-2', receivedAt: RECEIVED_AT, record: { age: 2 } }),
    streamRecord({ messageId: 'ok-1-again', receivedAt: RECEIVED_AT, record: { email: 'a@x.io' } }),
  ]);
  const stream = new MemoryStream();
  const service = new BatchService({
    store: world.batches,
    fileBatches: { stagedChunksOf: () => Promise.resolve([]) },
    quarantine: world.quarantine,
    progress: world.progress,
    stream,
    now: () => REPLAYED_AT,
  });
  return { world, service, stream };
}

/** The replayed stream entries as the consumer would read them. */
const asStreamRecords = (stream: MemoryStream) =>
  stream.entries.map((entry) =>
    streamRecord(
      JSON.parse(Buffer.from(entry.data).toString('utf8')) as StreamMessage,
      'shardId-000000000001',
    ),
  );

describe('BatchService', () => {
  it('shows a streaming batch with metrics that reconcile and errors by code', async () => {
    // Prepare
    const { service } = await consumedBatch();

    // Act
    const batch = await service.get('prod', BATCH_ID);

    // Assess
    expect(batch.metrics).toMatchObject({
      inputRecordCount: 4,
      outputRecordCount: 1,
      failedRecordCount: 2,
      duplicateRecordCount: 1,
    });
    expect(batch.errors).toEqual([expect.objectContaining({ code: 'schema-validation', recordCount: 2 })]);
    expect(batch.relatedObjects).toEqual([{ type: 'dataSet', id: 'ds-a' }]);
    expect(
      (await service.list('prod', { datasetId: 'ds-a' }, { limit: 10 })).items.map((item) => item.id),
    ).toEqual([BATCH_ID]);
    await expect(service.get('prod', 'stream-nope')).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('exports every failed record with its violations', async () => {
    // Prepare
    const { service } = await consumedBatch();

    // Act
    const failed = await service.failed('prod', BATCH_ID, { limit: 100 });

    // Assess
    expect(failed.items.map((line) => ('messageId' in line ? line.messageId : line.row)).sort()).toEqual([
      'bad-1',
      'bad-2',
    ]);
    expect(failed.items.every((line) => line.violations.length > 0)).toBe(true);
    expect(failed.next).toBeUndefined();
    await expect(service.failed('prod', BATCH_ID, { limit: 10, start: 'bogus' })).rejects.toMatchObject({
      kind: 'invalid',
    });
  });

  it('replays the failed records with a fix into a new batch, and a second replay duplicates nothing', async () => {
    // Prepare
    const { world, service, stream } = await consumedBatch();

    // Act: replay with bad-1 fixed, feed it to the consumer; then replay again and feed that too
    const first = await service.replay('prod', BATCH_ID, [
      { messageId: 'bad-1', record: { email: 'fixed@x.io' } },
    ]);
    await consumeRecords(world.deps, asStreamRecords(stream));
    stream.entries.length = 0;
    await service.replay('prod', BATCH_ID, [{ messageId: 'bad-1', record: { email: 'fixed@x.io' } }]);
    await consumeRecords(world.deps, asStreamRecords(stream));

    // Assess
    expect(first).toEqual({
      replayBatchIds: [streamingBatchId('ds-a', REPLAYED_AT.toISOString())],
      messages: 2,
    });
    expect(await lakeMessageIds(world.lake)).toEqual(['bad-1', 'ok-1']);
    const replayBatch = await service.get('prod', first.replayBatchIds[0] as string);
    expect(replayBatch.metrics).toMatchObject({
      outputRecordCount: 1,
      failedRecordCount: 2,
      duplicateRecordCount: 1,
    });
  });

  it('refuses a fix for a record that did not fail, and reports a stream that refuses the replay', async () => {
    // Prepare
    const { service, stream } = await consumedBatch();

    // Act
    const unknownFix = service.replay('prod', BATCH_ID, [{ messageId: 'ok-1', record: {} }]);
    stream.refuse = true;
    const refused = service.replay('prod', BATCH_ID, []);

    // Assess
    await expect(unknownFix).rejects.toMatchObject({ kind: 'unprocessable', code: 'not-quarantined' });
    await expect(refused).rejects.toBeInstanceOf(DomainError);
    await expect(refused).rejects.toMatchObject({ kind: 'unavailable', code: 'replay-incomplete' });
  });

  it("exports a file batch's failed rows, then the records the profile store refused, counted apart", async () => {
    // Prepare: one invalid row, and one valid record the profile store cannot hold
    const world = ingestWorld();
    addBatch(world, { partialIngestionPercent: 50 });
    await addFile(
      world,
      'people.json',
      personLines([{ email: 'a@x.io' }, { age: 1 }, { email: 'big@x.io' }]),
    );
    world.profiles.answer = (record) =>
      (record as { email?: string }).email === 'big@x.io'
        ? { status: 'failed', code: APPLY_CODES.recordTooLarge, reason: 'the record is over 400 KB' }
        : { status: 'applied' };
    await runIngestion(world);
    // The batches table answers file batches too; only getBatch is asked of it here.
    const store = { getBatch: (sandbox, batchId) => world.batches.getFileBatch(sandbox, batchId) } as Pick<
      BatchStore,
      'getBatch'
    >;
    const service = new BatchService({
      store: store as BatchStore,
      fileBatches: world.batches,
      quarantine: world.quarantine,
      stream: new MemoryStream(),
      progress: new MemoryStreamProgress(),
      now: () => REPLAYED_AT,
    });

    // Act
    const failed = await service.failed(SANDBOX, FILE_BATCH_ID, { limit: 100 });
    const batch = await service.get(SANDBOX, FILE_BATCH_ID);

    // Assess
    expect(failed.items).toEqual([
      expect.objectContaining({ file: 'people.json', row: 2, code: 'schema-validation' }),
      {
        stage: 'profile',
        file: 'people.json',
        row: 3,
        code: APPLY_CODES.recordTooLarge,
        violations: [{ pointer: '', keyword: 'profile', message: 'the record is over 400 KB' }],
        record: { email: 'big@x.io' },
      },
    ]);
    expect(batch.metrics).toMatchObject({ outputRecordCount: 2, failedRecordCount: 1, profileErrorCount: 1 });
  });
});
