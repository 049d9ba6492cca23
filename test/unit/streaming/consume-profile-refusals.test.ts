import { describe, expect, it } from 'vitest';
import { BatchService } from '../../../lambdas/core/batch-catalog/batch-service';
import type { StreamEntry, StreamPutOutcome } from '../../../lambdas/core/streaming/collect-stream';
import { consumeRecords } from '../../../lambdas/core/streaming/consume-records';
import { streamingBatchId, type StreamMessage } from '../../../lambdas/core/streaming/stream-message';
import { fakes, streamRecord, target } from './consume-fakes';

const RECEIVED_AT = '2024-05-01T10:05:00.000Z';
const BATCH_ID = streamingBatchId('ds-a', RECEIVED_AT);

describe('a streaming batch with records the profile store refused', () => {
  it('exports the refusal with its stage, counts it in profileErrorCount only, and never replays it', async () => {
    // Prepare: one record refused by the profile store, one that failed validation
    const world = fakes({ 'ds-a': target('ds-a') });
    world.refusedEmails.add('big@x.io');
    await consumeRecords(world.deps, [
      streamRecord({ messageId: 'refused', receivedAt: RECEIVED_AT, record: { email: 'big@x.io' } }),
      streamRecord({ messageId: 'invalid', receivedAt: RECEIVED_AT, record: { age: 3 } }),
    ]);
    const put: StreamEntry[] = [];
    const service = new BatchService({
      store: world.batches,
      fileBatches: { stagedChunksOf: () => Promise.resolve([]) },
      quarantine: world.quarantine,
      progress: world.progress,
      stream: {
        put: async (entries): Promise<StreamPutOutcome[]> => {
          put.push(...entries);
          return entries.map(() => ({ ok: true, shardId: 'shardId-1', sequenceNumber: '1' }));
        },
      },
      now: () => new Date('2024-05-02T08:00:00.000Z'),
    });

    // Act
    const batch = await service.get('prod', BATCH_ID);
    const exported = await service.failed('prod', BATCH_ID, { limit: 10 });
    const replay = await service.replay('prod', BATCH_ID, []);

    // Assess
    expect(batch.metrics).toMatchObject({ outputRecordCount: 1, failedRecordCount: 1, profileErrorCount: 1 });
    expect(exported.items.map((line) => [(line as { messageId: string }).messageId, line.code])).toEqual([
      ['invalid', 'schema-validation'],
      ['refused', 'profile-record-too-large'],
    ]);
    expect(exported.items[1]).toMatchObject({ stage: 'profile' });
    expect(replay.messages).toBe(1);
    const replayed = put.map((entry) => JSON.parse(Buffer.from(entry.data).toString()) as StreamMessage);
    expect(replayed.map((message) => message.messageId)).toEqual(['invalid']);
  });
});
