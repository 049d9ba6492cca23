import { describe, expect, it } from 'vitest';
import { consumeRecords } from '../../../lambdas/core/streaming/consume-records';
import { fakes, lakeMessageIds, quarantineLines, streamRecord, target, totals } from './consume-fakes';

describe('consumeRecords and record times', () => {
  it('quarantines a record stamped more than a day after it first arrived, keeping it from the profile', async () => {
    // Prepare: received 2024-05-01T10:05Z
    const world = fakes({ 'ds-a': target('ds-a') });
    const records = [
      streamRecord({ messageId: 'future', record: { email: 'a@x.io', timestamp: '2099-01-01T00:00:00Z' } }),
      streamRecord({ messageId: 'soon', record: { email: 'b@x.io', timestamp: '2024-05-02T10:00:00Z' } }),
      streamRecord({
        messageId: 'replayed',
        originalReceivedAt: '2024-04-01T00:00:00.000Z',
        record: { email: 'c@x.io', timestamp: '2024-05-01T00:00:00Z' },
      }),
    ];

    // Act
    await consumeRecords(world.deps, records);

    // Assess
    expect(await lakeMessageIds(world.lake)).toEqual(['soon']);
    expect(world.applied).toEqual(['b@x.io']);
    const lines = quarantineLines(world.quarantine);
    expect(lines.map((line) => [line.messageId, line.code])).toEqual([
      ['future', 'timestamp-skew'],
      ['replayed', 'timestamp-skew'],
    ]);
    expect(lines[0]?.violations).toEqual([
      {
        pointer: '/timestamp',
        keyword: 'timestamp-skew',
        message: expect.stringContaining(
          'more than 24 hours after the record arrived (2024-05-01T10:05:00.000Z)',
        ) as string,
      },
    ]);
    expect(totals(world.batches)).toEqual({ output: 1, failed: 2, duplicates: 0 });
  });
});
