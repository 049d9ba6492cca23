import { describe, expect, it } from 'vitest';
import { lakeKey, quarantineKey } from '../../../lambdas/core/lake/lake-keys';
import { windowStartOf } from '../../../lambdas/core/streaming/stream-message';

describe('lake and quarantine keys', () => {
  it('partitions the lake by dataset, receive day (UTC) and batch, and names the part by its chunk', () => {
    // Act
    const key = lakeKey('prod', 'ds-1', 'batch-1', '2026-03-01T00:30:00+01:00', 'shard-0-42');

    // Assess
    expect(key).toBe('lake/prod/ds-1/date=2026-02-28/batch=batch-1/part-shard-0-42.parquet');
  });

  it.each(['2026-12-31T23:59:59.999Z', '2026-01-01T00:00:00.000Z', '2026-06-15T12:07:30.123Z'])(
    "puts a streaming record received at %s in its window's day",
    (receivedAt) => {
      // Act
      const key = lakeKey('prod', 'ds-1', 'batch-1', receivedAt, 'chunk');

      // Assess
      expect(key).toContain(`/date=${windowStartOf(receivedAt).toISOString().slice(0, 10)}/`);
    },
  );

  it('keeps the failed records of a chunk under its batch in the quarantine', () => {
    // Act
    const key = quarantineKey('prod', 'ds-1', 'batch-1', 'shard-0-42');

    // Assess
    expect(key).toBe('quarantine/prod/ds-1/batch=batch-1/part-shard-0-42.jsonl');
  });
});
