import { describe, expect, it } from 'vitest';
import { BatchStateError } from '../../../../lambdas/core/batches/batch-transitions';
import {
  chunksToPromote,
  PROFILE_SLICE,
  profileQuarantineKey,
  ProfileStoreError,
  promoteChunk,
} from '../../../../lambdas/core/batches/ingest/promote-chunk';
import { APPLY_CODES } from '../../../../lambdas/core/profiles/apply-to-profiles';
import { arrivalOrder } from '../../../../lambdas/core/profiles/fragments';
import {
  addBatch,
  addFile,
  ingestWorld,
  jsonLinesOf,
  parquetRows,
  personLines,
  runIngestion,
  withLake,
  type IngestWorld,
} from '../../../support/memory-file-batches';
import { BATCH_ID, DATASET_ID, NOW, SANDBOX } from '../../../support/memory-uploads';
import { target } from '../../streaming/consume-fakes';
import { lakeKey } from '../../../../lambdas/core/lake/lake-keys';

const STEP = { sandbox: SANDBOX, batchId: BATCH_ID };
const CHUNK = '00000-00000';
const LAKE_KEY = lakeKey(SANDBOX, DATASET_ID, BATCH_ID, NOW.toISOString(), CHUNK);
const people = (count: number) => Array.from({ length: count }, (_, i) => ({ email: `p${i}@x.io` }));

/** A decided batch of one chunk of `records`, ready to promote. */
async function decidedBatch(records: Record<string, unknown>[], world = ingestWorld()): Promise<IngestWorld> {
  addBatch(world);
  await addFile(world, 'people.json', personLines(records));
  const { decision } = await runIngestion(world, 'decided');
  expect(decision).toEqual({ promote: true, predecessors: [] });
  return world;
}

const stagedChunk = (world: IngestWorld) => world.batches.getStagedChunk(SANDBOX, BATCH_ID, CHUNK);

describe('promoteChunk', () => {
  it('copies the staged file into the lake, applies its records to the profiles, marks it, then removes the staged copy', async () => {
    // Prepare
    const world = await decidedBatch(people(2));
    const { stagingKey } = (await stagedChunk(world))!;
    const staged = world.lake.objects.get(stagingKey!);

    // Act
    const outcome = await promoteChunk(world.deps, { ...STEP, chunk: CHUNK });

    // Assess
    expect(outcome).toEqual({ done: true });
    expect(world.lake.keys()).toEqual([LAKE_KEY]);
    expect(world.lake.objects.get(LAKE_KEY)).toBe(staged);
    expect(LAKE_KEY).toBe(
      `lake/${SANDBOX}/${DATASET_ID}/date=2024-06-01/batch=${BATCH_ID}/part-${CHUNK}.parquet`,
    );
    expect(world.profiles.applied).toEqual([
      {
        sandbox: SANDBOX,
        dataset: { id: DATASET_ID, profileEnabled: true },
        schema: target(DATASET_ID).schema,
        items: people(2).map((record, row) => ({
          record,
          source: { batchId: BATCH_ID },
          receivedAt: NOW.toISOString(),
          arrival: arrivalOrder(NOW.toISOString(), 0, row),
        })),
      },
    ]);
    expect(await stagedChunk(world)).toMatchObject({ promoted: true, lakeKey: LAKE_KEY, profileErrors: {} });
  });

  it(`applies the records in slices of ${PROFILE_SLICE}, in order`, async () => {
    // Prepare
    const records = people(2 * PROFILE_SLICE + 1);
    const world = await decidedBatch(records);

    // Act
    await promoteChunk(world.deps, { ...STEP, chunk: CHUNK });

    // Assess
    expect(world.profiles.applied.map((call) => call.items.length)).toEqual([
      PROFILE_SLICE,
      PROFILE_SLICE,
      1,
    ]);
    expect(world.profiles.appliedRecords()).toEqual(records);
  });

  it('fails retryably when the profile store fails records, leaving the chunk to promote again', async () => {
    // Prepare
    const world = await decidedBatch(people(3));
    world.profiles.answer = (record) =>
      (record as { email: string }).email === 'p1@x.io'
        ? { status: 'failed', code: APPLY_CODES.storeError, reason: 'throttled' }
        : { status: 'applied' };

    // Act
    const error = await promoteChunk(world.deps, { ...STEP, chunk: CHUNK }).catch(
      (caught: unknown) => caught,
    );

    // Assess
    expect(error).toBeInstanceOf(ProfileStoreError);
    expect(error).toMatchObject({
      name: 'ProfileStoreError',
      retryable: true,
      message: `the profile store failed 1 records of chunk ${CHUNK}; retry`,
    });
    const chunk = await stagedChunk(world);
    expect(chunk!.promoted).toBeUndefined();
    expect(world.lake.objects.has(chunk!.stagingKey!)).toBe(true);
  });

  it('promotes again after a failure without writing anything twice', async () => {
    // Prepare
    const world = await decidedBatch(people(2));
    world.profiles.answer = () => ({ status: 'failed', code: APPLY_CODES.storeError });
    await promoteChunk(world.deps, { ...STEP, chunk: CHUNK }).catch(() => undefined);
    world.profiles.answer = () => ({ status: 'applied' });

    // Act
    const outcome = await promoteChunk(world.deps, { ...STEP, chunk: CHUNK });

    // Assess
    expect(outcome).toEqual({ done: true });
    expect(world.lake.keys()).toEqual([LAKE_KEY]);
    expect((await parquetRows(world.lake.objects.get(LAKE_KEY)!)).map((row) => row.record)).toEqual(
      people(2),
    );
  });

  it('counts records the profile store refuses for good, by code, explains each in the failed-record export, and promotes the chunk', async () => {
    // Prepare
    const world = await decidedBatch(people(4));
    const answers = [
      { status: 'applied' },
      { status: 'failed', code: APPLY_CODES.identityInvalid, reason: 'the email is not an identity' },
      { status: 'failed', code: APPLY_CODES.recordTooLarge, reason: 'the record is over 400 KB' },
      { status: 'failed', code: APPLY_CODES.identityInvalid, reason: 'the email is not an identity' },
    ] as const;
    world.profiles.answer = (record) => answers[Number((record as { email: string }).email.slice(1, 2))]!;

    // Act
    const outcome = await promoteChunk(world.deps, { ...STEP, chunk: CHUNK });

    // Assess
    expect(outcome).toEqual({ done: true });
    const key = profileQuarantineKey(SANDBOX, DATASET_ID, BATCH_ID, CHUNK);
    expect(await stagedChunk(world)).toMatchObject({
      promoted: true,
      profileErrors: { [APPLY_CODES.identityInvalid]: 2, [APPLY_CODES.recordTooLarge]: 1 },
      profileQuarantineKey: key,
      failedRecordCount: 0,
    });
    const line = (row: number, code: string, message: string) => ({
      stage: 'profile',
      file: 'people.json',
      row,
      code,
      violations: [{ pointer: '', keyword: 'profile', message }],
      record: { email: `p${row - 1}@x.io` },
    });
    expect(jsonLinesOf(world.quarantine.objects.get(key))).toEqual([
      line(2, APPLY_CODES.identityInvalid, 'the email is not an identity'),
      line(3, APPLY_CODES.recordTooLarge, 'the record is over 400 KB'),
      line(4, APPLY_CODES.identityInvalid, 'the email is not an identity'),
    ]);
  });

  it('explains each refused record once, however often the promotion of its chunk is run again', async () => {
    // Prepare: the first record is refused for good; a later slice meets a store outage, so the step is retried
    const records = people(PROFILE_SLICE + 1);
    const world = await decidedBatch(records);
    let outage = true;
    world.profiles.answer = (record) => {
      const { email } = record as { email: string };
      if (email === 'p0@x.io')
        return { status: 'failed', code: APPLY_CODES.recordTooLarge, reason: 'too large' };
      if (email === `p${PROFILE_SLICE}@x.io` && outage)
        return { status: 'failed', code: APPLY_CODES.storeError };
      return { status: 'applied' };
    };
    await promoteChunk(world.deps, { ...STEP, chunk: CHUNK }).catch(() => undefined);
    outage = false;

    // Act
    await promoteChunk(world.deps, { ...STEP, chunk: CHUNK });
    await promoteChunk(world.deps, { ...STEP, chunk: CHUNK });

    // Assess
    const key = profileQuarantineKey(SANDBOX, DATASET_ID, BATCH_ID, CHUNK);
    expect(jsonLinesOf(world.quarantine.objects.get(key))).toEqual([
      expect.objectContaining({ stage: 'profile', row: 1, code: APPLY_CODES.recordTooLarge }),
    ]);
    expect((await stagedChunk(world))?.profileErrors).toEqual({ [APPLY_CODES.recordTooLarge]: 1 });
  });

  it('orders the rows of a batch by arrival: the batch start, the chunk in the plan, the row in the chunk', async () => {
    // Prepare: one customer updated in three rows of equal time, cut into chunks of one row
    const world = ingestWorld({ chunkBytes: 1 });
    addBatch(world);
    const rows = [1, 2, 3].map((age) => ({ email: 'same@x.io', age }));
    await addFile(world, 'a.json', personLines(rows.slice(0, 2)));
    await addFile(world, 'b.json', personLines(rows.slice(2)));

    // Act
    await runIngestion(world);

    // Assess
    const items = world.profiles.applied.flatMap((call) => call.items);
    const arrivals = items.map((item) => item.arrival!);
    expect(items.map((item) => item.record)).toEqual(rows);
    expect(arrivals).toEqual([0, 1, 2].map((ordinal) => arrivalOrder(NOW.toISOString(), ordinal, 0)));
    expect([...arrivals].sort()).toEqual(arrivals);
    expect(new Set(arrivals).size).toBe(3);
  });

  it('passes the batches a replay replaces with its records, for the profile store to hand their data over', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { replay: { predecessors: ['old-1', 'old-2'] } });
    await addFile(world, 'people.json', personLines(people(1)));
    await runIngestion(world, 'decided');

    // Act
    await promoteChunk(world.deps, { ...STEP, chunk: CHUNK });

    // Assess
    expect(world.profiles.applied.map((call) => call.replaces)).toEqual([['old-1', 'old-2']]);
  });

  it('does nothing again for a chunk already promoted', async () => {
    // Prepare
    const world = await decidedBatch(people(2));
    await promoteChunk(world.deps, { ...STEP, chunk: CHUNK });
    const promoted = await stagedChunk(world);

    // Act
    const outcome = await promoteChunk(world.deps, { ...STEP, chunk: CHUNK });

    // Assess
    expect(outcome).toEqual({ done: true });
    expect(world.profiles.applied).toHaveLength(1);
    expect(await stagedChunk(world)).toEqual(promoted);
  });

  it('marks the chunk promoted before it removes the staged copy', async () => {
    // Prepare
    const world = await decidedBatch(people(1));
    const markedAtDelete: (boolean | undefined)[] = [];
    const deps = withLake(world, {
      delete: async (key) => {
        markedAtDelete.push((await stagedChunk(world))?.promoted);
        await world.lake.delete(key);
      },
    });

    // Act
    await promoteChunk(deps, { ...STEP, chunk: CHUNK });

    // Assess
    expect(markedAtDelete).toEqual([true]);
  });

  it('copies without applying when the dataset is not profile-enabled', async () => {
    // Prepare
    const world = await decidedBatch(
      people(2),
      ingestWorld({ targets: { [DATASET_ID]: target(DATASET_ID, false) } }),
    );

    // Act
    const outcome = await promoteChunk(world.deps, { ...STEP, chunk: CHUNK });

    // Assess
    expect(outcome).toEqual({ done: true });
    expect(world.profiles.applied).toEqual([]);
    expect(world.lake.keys()).toEqual([LAKE_KEY]);
  });

  it('marks a chunk without staged rows as done without touching anything', async () => {
    // Prepare
    const world = ingestWorld();
    addBatch(world, { status: 'processing' });
    await world.batches.putStagedChunk(SANDBOX, BATCH_ID, {
      chunk: CHUNK,
      file: 'bad.json',
      range: '0-10',
      inputRecordCount: 1,
      outputRecordCount: 0,
      failedRecordCount: 1,
      errors: { 'schema-validation': 1 },
      writtenAt: NOW.toISOString(),
    });

    // Act
    const outcome = await promoteChunk(world.deps, { ...STEP, chunk: CHUNK });

    // Assess
    expect(outcome).toEqual({ done: true });
    expect(world.lake.objects.size).toBe(0);
    expect((await stagedChunk(world))!.promoted).toBeUndefined();
  });

  it('fails the step for good when the chunk or its staged file is gone', async () => {
    // Prepare
    const world = await decidedBatch(people(1));
    world.lake.objects.clear();

    // Act
    const unknownChunk = promoteChunk(world.deps, { ...STEP, chunk: '00007-00000' });
    const missingFile = promoteChunk(world.deps, { ...STEP, chunk: CHUNK });

    // Assess
    await expect(unknownChunk).rejects.toThrow(
      new BatchStateError(`batch ${BATCH_ID} has no staged chunk 00007-00000`),
    );
    await expect(missingFile).rejects.toThrow(
      new BatchStateError(`the staged file of chunk ${CHUNK} of batch ${BATCH_ID} is gone`),
    );
    await expect(missingFile).rejects.toBeInstanceOf(BatchStateError);
  });

  it('pages through the staged chunks that still have rows to promote', async () => {
    // Prepare: three one-row chunks, the first promoted already, and a chunk of failed rows only
    const world = ingestWorld({ chunkBytes: 1 });
    addBatch(world, { partialIngestionPercent: 50 });
    await addFile(world, 'a.json', personLines(people(3)));
    await addFile(world, 'b.json', personLines([{ age: 1 }]));
    await runIngestion(world, 'decided');
    await promoteChunk(world.deps, { ...STEP, chunk: '00000-00000' });

    // Act
    const page = await chunksToPromote(world.deps, { ...STEP, page: '' });

    // Assess
    expect(page).toEqual({ chunks: ['00000-00001', '00000-00002'], next: null });
  });

  it.each(['staging', 'success', 'failed'] as const)('promotes nothing of a %s batch', async (status) => {
    // Prepare
    const world = await decidedBatch(people(1));
    addBatch(world, { status });

    // Act
    const outcome = await promoteChunk(world.deps, { ...STEP, chunk: CHUNK });

    // Assess
    expect(outcome).toEqual({ done: false });
    expect(world.profiles.applied).toEqual([]);
  });
});
