import { describe, expect, it } from 'vitest';
import { consumeRecords, UNKNOWN_DATASET } from '../../../lambdas/core/streaming/consume-records';
import { fakes, lakeMessageIds, quarantineLines, streamRecord, target, totals } from './consume-fakes';

describe('consumeRecords', () => {
  it('writes valid records to the lake, invalid and undecodable ones to the quarantine, and counts them', async () => {
    // Prepare
    const world = fakes({ 'ds-a': target('ds-a') });
    const records = [
      streamRecord({ messageId: 'ok-1', record: { email: 'a@x.io', age: 3 } }),
      streamRecord({ messageId: 'bad-1', record: { age: 4 } }),
      streamRecord('{not json'),
      streamRecord({ messageId: 'gone-1', datasetId: 'ds-deleted', record: { email: 'b@x.io' } }),
    ];

    // Act
    const response = await consumeRecords(world.deps, records);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await lakeMessageIds(world.lake)).toEqual(['ok-1']);
    const lines = quarantineLines(world.quarantine);
    expect(lines.map((line) => [line.messageId, line.code]).sort()).toEqual([
      ['bad-1', 'schema-validation'],
      ['gone-1', 'dataset-not-found'],
      [`${records[2]?.shardId}#${records[2]?.sequenceNumber}`, 'undecodable'],
    ]);
    expect(lines.find((line) => line.code === 'schema-validation')?.violations).toEqual([
      { pointer: '/email', keyword: 'required', message: 'must have required property email' },
    ]);
    const undecodable = lines.find((line) => line.code === 'undecodable');
    expect(undecodable?.datasetId).toBe(UNKNOWN_DATASET);
    expect(Buffer.from(undecodable?.raw ?? '', 'base64').toString()).toBe('{not json');
    expect([...world.quarantine.objects.keys()].some((key) => key.includes(`/${UNKNOWN_DATASET}/`))).toBe(
      true,
    );
    expect(totals(world.batches)).toEqual({ output: 1, failed: 3, duplicates: 0 });
    expect(world.applied).toEqual(['a@x.io']);
  });

  it('skips a producer duplicate but lets a redelivery of the same stream record through without double counting', async () => {
    // Prepare
    const world = fakes({ 'ds-a': target('ds-a') });
    const original = streamRecord({ messageId: 'm-1', record: { email: 'a@x.io' } });
    const resent = streamRecord({ messageId: 'm-2', record: { email: 'a@x.io' } });

    // Act
    await consumeRecords(world.deps, [original, resent]);
    await consumeRecords(world.deps, [original, resent]);

    // Assess
    expect(await lakeMessageIds(world.lake)).toEqual(['m-1']);
    expect(totals(world.batches)).toEqual({ output: 1, failed: 0, duplicates: 1 });
  });

  it('leaves records from the first retryable profile failure on for the retry, writing nothing of them', async () => {
    // Prepare
    const world = fakes({ 'ds-a': target('ds-a') });
    const records = [
      streamRecord({ messageId: 'm-1', record: { email: 'a@x.io' } }),
      streamRecord({ messageId: 'm-2', record: { email: 'b@x.io' } }),
      streamRecord({ messageId: 'm-3', record: { age: 1 } }),
      streamRecord({ messageId: 'm-4', record: { email: 'c@x.io' } }),
    ];
    world.failingEmails.add('b@x.io');

    // Act
    const first = await consumeRecords(world.deps, records);
    const afterFirst = await lakeMessageIds(world.lake);
    world.failingEmails.clear();
    const retry = await consumeRecords(world.deps, records.slice(1));

    // Assess
    expect(first.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      records.slice(1).map((record) => record.sequenceNumber),
    );
    expect(afterFirst).toEqual(['m-1']);
    expect(quarantineLines(world.quarantine).map((line) => line.messageId)).toEqual(['m-3']);
    expect(retry.batchItemFailures).toEqual([]);
    expect(await lakeMessageIds(world.lake)).toEqual(['m-1', 'm-2', 'm-4']);
    expect(totals(world.batches)).toEqual({ output: 3, failed: 1, duplicates: 0 });
  });

  it('overwrites a bisected first half and removes what it no longer writes, so halves never double count', async () => {
    // Prepare: a whole batch over two datasets ran (and then failed before answering), so Lambda bisects it
    const world = fakes({ 'ds-a': target('ds-a'), 'ds-b': target('ds-b', false) });
    const records = [
      streamRecord({ messageId: 'a-1', datasetId: 'ds-a', record: { email: 'a@x.io' } }),
      streamRecord({ messageId: 'a-2', datasetId: 'ds-a', record: {} }),
      streamRecord({ messageId: 'b-1', datasetId: 'ds-b', record: { email: 'b@x.io' } }),
      streamRecord({ messageId: 'b-2', datasetId: 'ds-b', record: {} }),
    ];
    await consumeRecords(world.deps, records);

    // Act
    await consumeRecords(world.deps, records.slice(0, 2));
    await consumeRecords(world.deps, records.slice(2));

    // Assess
    expect(await lakeMessageIds(world.lake)).toEqual(['a-1', 'b-1']);
    expect(
      quarantineLines(world.quarantine)
        .map((line) => line.messageId)
        .sort(),
    ).toEqual(['a-2', 'b-2']);
    expect(totals(world.batches)).toEqual({ output: 2, failed: 2, duplicates: 0 });
  });

  it('reconciles the counts of a mixed run: every record is output, failed or a duplicate exactly once', async () => {
    // Prepare
    const world = fakes({ 'ds-a': target('ds-a') });
    const records = Array.from({ length: 30 }, (_, index) =>
      streamRecord({
        messageId: `m-${index}`,
        record: index % 5 === 0 ? { age: index } : { email: `p${index % 12}@x.io`, age: index },
      }),
    );

    // Act
    await consumeRecords(world.deps, records);
    await consumeRecords(world.deps, records);

    // Assess
    const counted = totals(world.batches);
    expect(counted.output + counted.failed + counted.duplicates).toBe(records.length);
    expect((await lakeMessageIds(world.lake)).length).toBe(counted.output);
    expect(quarantineLines(world.quarantine).length).toBe(counted.failed);
  });
});
