import { describe, expect, it } from 'vitest';
import { domainErrorOf } from '../../../support/domain-error';
import {
  addBatch,
  addFile,
  executionArnOf,
  fileBatchServiceOf,
  ingestWorld,
} from '../../../support/memory-file-batches';
import { BATCH_ID, DATASET_ID, NOW, SANDBOX } from '../../../support/memory-uploads';

const OTHER_DATASET = 'ds-2';
const API = { kind: 'api' } as const;

function serviceWorld() {
  const world = ingestWorld();
  let ids = 0;
  const service = fileBatchServiceOf(world, [DATASET_ID, OTHER_DATASET], () => `new-${(ids += 1)}`);
  return { world, service };
}

describe('FileBatchService.create', () => {
  it('creates a loading batch with Experience Platform defaults', async () => {
    // Prepare
    const { world, service } = serviceWorld();

    // Act
    const view = await service.create(
      SANDBOX,
      { datasetId: DATASET_ID, inputFormat: { format: 'csv' } },
      API,
    );

    // Assess
    expect(view).toEqual({
      id: 'new-1',
      type: 'file',
      status: 'loading',
      sandbox: SANDBOX,
      externalId: 'new-1',
      created: NOW.getTime(),
      updated: NOW.getTime(),
      inputFormat: { format: 'csv' },
      tags: { acp_enableErrorDiagnostics: true, acp_partialIngestionPercent: 5 },
      origin: API,
      metrics: {
        inputFileCount: 0,
        inputByteSize: 0,
        inputRecordCount: 0,
        outputRecordCount: 0,
        failedRecordCount: 0,
        discardedRecordCount: 0,
        profileErrorCount: 0,
      },
      errors: [],
      profileErrors: [],
      relatedObjects: [{ type: 'dataSet', id: DATASET_ID }],
    });
    expect(world.batches.stored('new-1')).toMatchObject({
      status: 'loading',
      revision: 1,
      datasetId: DATASET_ID,
    });
  });

  it("keeps the client's options", async () => {
    // Prepare
    const { world, service } = serviceWorld();

    // Act
    const view = await service.create(
      SANDBOX,
      {
        datasetId: DATASET_ID,
        inputFormat: { format: 'json', isMultiLineJson: true },
        externalId: 'nightly-42',
        enableErrorDiagnostics: false,
        partialIngestionPercent: 0,
        tags: { team: 'crm' },
      },
      API,
    );

    // Assess
    expect(view).toMatchObject({
      externalId: 'nightly-42',
      tags: { team: 'crm', acp_enableErrorDiagnostics: false, acp_partialIngestionPercent: 0 },
    });
    expect(world.batches.stored('new-1')).toMatchObject({
      partialIngestionPercent: 0,
      enableErrorDiagnostics: false,
    });
  });

  it('creates a batch with a given identity once, whatever a second request asks', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    const identity = { batchId: 'DROP1', createdAt: '2024-05-31T23:59:00.000Z' };
    const origin = { kind: 'file-drop', key: 'landing/prod/ds-1/a.csv' } as const;
    await service.create(
      SANDBOX,
      { datasetId: DATASET_ID, inputFormat: { format: 'csv' } },
      origin,
      identity,
    );

    // Act
    await service.create(
      SANDBOX,
      { datasetId: DATASET_ID, inputFormat: { format: 'json' } },
      origin,
      identity,
    );

    // Assess
    expect(world.batches.stored('DROP1')).toMatchObject({
      createdAt: identity.createdAt,
      inputFormat: { format: 'csv' },
      origin,
      revision: 1,
    });
  });

  it('refuses a dataset that does not exist with 422 pointing at datasetId', async () => {
    // Prepare
    const { service } = serviceWorld();

    // Act
    const problem = await domainErrorOf(
      service.create(SANDBOX, { datasetId: 'nope', inputFormat: { format: 'csv' } }, API),
    );

    // Assess
    expect(problem).toMatchObject({ kind: 'unprocessable', code: 'dataset-not-found' });
    expect(problem.violations).toEqual([
      { pointer: '/datasetId', keyword: 'exists', message: 'no such dataset in this sandbox' },
    ]);
  });

  it('refuses a replay of batches that are missing, of another dataset or not successful, naming each', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { batchId: 'ok', status: 'success' });
    addBatch(world, { batchId: 'elsewhere', status: 'success', datasetId: OTHER_DATASET });
    addBatch(world, { batchId: 'failing', status: 'failed' });
    const replay = { predecessors: ['ok', 'missing', 'elsewhere', 'failing'] };

    // Act
    const problem = await domainErrorOf(
      service.create(SANDBOX, { datasetId: DATASET_ID, inputFormat: { format: 'csv' }, replay }, API),
    );

    // Assess
    expect(problem).toMatchObject({ kind: 'unprocessable', code: 'invalid-replay' });
    expect(problem.violations).toEqual([
      { pointer: '/replay/predecessors/1', keyword: 'exists', message: 'no file batch missing' },
      {
        pointer: '/replay/predecessors/2',
        keyword: 'dataset',
        message: `batch elsewhere is of dataset ${OTHER_DATASET}`,
      },
      {
        pointer: '/replay/predecessors/3',
        keyword: 'status',
        message: 'batch failing is failed; only successful batches can be replayed',
      },
    ]);
    expect(await world.batches.getFileBatch(SANDBOX, 'new-1')).toBeUndefined();
  });

  it('creates a replay of successful batches of its dataset', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { batchId: 'ok', status: 'success' });
    const replay = { predecessors: ['ok'], reason: 'fixed emails' };

    // Act
    const view = await service.create(
      SANDBOX,
      { datasetId: DATASET_ID, inputFormat: { format: 'csv' }, replay },
      API,
    );

    // Assess
    expect(view.replay).toEqual(replay);
    expect(world.batches.stored('new-1').replay).toEqual(replay);
  });
});

describe('FileBatchService.create of replays naming one predecessor', () => {
  const replayOf = (...predecessors: string[]) => ({
    datasetId: DATASET_ID,
    inputFormat: { format: 'csv' as const },
    replay: { predecessors },
  });

  it('reserves the predecessor for the first replay and refuses a second with 409 naming it and its replay', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { batchId: 'old', status: 'success' });
    await service.create(SANDBOX, replayOf('old'), API);

    // Act
    const problem = await domainErrorOf(service.create(SANDBOX, replayOf('old'), API));

    // Assess
    expect(problem).toMatchObject({ kind: 'conflict', code: 'predecessor-reserved' });
    expect(problem.message).toContain('batch old is already being replaced by replay new-1');
    expect(world.batches.stored('old').reservedBy).toEqual({ batchId: 'new-1', at: NOW.toISOString() });
    expect(await world.batches.getFileBatch(SANDBOX, 'new-2')).toBeUndefined();
  });

  it('lets only one of two replays created at once reserve the predecessor', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { batchId: 'old', status: 'success' });

    // Act
    const outcomes = await Promise.allSettled([
      service.create(SANDBOX, replayOf('old'), API),
      service.create(SANDBOX, replayOf('old'), API),
    ]);

    // Assess
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ kind: 'conflict', code: 'predecessor-reserved' });
  });

  it.each(['failed', 'aborted'] as const)(
    'lets a later replay reserve the predecessor once the reserving replay %s',
    async (status) => {
      // Prepare
      const { world, service } = serviceWorld();
      addBatch(world, { batchId: 'old', status: 'success' });
      await service.create(SANDBOX, replayOf('old'), API);
      world.batches.put({ ...world.batches.stored('new-1'), status });

      // Act
      const view = await service.create(SANDBOX, replayOf('old'), API);

      // Assess
      expect(view.id).toBe('new-2');
      expect(world.batches.stored('old').reservedBy?.batchId).toBe('new-2');
    },
  );

  it('keeps a reservation whose replay is not created yet for a grace period, then lets it lapse', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();
    addBatch(world, {
      batchId: 'recent',
      status: 'success',
      reservedBy: { batchId: 'in-flight', at: at(1) },
    });
    addBatch(world, {
      batchId: 'stale',
      status: 'success',
      reservedBy: { batchId: 'never-made', at: at(6) },
    });

    // Act
    const recent = await domainErrorOf(service.create(SANDBOX, replayOf('recent'), API));
    const stale = await service.create(SANDBOX, replayOf('stale'), API);

    // Assess
    expect(recent).toMatchObject({ kind: 'conflict', code: 'predecessor-reserved' });
    expect(world.batches.stored('stale').reservedBy?.batchId).toBe(stale.id);
  });

  it('reserves none of its predecessors when one is held by another replay', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { batchId: 'free', status: 'success' });
    addBatch(world, { batchId: 'held', status: 'success' });
    await service.create(SANDBOX, replayOf('held'), API);

    // Act
    const problem = await domainErrorOf(service.create(SANDBOX, replayOf('free', 'held'), API));

    // Assess
    expect(problem).toMatchObject({ kind: 'conflict', code: 'predecessor-reserved' });
    expect(world.batches.stored('free').reservedBy).toBeUndefined();
    expect(await service.create(SANDBOX, replayOf('free'), API)).toMatchObject({ id: 'new-3' });
  });
});

describe('FileBatchService.complete', () => {
  it('moves a loading batch with complete files to staging and starts its ingestion', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { status: 'loading', startedAt: undefined });
    await addFile(world, 'a.json', '{}\n');

    // Act
    const answer = await service.complete(SANDBOX, BATCH_ID);

    // Assess
    expect(answer).toEqual({ id: BATCH_ID, status: 'staging' });
    expect(world.batches.stored()).toMatchObject({
      status: 'staging',
      startedAt: NOW.toISOString(),
      execution: { arn: executionArnOf(`${BATCH_ID}-ingest-1`), attempt: 1 },
    });
    expect(world.workflow.starts.map((start) => start.input)).toEqual([
      { action: 'ingest', sandbox: SANDBOX, batchId: BATCH_ID },
    ]);
  });

  it("passes on the uploads' 400 when files are not complete, and leaves the batch loading", async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { status: 'loading' });
    await addFile(world, 'a.json', '{}\n', { state: 'uploading' });

    // Act
    const problem = await domainErrorOf(service.complete(SANDBOX, BATCH_ID));

    // Assess
    expect(problem).toMatchObject({ kind: 'invalid', code: 'incomplete-files' });
    expect(world.batches.stored().status).toBe('loading');
    expect(world.workflow.starts).toEqual([]);
  });

  it('refuses to complete a batch without files', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { status: 'loading' });

    // Act
    const problem = await domainErrorOf(service.complete(SANDBOX, BATCH_ID));

    // Assess
    expect(problem).toMatchObject({ kind: 'invalid', code: 'no-files' });
  });

  it('starts nothing more when completed again while its ingestion runs, and resumes it once that died', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { status: 'loading' });
    await addFile(world, 'a.json', '{}\n');
    await service.complete(SANDBOX, BATCH_ID);

    // Act
    const whileRunning = await service.complete(SANDBOX, BATCH_ID);
    world.workflow.endAll('ABORTED');
    const afterDeath = await service.complete(SANDBOX, BATCH_ID);

    // Assess
    expect([whileRunning, afterDeath]).toEqual([
      { id: BATCH_ID, status: 'staging' },
      { id: BATCH_ID, status: 'staging' },
    ]);
    expect(world.workflow.starts.map((start) => start.name)).toEqual([
      `${BATCH_ID}-ingest-1`,
      `${BATCH_ID}-ingest-2`,
    ]);
    expect(world.batches.stored().startedAt).toBe(NOW.toISOString());
  });

  it('resumes a batch left processing', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { status: 'processing', execution: { arn: executionArnOf('old'), attempt: 3 } });

    // Act
    const answer = await service.complete(SANDBOX, BATCH_ID);

    // Assess
    expect(answer).toEqual({ id: BATCH_ID, status: 'processing' });
    expect(world.workflow.starts.map((start) => start.name)).toEqual([`${BATCH_ID}-ingest-4`]);
  });

  it.each(['success', 'failed'] as const)('answers a %s batch as it is', async (status) => {
    // Prepare
    const { world, service } = serviceWorld();
    const batch = addBatch(world, { status });

    // Act
    const answer = await service.complete(SANDBOX, BATCH_ID);

    // Assess
    expect(answer).toEqual({ id: BATCH_ID, status });
    expect(world.batches.stored()).toEqual(batch);
    expect(world.workflow.starts).toEqual([]);
  });

  it.each(['aborted', 'inactive', 'deleted'] as const)(
    'refuses to complete a %s batch with 409',
    async (status) => {
      // Prepare
      const { world, service } = serviceWorld();
      addBatch(world, { status });

      // Act
      const problem = await domainErrorOf(service.complete(SANDBOX, BATCH_ID));

      // Assess
      expect(problem).toMatchObject({ kind: 'conflict', code: 'batch-not-completable' });
      expect(world.workflow.starts).toEqual([]);
    },
  );

  it('answers 404 for a batch that does not exist', async () => {
    // Prepare
    const { service } = serviceWorld();

    // Act
    const problem = await domainErrorOf(service.complete(SANDBOX, 'nope'));

    // Assess
    expect(problem.kind).toBe('not-found');
  });
});

describe('FileBatchService.abort, fail and rejectDrop', () => {
  it('aborts a loading batch, and answers the same when asked again', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { status: 'loading' });

    // Act
    const first = await service.abort(SANDBOX, BATCH_ID);
    const again = await service.abort(SANDBOX, BATCH_ID);

    // Assess
    expect([first, again]).toEqual([
      { id: BATCH_ID, status: 'aborted' },
      { id: BATCH_ID, status: 'aborted' },
    ]);
    expect(world.batches.stored()).toMatchObject({
      status: 'aborted',
      completedAt: NOW.toISOString(),
      revision: 2,
    });
  });

  it('fails a loading batch on behalf of the client, and answers the same when asked again', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { status: 'loading' });

    // Act
    const first = await service.fail(SANDBOX, BATCH_ID);
    const again = await service.fail(SANDBOX, BATCH_ID);

    // Assess
    expect([first, again]).toEqual([
      { id: BATCH_ID, status: 'failed' },
      { id: BATCH_ID, status: 'failed' },
    ]);
    expect(world.batches.stored()).toMatchObject({
      status: 'failed',
      failure: { code: 'failed-by-client', message: 'the client failed the batch (action FAIL)' },
    });
  });

  it('fails a dropped file that names no format, saying why', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { status: 'loading' });
    const failure = { code: 'unsupported-file-type', message: 'a.xml: no format' };

    // Act
    const answer = await service.rejectDrop(SANDBOX, BATCH_ID, failure);

    // Assess
    expect(answer).toEqual({ id: BATCH_ID, status: 'failed' });
    expect(world.batches.stored().failure).toEqual(failure);
  });

  it.each([
    ['abort', 'staging'],
    ['abort', 'success'],
    ['abort', 'failed'],
    ['fail', 'staging'],
    ['fail', 'aborted'],
    ['fail', 'deleted'],
  ] as const)('refuses to %s a %s batch with 409', async (action, status) => {
    // Prepare
    const { world, service } = serviceWorld();
    const batch = addBatch(world, { status });

    // Act
    const problem = await domainErrorOf(service[action](SANDBOX, BATCH_ID));

    // Assess
    expect(problem).toMatchObject({ kind: 'conflict', code: 'batch-not-loading' });
    expect(world.batches.stored()).toEqual(batch);
  });

  it('answers 404 for a batch that does not exist', async () => {
    // Prepare
    const { service } = serviceWorld();

    // Act
    const problem = await domainErrorOf(service.abort(SANDBOX, 'nope'));

    // Assess
    expect(problem.kind).toBe('not-found');
  });
});

describe('FileBatchService.revert', () => {
  it('starts the revert of a successful batch', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { status: 'success' });

    // Act
    const answer = await service.revert(SANDBOX, BATCH_ID);

    // Assess
    expect(answer).toEqual({ id: BATCH_ID, status: 'success' });
    expect(world.batches.stored().revertRequestedAt).toBe(NOW.toISOString());
    expect(world.workflow.starts.map((start) => start.input)).toEqual([
      { action: 'revert', sandbox: SANDBOX, batchId: BATCH_ID },
    ]);
  });

  it.each(['deleted', 'inactive'] as const)('answers a %s batch as it is', async (status) => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { status });

    // Act
    const answer = await service.revert(SANDBOX, BATCH_ID);

    // Assess
    expect(answer).toEqual({ id: BATCH_ID, status });
    expect(world.workflow.starts).toEqual([]);
  });

  it.each(['loading', 'staging', 'processing', 'failed', 'aborted'] as const)(
    'refuses to revert a %s batch with 409',
    async (status) => {
      // Prepare
      const { world, service } = serviceWorld();
      addBatch(world, { status });

      // Act
      const problem = await domainErrorOf(service.revert(SANDBOX, BATCH_ID));

      // Assess
      expect(problem).toMatchObject({ kind: 'conflict', code: 'batch-not-revertable' });
    },
  );

  it('answers 404 for a batch that does not exist', async () => {
    // Prepare
    const { service } = serviceWorld();

    // Act
    const problem = await domainErrorOf(service.revert(SANDBOX, 'nope'));

    // Assess
    expect(problem.kind).toBe('not-found');
  });
});

describe('FileBatchService.preview', () => {
  it("shows the first rows of the dataset's first complete file, in the batch's format", async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { status: 'loading', inputFormat: { format: 'csv' } });
    await addFile(world, 'b.csv', 'email,age\nb@x.io,2\n');
    await addFile(world, 'a.csv', 'email,age\na@x.io,1\nc@x.io,3\nd@x.io,4\n', { partBytes: 5 });
    await addFile(world, '0.csv', 'email\nnot-yet@x.io\n', { state: 'uploading' });

    // Act
    const preview = await service.preview(SANDBOX, BATCH_ID, DATASET_ID, undefined, 2);

    // Assess
    expect(preview).toEqual({
      formatParams: { format: 'csv' },
      preview: {
        columns: [
          { cid: 0, name: 'email' },
          { cid: 1, name: 'age' },
        ],
        rows: [
          { email: 'a@x.io', age: '1' },
          { email: 'c@x.io', age: '3' },
        ],
      },
    });
  });

  it('reads the file with the format asked for', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { status: 'loading', inputFormat: { format: 'csv' } });
    await addFile(world, 'a.csv', 'email;age\na@x.io;1\n');

    // Act
    const preview = await service.preview(
      SANDBOX,
      BATCH_ID,
      DATASET_ID,
      { format: 'csv', delimiter: ';' },
      5,
    );

    // Assess
    expect(preview.formatParams).toEqual({ format: 'csv', delimiter: ';' });
    expect(preview.preview.rows).toEqual([{ email: 'a@x.io', age: '1' }]);
  });

  it('answers 404 for another dataset and 422 when there is no complete file to show', async () => {
    // Prepare
    const { world, service } = serviceWorld();
    addBatch(world, { status: 'loading' });
    await addFile(world, 'a.json', '{}\n', { state: 'presigned' });

    // Act
    const otherDataset = await domainErrorOf(service.preview(SANDBOX, BATCH_ID, OTHER_DATASET, undefined, 5));
    const noFile = await domainErrorOf(service.preview(SANDBOX, BATCH_ID, DATASET_ID, undefined, 5));

    // Assess
    expect(otherDataset.kind).toBe('not-found');
    expect(noFile).toMatchObject({ kind: 'unprocessable', code: 'no-files' });
  });
});
