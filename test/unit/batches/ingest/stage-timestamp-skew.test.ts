import { describe, expect, it } from 'vitest';
import { stageChunk } from '../../../../lambdas/core/batches/ingest/stage-chunk';
import {
  addBatch,
  addFile,
  ingestWorld,
  jsonLinesOf,
  parquetRows,
  personLines,
  plannedChunks,
} from '../../../support/memory-file-batches';
import { BATCH_ID, DATASET_ID, SANDBOX } from '../../../support/memory-uploads';

const STEP = { sandbox: SANDBOX, batchId: BATCH_ID };

describe('stageChunk and record times', () => {
  it('fails a row stamped more than a day after the batch started, and stages the others', async () => {
    // Prepare: the batch started 2024-06-01T12:00Z
    const world = ingestWorld();
    addBatch(world);
    await addFile(
      world,
      'people.json',
      personLines([
        { email: 'a@x.io', timestamp: '2099-01-01T00:00:00Z' },
        { email: 'b@x.io', timestamp: '2024-06-01T11:00:00Z' },
        { email: 'c@x.io', _repo: { modifyDate: '2024-06-03T00:00:00Z' } },
      ]),
    );
    const [chunk] = await plannedChunks(world);

    // Act
    await stageChunk(world.deps, { ...STEP, chunk: chunk! });

    // Assess
    const name = '00000-00000';
    const staged = await parquetRows(
      world.lake.objects.get(`staging/${SANDBOX}/${DATASET_ID}/batch=${BATCH_ID}/part-${name}.parquet`)!,
    );
    expect(staged.map((row) => (row.record as { email: string }).email)).toEqual(['b@x.io']);
    const failed = jsonLinesOf(
      world.quarantine.objects.get(
        `quarantine/${SANDBOX}/${DATASET_ID}/batch=${BATCH_ID}/part-${name}.jsonl`,
      ),
    ) as { row: number; code: string; violations: { pointer: string; keyword: string }[] }[];
    expect(failed.map((line) => [line.row, line.code, line.violations[0]?.pointer])).toEqual([
      [1, 'timestamp-skew', '/timestamp'],
      [3, 'timestamp-skew', '/_repo/modifyDate'],
    ]);
    expect((await world.batches.getStagedChunk(SANDBOX, BATCH_ID, name))?.errors).toEqual({
      'timestamp-skew': 2,
    });
  });
});
