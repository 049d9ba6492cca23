import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { droppedFileOf } from '../../../../lambdas/core/batches/file-drop-key';
import {
  dropBatchId,
  ingestDroppedFile,
  UNVERSIONED_OBJECT,
} from '../../../../lambdas/core/batches/file-drop';
import { batchIdOf, dropped, dropWorld, EVENT_TIME } from '../../../support/file-drops';
import { executionArnOf, parquetRows, personLines, runIngestion } from '../../../support/memory-file-batches';
import { DATASET_ID, SANDBOX } from '../../../support/memory-uploads';

describe('droppedFileOf and dropBatchId', () => {
  it('finds the sandbox, dataset and path (folders kept) of a landing key, and nothing outside the layout', () => {
    // Act
    const found = droppedFileOf('landing/prod/ds-1/2024/06/people.csv');
    const outside = [
      'uploads/prod/ds-1/a.csv',
      'landing/prod/ds-1/',
      'landing/prod/ds-1/folder/',
      'landing/prod/a.csv',
      'landing//ds-1/a.csv',
    ].map(droppedFileOf);

    // Assess
    expect(found).toEqual({ sandbox: 'prod', datasetId: 'ds-1', path: '2024/06/people.csv' });
    expect(outside).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('derives one id per content of a key (its ETag and size), shaped like a ULID', () => {
    // Act
    const id = dropBatchId('landing/prod/ds-1/a.csv', 'etag-1', 10);

    // Assess
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(dropBatchId('landing/prod/ds-1/a.csv', 'etag-1', 10)).toBe(id);
    expect(dropBatchId('landing/prod/ds-1/a.csv', 'etag-2', 10)).not.toBe(id);
    expect(dropBatchId('landing/prod/ds-1/a.csv', 'etag-1', 11)).not.toBe(id);
    expect(dropBatchId('landing/prod/ds-1/b.csv', 'etag-1', 10)).not.toBe(id);
  });
});

describe('ingestDroppedFile', () => {
  it('makes the dropped file a batch of its own, read in place, and completes it', async () => {
    // Prepare
    const { world, deps } = dropWorld();
    const object = await dropped(world, '2024/people.csv', 'email\na@x.io\n');
    const batchId = batchIdOf(object);

    // Act
    const outcome = await ingestDroppedFile(deps, object);

    // Assess
    expect(outcome).toEqual({ batchId, status: 'staging' });
    expect(world.batches.stored(batchId)).toMatchObject({
      datasetId: DATASET_ID,
      status: 'staging',
      inputFormat: { format: 'csv' },
      origin: { kind: 'file-drop', key: object.key },
      createdAt: EVENT_TIME,
      execution: { arn: executionArnOf(`${batchId}-ingest-1`), attempt: 1 },
    });
    expect(await world.files.listFiles(SANDBOX, batchId)).toEqual([
      {
        datasetId: DATASET_ID,
        path: '2024/people.csv',
        state: 'complete',
        size: object.size,
        parts: [{ key: object.key, start: 0, end: object.size, versionId: object.versionId }],
        updatedAt: EVENT_TIME,
      },
    ]);
  });

  it('completes the same batch once when the notification is delivered again', async () => {
    // Prepare
    const { world, deps } = dropWorld();
    const object = await dropped(world, 'people.jsonl', '{"email":"a@x.io"}\n');
    const first = await ingestDroppedFile(deps, object);

    // Act
    const again = await ingestDroppedFile(deps, object);

    // Assess
    expect(again).toEqual(first);
    expect(again).toEqual({ batchId: batchIdOf(object), status: 'staging' });
    expect(world.workflow.starts).toHaveLength(1);
    expect(await world.files.listFiles(SANDBOX, batchIdOf(object))).toHaveLength(1);
  });

  it('makes a new batch of a new content of the same key', async () => {
    // Prepare
    const { world, deps } = dropWorld();
    const firstDrop = await dropped(world, 'a.csv', 'email\na@x.io\n');
    const first = await ingestDroppedFile(deps, firstDrop);
    const secondDrop = await dropped(world, 'a.csv', 'email\nb@x.io\n');

    // Act
    const second = await ingestDroppedFile(deps, secondDrop);

    // Assess
    expect(second).not.toEqual(first);
    expect(world.workflow.starts.map((start) => start.input.batchId)).toEqual([
      batchIdOf(firstDrop),
      batchIdOf(secondDrop),
    ]);
  });

  it('makes no second batch of the same content dropped again (same key, ETag and size)', async () => {
    // Prepare: a drop ingested, then the same bytes written to the same key again (a new version)
    const { world, deps } = dropWorld();
    const firstDrop = await dropped(world, 'a.csv', 'email\na@x.io\n');
    const first = await ingestDroppedFile(deps, firstDrop);
    await runIngestion(world, 'finished', batchIdOf(firstDrop));
    const again = await dropped(world, 'a.csv', 'email\na@x.io\n');

    // Act
    const outcome = await ingestDroppedFile(deps, again);

    // Assess
    expect(again.versionId).not.toBe(firstDrop.versionId);
    expect(outcome).toEqual({ ...first, status: 'success' });
    expect(world.workflow.starts).toHaveLength(1);
    expect(world.batches.stored(batchIdOf(firstDrop)).status).toBe('success');
    expect((await world.files.listFiles(SANDBOX, batchIdOf(firstDrop)))[0]?.parts).toEqual([
      { key: firstDrop.key, start: 0, end: firstDrop.size, versionId: firstDrop.versionId },
    ]);
  });

  it('ingests each version of a key overwritten before its batch was read, each exactly as written', async () => {
    // Prepare: version 1 (three rows) dropped, then overwritten by version 2 (one row) before any staging
    const { world, deps } = dropWorld();
    const v1 = await dropped(
      world,
      'people.jsonl',
      personLines([1, 2, 3].map((n) => ({ email: `v1-${n}@x.io` }))),
    );
    await ingestDroppedFile(deps, v1);
    const v2 = await dropped(world, 'people.jsonl', personLines([{ email: 'v2-only@x.io' }]));
    await ingestDroppedFile(deps, v2);
    const [first, second] = [batchIdOf(v1), batchIdOf(v2)];

    // Act
    await runIngestion(world, 'finished', first);
    await runIngestion(world, 'finished', second);

    // Assess
    const lakeRecords = async (batchId: string) =>
      (
        await Promise.all(
          world.lake
            .keys()
            .filter((key) => key.includes(`batch=${batchId}/`))
            .map(async (key) => parquetRows(world.lake.objects.get(key)!)),
        )
      )
        .flat()
        .map((row) => row.record);
    expect(await lakeRecords(first)).toEqual([1, 2, 3].map((n) => ({ email: `v1-${n}@x.io` })));
    expect(await lakeRecords(second)).toEqual([{ email: 'v2-only@x.io' }]);
    expect(world.batches.stored(first).status).toBe('success');
    expect(world.batches.stored(second).status).toBe('success');
  });

  it('fails the batch of an object without a version, which could change while it is read', async () => {
    // Prepare
    const { world, deps } = dropWorld();
    const { key, size, eTag, eventTime } = await dropped(world, 'a.csv', 'email\na@x.io\n');
    const unversioned = { key, size, eTag, eventTime };

    // Act
    const outcome = await ingestDroppedFile(deps, unversioned);

    // Assess
    expect(outcome).toEqual({ batchId: batchIdOf(unversioned), status: 'failed' });
    expect(world.batches.stored(batchIdOf(unversioned)).failure).toMatchObject({ code: UNVERSIONED_OBJECT });
    expect(world.workflow.starts).toEqual([]);
  });

  it.each([
    [
      'a .json file that starts with [',
      'people.json',
      '\uFEFF \n [{"email":"a@x.io"}]',
      { format: 'json', isMultiLineJson: true },
    ],
    ['a .json file of JSON Lines', 'people.json', '{"email":"a@x.io"}\n', { format: 'json' }],
    ['an empty .json file', 'people.json', '', { format: 'json' }],
    ['a .jsonl file, whatever it starts with', 'people.jsonl', '[1]\n', { format: 'json' }],
    [
      'a gzipped .json file that starts with [',
      'people.json.gz',
      gzipSync(' [{"email":"a@x.io"}]'),
      { format: 'json', isMultiLineJson: true },
    ],
    [
      'a gzipped .json file of JSON Lines',
      'people.json.GZ',
      gzipSync('{"email":"a@x.io"}\n'),
      { format: 'json' },
    ],
    [
      'a .json.gz file that is not a readable gzip',
      'people.json.gz',
      Buffer.from([0x1f, 0x8b, 0xff, 0xff]),
      { format: 'json' },
    ],
  ])('reads %s as %j', async (_what, path, content, inputFormat) => {
    // Prepare
    const { world, deps } = dropWorld();
    const object = await dropped(world, path, content);

    // Act
    await ingestDroppedFile(deps, object);

    // Assess
    expect(world.batches.stored(batchIdOf(object)).inputFormat).toEqual(inputFormat);
  });

  it('ingests a gzipped JSON array it was given as .json.gz', async () => {
    // Prepare
    const { world, deps } = dropWorld();
    const object = await dropped(
      world,
      'people.json.gz',
      gzipSync('[\n  {"email":"a@x.io"},\n  {"email":"b@x.io"}\n]\n'),
    );
    const batchId = batchIdOf(object);
    await ingestDroppedFile(deps, object);

    // Act
    await runIngestion(world, 'finished', batchId);

    // Assess
    expect(world.batches.stored(batchId).status).toBe('success');
    expect(world.profiles.appliedRecords()).toEqual([{ email: 'a@x.io' }, { email: 'b@x.io' }]);
  });

  it('fails the batch of a file whose name names no format', async () => {
    // Prepare
    const { world, deps } = dropWorld();
    const object = await dropped(world, 'people.xml', '<people/>');
    const batchId = batchIdOf(object);

    // Act
    const outcome = await ingestDroppedFile(deps, object);

    // Assess
    expect(outcome).toEqual({ batchId, status: 'failed' });
    expect(world.batches.stored(batchId).failure).toEqual({
      code: 'unsupported-file-type',
      message:
        'people.xml: the file name names no format (.csv, .tsv, .parquet, .json, .jsonl, .ndjson, each optionally .gz)',
    });
    expect(await world.files.listFiles(SANDBOX, batchId)).toEqual([]);
    expect(world.workflow.starts).toEqual([]);
  });

  it('answers the same failed batch when the notification of an unreadable name is delivered again', async () => {
    // Prepare
    const { world, deps } = dropWorld();
    const object = await dropped(world, 'people.xml', '<people/>');
    const first = await ingestDroppedFile(deps, object);

    // Act
    const again = await ingestDroppedFile(deps, object);

    // Assess
    expect(again).toEqual(first);
  });

  it('ignores a key outside the landing layout', async () => {
    // Prepare
    const { world, deps } = dropWorld();
    const object = {
      key: 'landing/prod/ds-1/',
      size: 0,
      eTag: 'etag',
      versionId: 'v1',
      eventTime: EVENT_TIME,
    };

    // Act
    const outcome = await ingestDroppedFile(deps, object);

    // Assess
    expect(outcome).toEqual({ ignored: 'landing/prod/ds-1/ is not under landing/{sandbox}/{datasetId}/' });
    expect(world.workflow.starts).toEqual([]);
  });

  it('passes on the 422 of a dataset that does not exist', async () => {
    // Prepare
    const { world, deps } = dropWorld();
    const object = await dropped(world, 'a.csv', 'email\na@x.io\n');
    const elsewhere = { ...object, key: object.key.replace(DATASET_ID, 'ds-nope') };

    // Act
    const outcome = ingestDroppedFile(deps, elsewhere);

    // Assess
    await expect(outcome).rejects.toMatchObject({ kind: 'unprocessable', code: 'dataset-not-found' });
  });
});
