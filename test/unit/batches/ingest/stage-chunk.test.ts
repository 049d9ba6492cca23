import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { BatchStateError } from '../../../../lambdas/core/batches/batch-transitions';
import type { FileReader } from '../../../../lambdas/core/batches/ingest/ingest-ports';
import { rowMessageId, stageChunk } from '../../../../lambdas/core/batches/ingest/stage-chunk';
import {
  addBatch,
  addFile,
  ingestWorld,
  jsonLinesOf,
  parquetRows,
  plannedChunks,
  personLines,
  type IngestWorld,
} from '../../../support/memory-file-batches';
import { BATCH_ID, DATASET_ID, NOW, SANDBOX } from '../../../support/memory-uploads';

const STEP = { sandbox: SANDBOX, batchId: BATCH_ID };
const STAGING_KEY = `staging/${SANDBOX}/${DATASET_ID}/batch=${BATCH_ID}/part-00000-00000.parquet`;
const QUARANTINE_KEY = `quarantine/${SANDBOX}/${DATASET_ID}/batch=${BATCH_ID}/part-00000-00000.jsonl`;

const MIXED = ['{"email":"a@x.io","age":1}', '{"age":2}', 'not json', '', '{"email":"d@x.io"}', ''].join(
  '\n',
);

const planned = (world: IngestWorld) => plannedChunks(world);

/** The world's reader, counting the chunks it is asked to read. */
function countingReader(world: IngestWorld): { reads: number; deps: IngestWorld['deps'] } {
  const counter = { reads: 0, deps: world.deps };
  const reader: FileReader = {
    plan: (...args) => world.deps.reader.plan(...args),
    read: (...args) => {
      counter.reads += 1;
      return world.deps.reader.read(...args);
    },
  };
  counter.deps = { ...world.deps, reader };
  return counter;
}

describe('stageChunk', () => {
  it('stages valid rows as Parquet, quarantines failed rows with every reason, and records the counts', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    await addFile(world, 'people.json', MIXED);
    const [chunk] = await planned(world);

    // Act
    const outcome = await stageChunk(world.deps, { ...STEP, chunk: chunk! });

    // Assess
    expect(outcome).toEqual({ done: true });
    const staged = await parquetRows(world.lake.objects.get(STAGING_KEY)!);
    expect(staged).toEqual([
      {
        message_id: rowMessageId(BATCH_ID, 0, 1),
        received_at: NOW,
        record: { email: 'a@x.io', age: 1 },
        email: 'a@x.io',
        age: 1n,
      },
      {
        message_id: `${BATCH_ID}:0:4`,
        received_at: NOW,
        record: { email: 'd@x.io' },
        email: 'd@x.io',
        age: null,
      },
    ]);
    expect(jsonLinesOf(world.quarantine.objects.get(QUARANTINE_KEY))).toEqual([
      {
        file: 'people.json',
        line: 2,
        row: 2,
        code: 'schema-validation',
        violations: [
          { pointer: '/email', keyword: 'required', message: 'must have required property email' },
        ],
        record: { age: 2 },
      },
      {
        file: 'people.json',
        line: 3,
        row: 3,
        code: 'malformed-json',
        violations: [{ pointer: '', keyword: 'malformed-json', message: expect.any(String) as string }],
        raw: 'not json',
      },
    ]);
    expect(await world.batches.getStagedChunk(SANDBOX, BATCH_ID, '00000-00000')).toEqual({
      chunk: '00000-00000',
      ordinal: 0,
      file: 'people.json',
      range: `0-${MIXED.length}`,
      inputRecordCount: 4,
      outputRecordCount: 2,
      failedRecordCount: 2,
      errors: { 'schema-validation': 1, 'malformed-json': 1 },
      stagingKey: STAGING_KEY,
      quarantineKey: QUARANTINE_KEY,
      writtenAt: NOW.toISOString(),
    });
  });

  it('quarantines a row holding a number that would change, pointing at it, and stages nothing rounded', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    await addFile(world, 'people.json', '{"email":"a@x.io","age":9007199254740993}\n');
    const [chunk] = await planned(world);

    // Act
    await stageChunk(world.deps, { ...STEP, chunk: chunk! });

    // Assess
    expect(world.lake.objects.has(STAGING_KEY)).toBe(false);
    expect(jsonLinesOf(world.quarantine.objects.get(QUARANTINE_KEY))).toEqual([
      {
        file: 'people.json',
        line: 1,
        row: 1,
        code: 'inexact-number',
        violations: [
          {
            pointer: '/age',
            keyword: 'exactNumber',
            message: expect.stringContaining('9007199254740992') as string,
          },
        ],
        raw: '{"email":"a@x.io","age":9007199254740993}',
      },
    ]);
  });

  it('writes no staging object for a chunk without valid rows, and no quarantine object without failed ones', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    await addFile(world, 'bad.json', '{"age":1}\n');
    await addFile(world, 'good.json', personLines([{ email: 'a@x.io' }]));
    const chunks = await planned(world);

    // Act
    for (const chunk of chunks) await stageChunk(world.deps, { ...STEP, chunk });

    // Assess
    const [bad, good] = await world.batches.stagedChunksOf(SANDBOX, BATCH_ID);
    expect(bad).toMatchObject({ file: 'bad.json', outputRecordCount: 0, failedRecordCount: 1 });
    expect(bad!.stagingKey).toBeUndefined();
    expect(good).toMatchObject({ file: 'good.json', outputRecordCount: 1, failedRecordCount: 0, errors: {} });
    expect(good!.quarantineKey).toBeUndefined();
    expect([...world.lake.objects.keys()]).toEqual([good!.stagingKey]);
    expect([...world.quarantine.objects.keys()]).toEqual([bad!.quarantineKey]);
  });

  it('does not read a chunk again that was already staged from the same range', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    await addFile(world, 'people.json', MIXED);
    const [chunk] = await planned(world);
    await stageChunk(world.deps, { ...STEP, chunk: chunk! });
    const before = await world.batches.getStagedChunk(SANDBOX, BATCH_ID, '00000-00000');
    const counting = countingReader(world);
    world.lake.objects.clear();

    // Act
    const outcome = await stageChunk(counting.deps, { ...STEP, chunk: chunk! });

    // Assess
    expect(outcome).toEqual({ done: true });
    expect(counting.reads).toBe(0);
    expect(world.lake.objects.size).toBe(0);
    expect(await world.batches.getStagedChunk(SANDBOX, BATCH_ID, '00000-00000')).toEqual(before);
  });

  it('stages a chunk anew when it was staged from another range, overwriting its objects and counts', async () => {
    // Prepare
    const lines = personLines([{ email: 'a@x.io' }, { age: 2 }, { email: 'c@x.io' }]);
    const world = ingestWorld({ chunkBytes: 1 });
    addBatch(world);
    await addFile(world, 'people.json', lines);
    const [firstLine] = await planned(world);
    await stageChunk(world.deps, { ...STEP, chunk: firstLine! });
    const whole = { ...firstLine!, end: lines.length };

    // Act
    await stageChunk(world.deps, { ...STEP, chunk: whole });

    // Assess
    expect(await world.batches.getStagedChunk(SANDBOX, BATCH_ID, '00000-00000')).toMatchObject({
      range: `0-${lines.length}`,
      inputRecordCount: 3,
      outputRecordCount: 2,
      failedRecordCount: 1,
    });
    const rows = await parquetRows(world.lake.objects.get(STAGING_KEY)!);
    expect(rows.map((row) => row.email)).toEqual(['a@x.io', 'c@x.io']);
    expect(jsonLinesOf(world.quarantine.objects.get(QUARANTINE_KEY))).toHaveLength(1);
  });

  it('never stages a promoted chunk again, whatever range it is asked for', async () => {
    // Prepare: a chunk promoted, its batch back to staging as a resumed run under other code might find it
    const lines = personLines([{ email: 'a@x.io' }, { email: 'b@x.io' }]);
    const world = ingestWorld({ chunkBytes: 1 });
    addBatch(world);
    await addFile(world, 'people.json', lines);
    const [firstLine] = await planned(world);
    await stageChunk(world.deps, { ...STEP, chunk: firstLine! });
    const staged = await world.batches.getStagedChunk(SANDBOX, BATCH_ID, '00000-00000');
    await world.batches.putStagedChunk(SANDBOX, BATCH_ID, { ...staged!, promoted: true });
    const objects = world.lake.keys();

    // Act
    const outcome = await stageChunk(world.deps, { ...STEP, chunk: { ...firstLine!, end: lines.length } });

    // Assess
    expect(outcome).toEqual({ done: true });
    expect(await world.batches.getStagedChunk(SANDBOX, BATCH_ID, '00000-00000')).toEqual({
      ...staged,
      promoted: true,
    });
    expect(world.lake.keys()).toEqual(objects);
  });

  it('removes the objects an earlier staging from another range wrote and this one does not', async () => {
    // Prepare: the whole file staged first (a failed row quarantined), then only its valid first line
    const lines = personLines([{ email: 'a@x.io' }, { age: 2 }, { email: 'c@x.io' }]);
    const world = ingestWorld({ chunkBytes: 1 });
    addBatch(world);
    await addFile(world, 'people.json', lines);
    const [firstLine] = await planned(world);
    await stageChunk(world.deps, { ...STEP, chunk: { ...firstLine!, end: lines.length } });
    expect(world.quarantine.objects.has(QUARANTINE_KEY)).toBe(true);

    // Act
    await stageChunk(world.deps, { ...STEP, chunk: firstLine! });

    // Assess
    expect(world.quarantine.objects.has(QUARANTINE_KEY)).toBe(false);
    expect(await world.batches.getStagedChunk(SANDBOX, BATCH_ID, '00000-00000')).toMatchObject({
      inputRecordCount: 1,
      failedRecordCount: 0,
    });
  });

  it('stages Parquet rows, quarantining failed ones by row (Parquet has no lines)', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { inputFormat: { format: 'parquet' } });
    const parquet = parquetWriteBuffer({
      columnData: [
        { name: 'email', data: ['a@x.io', null], type: 'STRING', nullable: true },
        { name: 'age', data: [1, 2], type: 'INT32' },
      ],
    });
    await addFile(world, 'people.parquet', new Uint8Array(parquet));
    const [chunk] = await planned(world);

    // Act
    await stageChunk(world.deps, { ...STEP, chunk: chunk! });

    // Assess
    const rows = await parquetRows(world.lake.objects.get(STAGING_KEY)!);
    expect(rows.map((row) => row.record)).toEqual([{ email: 'a@x.io', age: 1 }]);
    expect(jsonLinesOf(world.quarantine.objects.get(QUARANTINE_KEY))).toEqual([
      {
        file: 'people.parquet',
        row: 2,
        code: 'schema-validation',
        violations: [
          { pointer: '/email', keyword: 'required', message: 'must have required property email' },
        ],
        record: { age: 2 },
      },
    ]);
    expect(await world.batches.getStagedChunk(SANDBOX, BATCH_ID, '00000-00000')).toMatchObject({
      range: '0-1',
    });
  });

  it('coerces CSV text to the types of the dataset schema', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { inputFormat: { format: 'csv' } });
    await addFile(world, 'people.csv', 'email,age\na@x.io,42\nb@x.io,old\n');
    const [chunk] = await planned(world);

    // Act
    await stageChunk(world.deps, { ...STEP, chunk: chunk! });

    // Assess
    expect(world.fieldTypeLookups).toEqual(['https://example.com/person@1']);
    const rows = await parquetRows(world.lake.objects.get(STAGING_KEY)!);
    expect(rows.map((row) => row.record)).toEqual([
      { email: 'a@x.io', age: 42 },
      { email: 'b@x.io', age: 'old' },
    ]);
    expect(rows.map((row) => row.age)).toEqual([42n, null]);
    expect(rows.map((row) => row.message_id)).toEqual([`${BATCH_ID}:0:1`, `${BATCH_ID}:0:2`]);
  });

  it('does not look up field types for formats that carry their own', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    await addFile(world, 'people.json', personLines([{ email: 'a@x.io', age: 1 }]));
    const [chunk] = await planned(world);

    // Act
    await stageChunk(world.deps, { ...STEP, chunk: chunk! });

    // Assess
    expect(world.fieldTypeLookups).toEqual([]);
  });

  it('fails the batch and the step when the file turns out unreadable mid-chunk', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    const gzip = gzipSync(
      Buffer.from(personLines(Array.from({ length: 200 }, (_, i) => ({ email: `${i}@x.io` })))),
    );
    await addFile(world, 'people.json.gz', gzip.subarray(0, gzip.length - 40));
    const [chunk] = await planned(world);

    // Act
    const outcome = stageChunk(world.deps, { ...STEP, chunk: chunk! });

    // Assess
    await expect(outcome).rejects.toThrow(BatchStateError);
    await expect(outcome).rejects.toThrow(
      `batch ${BATCH_ID} failed: people.json.gz: The file is not a readable gzip`,
    );
    expect(world.batches.stored()).toMatchObject({
      status: 'failed',
      completedAt: NOW.toISOString(),
      failure: {
        code: 'corrupt-gzip',
        message: expect.stringMatching(/^people\.json\.gz: The file is not a readable gzip/) as string,
      },
    });
    expect(await world.batches.getStagedChunk(SANDBOX, BATCH_ID, '00000-00000')).toBeUndefined();
  });

  it('fails the batch when its dataset is gone', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    await addFile(world, 'people.json', personLines([{ email: 'a@x.io' }]));
    const [chunk] = await planned(world);
    world.targets[DATASET_ID] = 'dataset-not-found';

    // Act
    const outcome = stageChunk(world.deps, { ...STEP, chunk: chunk! });

    // Assess
    await expect(outcome).rejects.toThrow(BatchStateError);
    expect(world.batches.stored().failure).toEqual({
      code: 'dataset-not-found',
      message: `people.json: the batch's dataset ${DATASET_ID} cannot be read (dataset-not-found)`,
    });
  });

  it('fails the step with a BatchStateError when the file was not planned', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    const chunk = { file: 3, index: 0, start: 0, end: 10, firstLine: 1, firstRow: 1, ordinal: 0 };

    // Act
    const outcome = stageChunk(world.deps, { ...STEP, chunk });

    // Assess
    await expect(outcome).rejects.toThrow(`batch ${BATCH_ID} has no plan for file 3; plan it again`);
  });

  it.each(['processing', 'failed'] as const)('stages nothing for a %s batch', async (status) => {
    // Prepare
    const world = ingestWorld();
    addBatch(world);
    await addFile(world, 'people.json', personLines([{ email: 'a@x.io' }]));
    const [chunk] = await planned(world);
    addBatch(world, { status });

    // Act
    const outcome = await stageChunk(world.deps, { ...STEP, chunk: chunk! });

    // Assess
    expect(outcome).toEqual({ done: false });
    expect(world.lake.objects.size).toBe(0);
  });
});
