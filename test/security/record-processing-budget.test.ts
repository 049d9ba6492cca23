/**
 * One slow record must not hold a shared stream shard or a batch chunk for every tenant behind it: a record whose
 * validation and mapping go over `RECORD_PROCESSING_BUDGET_MS` is failed with `processing-budget-exceeded` (the
 * streaming quarantine, a batch's failed rows) instead of being retried, the records around it go on, and the
 * counts reconcile. The clock is a fake that jumps past the budget while the hostile record is processed.
 */
import { describe, expect, it } from 'vitest';
import { stageChunk } from '../../lambdas/core/batches/ingest/stage-chunk';
import { RECORD_PROCESSING_BUDGET_MS } from '../../lambdas/core/processing-budget';
import { consumeRecords } from '../../lambdas/core/streaming/consume-records';
import {
  addBatch,
  addFile,
  ingestWorld,
  jsonLinesOf,
  parquetRows,
  personLines,
  plannedChunks,
} from '../support/memory-file-batches';
import { BATCH_ID, DATASET_ID, SANDBOX } from '../support/memory-uploads';
import {
  fakes,
  lakeMessageIds,
  quarantineLines,
  streamRecord,
  target,
  totals,
} from '../unit/streaming/consume-fakes';
import type { DatasetTarget } from '../../lambdas/core/lake/dataset-targets';

/** Far past the budget of a small record, its weight's allowance included. */
const PAST_THE_BUDGET_MS = 10 * RECORD_PROCESSING_BUDGET_MS;

/** A monotonic clock that stands still until `slow` makes it jump past the budget. */
function jumpingClock() {
  let now = 0;
  return {
    clock: () => now,
    slow: () => {
      now += PAST_THE_BUDGET_MS;
    },
  };
}

describe('a record over its processing budget', () => {
  it('is quarantined by the streaming consumer with processing-budget-exceeded, and the records after it are ingested', async () => {
    // Prepare: validating the hostile record takes longer than the budget, as a backtracking pattern would
    const time = jumpingClock();
    const person = target('ds-a');
    const slowTarget: DatasetTarget = {
      ...person,
      validate: (record) => {
        if ((record as { email?: string }).email === 'slow@x.io') time.slow();
        return person.validate(record);
      },
    };
    const world = fakes({ 'ds-a': slowTarget });
    const records = [
      streamRecord({ messageId: 'before', record: { email: 'a@x.io' } }),
      streamRecord({ messageId: 'hostile', record: { email: 'slow@x.io' } }),
      streamRecord({ messageId: 'after', record: { email: 'b@x.io' } }),
    ];

    // Act
    const outcome = await consumeRecords({ ...world.deps, processingClock: time.clock }, records);

    // Assess
    expect(outcome).toEqual({ batchItemFailures: [] });
    expect((await lakeMessageIds(world.lake)).sort()).toEqual(['after', 'before']);
    expect(world.applied).toEqual(['a@x.io', 'b@x.io']);
    const lines = quarantineLines(world.quarantine);
    expect(lines.map((line) => [line.messageId, line.code])).toEqual([
      ['hostile', 'processing-budget-exceeded'],
    ]);
    expect(lines[0]?.violations[0]?.message).toContain('took longer than its budget of');
    expect(totals(world.batches)).toEqual({ output: 2, failed: 1, duplicates: 0 });
  });

  it('fails that row of a file batch with processing-budget-exceeded and stages the others', async () => {
    // Prepare: each row reads the clock when it starts and when its validation ends; row 2 is slow
    const world = ingestWorld();
    addBatch(world);
    await addFile(
      world,
      'people.json',
      personLines([{ email: 'a@x.io' }, { email: 'b@x.io' }, { email: 'c@x.io' }]),
    );
    const [chunk] = await plannedChunks(world);
    let readings = 0;
    const clock = () => {
      readings += 1;
      return readings >= 4 ? PAST_THE_BUDGET_MS : 0;
    };

    // Act
    await stageChunk(
      { ...world.deps, processingClock: clock },
      { sandbox: SANDBOX, batchId: BATCH_ID, chunk: chunk! },
    );

    // Assess
    const name = '00000-00000';
    const staged = await parquetRows(
      world.lake.objects.get(`staging/${SANDBOX}/${DATASET_ID}/batch=${BATCH_ID}/part-${name}.parquet`)!,
    );
    expect(staged.map((row) => (row.record as { email: string }).email)).toEqual(['a@x.io', 'c@x.io']);
    const failed = jsonLinesOf(
      world.quarantine.objects.get(
        `quarantine/${SANDBOX}/${DATASET_ID}/batch=${BATCH_ID}/part-${name}.jsonl`,
      ),
    ) as { row: number; code: string }[];
    expect(failed.map((line) => [line.row, line.code])).toEqual([[2, 'processing-budget-exceeded']]);
    expect((await world.batches.getStagedChunk(SANDBOX, BATCH_ID, name))?.errors).toEqual({
      'processing-budget-exceeded': 1,
    });
  });
});
