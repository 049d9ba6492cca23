/**
 * The dataflow-run steps over in-memory fakes, in the order the state machine runs them: a run really pulls from
 * the source, really makes, completes and ingests its batch (the batch workflow's own steps), and the lake tells
 * which records reached the dataset.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { FlowRunService } from '../../../lambdas/core/dataflows/flow-runs';
import { RUN_EVENT_CODES } from '../../../lambdas/core/dataflows/run-view';
import { runDataflowTask } from '../../../lambdas/core/dataflows/run-tasks';
import type { RunWorkerDeps } from '../../../lambdas/core/dataflows/run-worker-ports';
import { APPLY_CODES } from '../../../lambdas/core/profiles/apply-to-profiles';
import { target } from '../streaming/consume-fakes';
import {
  ago,
  API_TOKEN,
  DATASET_ID,
  dataflow,
  dataflowWorld,
  emailLines,
  FLOW_ID,
  HTTP_CONNECTION_ID,
  lakeEmails,
  retriggerRun,
  runNow,
  SANDBOX,
  START,
  WEBHOOK_SECRET,
  WEBHOOK_SECRET_REF,
  type DataflowWorld,
} from '../../support/dataflow-world';

const MINUTE = 60_000;

describe('runs of an S3 dataflow', () => {
  let world: DataflowWorld;

  beforeEach(async () => {
    world = dataflowWorld();
    await world.flows.create(dataflow());
    world.s3.put('people/a.jsonl', emailLines('a@x.io', 'b@x.io'), ago(world, 3 * MINUTE));
    world.s3.put('people/b.jsonl', emailLines('c@x.io'), ago(world, 2 * MINUTE));
    world.s3.put('people/notes.txt', 'not data', ago(world, 2 * MINUTE));
  });

  it('copies the new objects into one batch, ingests it and moves the watermark past the last object', async () => {
    // Act
    const run = await runNow(world);

    // Assess
    const bytes = emailLines('a@x.io', 'b@x.io').length + emailLines('c@x.io').length;
    expect(run).toMatchObject({
      status: 'success',
      trigger: 'manual',
      source: 's3',
      batchId: run.id,
      metrics: { recordsRead: 3, recordsIngested: 3, recordsFailed: 0, filesRead: 2, bytesRead: bytes },
      errors: [],
      window: { to: { key: 'people/b.jsonl', lastModified: ago(world, 2 * MINUTE).toISOString() } },
    });
    expect(await lakeEmails(world)).toEqual(['a@x.io', 'b@x.io', 'c@x.io']);
    expect(world.ingest.batches.stored(run.id)).toMatchObject({
      status: 'success',
      origin: { kind: 'dataflow', dataflowId: FLOW_ID, runId: run.id },
      inputFormat: { format: 'json' },
    });
    expect(world.flows.stored().state).toEqual({
      watermark: run.window.to,
      lastRunId: run.id,
      lastSuccessRunId: run.id,
    });
  });

  it('reads only the objects after the watermark on the next run, and leaves the last seconds for later', async () => {
    // Prepare
    const first = await runNow(world);
    world.clock.advance(10 * MINUTE);
    world.s3.put('people/c.jsonl', emailLines('d@x.io'), ago(world, MINUTE));
    world.s3.put('people/writing.jsonl', emailLines('e@x.io'), ago(world, 1_000));

    // Act
    const second = await runNow(world);
    world.clock.advance(MINUTE);
    const third = await runNow(world);

    // Assess
    expect(second.metrics).toMatchObject({ filesRead: 1, recordsIngested: 1 });
    expect(third.metrics).toMatchObject({ filesRead: 1, recordsIngested: 1 });
    expect(world.s3.opened).toEqual([
      'people/a.jsonl',
      'people/b.jsonl',
      'people/c.jsonl',
      'people/writing.jsonl',
    ]);
    expect(second.window.from).toEqual(first.window.to);
    expect(await lakeEmails(world)).toEqual(['a@x.io', 'b@x.io', 'c@x.io', 'd@x.io', 'e@x.io']);
  });

  it('takes the oldest objects that fit the batch guardrails and leaves the rest to the next run', async () => {
    // Prepare
    world = dataflowWorld({ maxFilesPerBatch: 2 });
    await world.flows.create(dataflow());
    for (const name of ['1', '2', '3']) {
      world.s3.put(
        `people/${name}.jsonl`,
        emailLines(`${name}@x.io`),
        ago(world, (10 - Number(name)) * MINUTE),
      );
    }

    // Act
    const first = await runNow(world);
    const second = await runNow(world);

    // Assess
    expect(first.metrics).toMatchObject({ filesRead: 2, recordsIngested: 2 });
    expect(first.window.to).toMatchObject({ key: 'people/2.jsonl' });
    expect(second.metrics).toMatchObject({ filesRead: 1, recordsIngested: 1 });
    expect(await lakeEmails(world)).toEqual(['1@x.io', '2@x.io', '3@x.io']);
  });

  it('never reads objects modified before the start time when the schedule has no backfill', async () => {
    // Prepare
    await world.flows.replace({
      ...world.flows.stored(),
      schedule: {
        frequency: 'hour',
        interval: 1,
        startTime: ago(world, 150_000).toISOString(),
        backfill: false,
      },
      revision: 2,
    });

    // Act
    const run = await runNow(world);

    // Assess
    expect(run.notBefore).toBe(ago(world, 150_000).toISOString());
    expect(await lakeEmails(world)).toEqual(['c@x.io']);
  });

  it('succeeds with nothing to read, making no batch and leaving the watermark', async () => {
    // Prepare
    const first = await runNow(world);

    // Act
    const second = await runNow(world);

    // Assess
    expect(second).toMatchObject({ status: 'success', metrics: { recordsRead: 0, filesRead: 0 } });
    expect(second.batchId).toBeUndefined();
    expect(world.flows.stored().state.watermark).toEqual(first.window.to);
  });

  it('copies an object again rather than twice when a slice is repeated after a crash', async () => {
    // Prepare: the second copy is stored, then the step dies before recording it
    let crashes = 1;
    const landing = world.deps.landing;
    const deps: RunWorkerDeps = {
      ...world.deps,
      landing: {
        ...landing,
        upload: async (key, body) => {
          const size = await landing.upload(key, body);
          if (key.endsWith('b.jsonl') && crashes-- > 0) throw new Error('the function timed out');
          return size;
        },
      },
    };
    const { id } = await new FlowRunService(world.startDeps).runNow(SANDBOX, FLOW_ID);
    const step = { sandbox: SANDBOX, dataflowId: FLOW_ID, runId: id };
    await runDataflowTask(deps, { ...step, task: 'begin-run' });

    // Act
    const crashed = await runDataflowTask(deps, { ...step, task: 'pull-slice' }).catch(
      (error: Error) => error,
    );
    const retried = await runDataflowTask(deps, { ...step, task: 'pull-slice' });

    // Assess
    expect(crashed).toBeInstanceOf(Error);
    expect(retried).toEqual({ done: true });
    expect(world.s3.opened).toEqual(['people/a.jsonl', 'people/b.jsonl', 'people/b.jsonl']);
    expect((await world.ingest.files.listFiles(SANDBOX, id)).map((file) => file.path).sort()).toEqual([
      'people/a.jsonl',
      'people/b.jsonl',
    ]);
    expect(world.runs.stored(id).progress).toMatchObject({ files: 2, done: true });
  });
});

describe('runs of an HTTP dataflow', () => {
  let world: DataflowWorld;

  const addPeople = (count: number, from: number) => {
    for (let i = from; i < from + count; i += 1) {
      world.api.records.push({
        email: `p${i}@x.io`,
        updatedAt: `2026-03-01T00:00:${String(i).padStart(2, '0')}Z`,
      });
    }
  };
  const emails = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => `p${from + i}@x.io`).sort();

  beforeEach(async () => {
    world = dataflowWorld();
    await world.flows.create(dataflow({ connectionId: HTTP_CONNECTION_ID }));
    addPeople(5, 0);
  });

  it('pulls every page with the auth header, then only the records after the largest delta, asking from its overlap', async () => {
    // Prepare
    const first = await runNow(world);
    addPeople(2, 5);
    const requestsBefore = world.api.requests.length;

    // Act
    const second = await runNow(world);

    // Assess
    expect(first).toMatchObject({
      status: 'success',
      source: 'http',
      progress: { pages: 3, records: 5, files: 1, done: true },
      metrics: { recordsRead: 5, recordsIngested: 5, filesRead: 1 },
      window: { to: { delta: '2026-03-01T00:00:04Z' } },
    });
    expect(world.api.requests.every((request) => request.auth === API_TOKEN)).toBe(true);
    const since = world.api.requests
      .slice(requestsBefore)
      .map(({ url }) => new URL(url).searchParams.get('since'));
    // The watermark less the overlap, written as the source writes its values; what was read there is skipped.
    expect(new Set(since)).toEqual(new Set(['2026-02-28T23:55:04Z']));
    expect(second).toMatchObject({
      metrics: { recordsIngested: 2 },
      window: { to: { delta: '2026-03-01T00:00:06Z' } },
    });
    expect(await lakeEmails(world)).toEqual(emails(0, 7));
  });

  it('fails half-way keeping what it pulled; the re-trigger goes on from there and each record lands once', async () => {
    // Prepare
    world.api.failing.add(3);
    addPeople(2, 5);

    // Act
    const failed = await runNow(world);
    const lakeAfterFailure = await lakeEmails(world);
    const batchAfterFailure = world.ingest.batches.stored(failed.id).status;
    world.api.failing.clear();
    const retriggered = await retriggerRun(world, failed.id);

    // Assess
    expect(failed).toMatchObject({
      status: 'failed',
      progress: { pages: 2, records: 4, files: 1, done: false },
      metrics: { recordsRead: 4, recordsIngested: 0, filesRead: 1 },
      errors: [{ code: 'CONNECTOR-1001-500', message: expect.stringContaining('http-500') as string }],
    });
    expect(batchAfterFailure).toBe('loading');
    expect(lakeAfterFailure).toEqual([]);
    expect(retriggered).toMatchObject({
      status: 'success',
      trigger: 'retrigger',
      retriggerOf: failed.id,
      batchId: failed.id,
      progress: { pages: 4, records: 7, done: true },
      metrics: { recordsRead: 7, recordsIngested: 7 },
    });
    expect(world.runs.stored(failed.id).retriggeredBy).toBe(retriggered.id);
    const pages = world.api.pagesRequested();
    expect(pages.filter((page) => page === 1)).toHaveLength(1);
    expect(pages.filter((page) => page === 2)).toHaveLength(1);
    expect(await lakeEmails(world)).toEqual(emails(0, 7));
    expect(world.flows.stored().state.watermark).toMatchObject({
      delta: '2026-03-01T00:00:06Z',
      deltaType: 'instant',
    });
  });

  it('starts the watermark at the start time when the schedule has no backfill', async () => {
    // Prepare
    await world.flows.replace({
      ...world.flows.stored(),
      schedule: { frequency: 'day', interval: 1, startTime: '2026-03-01T00:00:02.000Z', backfill: false },
      revision: 2,
    });

    // Act
    const run = await runNow(world);

    // Assess
    expect(run.window.from).toMatchObject({ delta: '2026-03-01T00:00:02.000Z', deltaType: 'instant' });
    expect(await lakeEmails(world)).toEqual(emails(2, 5));
  });
});

describe('re-triggering a run whose batch failed', () => {
  let world: DataflowWorld;

  beforeEach(async () => {
    world = dataflowWorld();
    await world.flows.create(dataflow());
    world.s3.put('people/a.jsonl', emailLines('a@x.io', 'b@x.io'), ago(world, 3 * MINUTE));
  });

  it('ingests a new batch of the same files, pulled once, after the cause was fixed', async () => {
    // Prepare: the dataset refuses every record, so the batch fails its threshold
    const accepting = world.ingest.targets[DATASET_ID];
    world.ingest.targets[DATASET_ID] = {
      ...target(DATASET_ID),
      validate: () => [{ pointer: '/email', keyword: 'format', message: 'refused' }],
    };
    const failed = await runNow(world);
    world.ingest.targets[DATASET_ID] = accepting!;

    // Act
    const retriggered = await retriggerRun(world, failed.id);

    // Assess
    expect(failed).toMatchObject({
      status: 'failed',
      metrics: { recordsRead: 2, recordsIngested: 0, recordsFailed: 2 },
    });
    expect(failed.errors[0]).toMatchObject({ code: 'CONNECTOR-2001-500' });
    expect(failed.errors.map((error) => error.code)).toContain('schema-validation');
    expect(retriggered).toMatchObject({
      status: 'success',
      batchId: retriggered.id,
      metrics: { recordsIngested: 2 },
    });
    expect(world.s3.opened).toEqual(['people/a.jsonl']);
    expect(await lakeEmails(world)).toEqual(['a@x.io', 'b@x.io']);
    expect(world.flows.stored().state.watermark).toMatchObject({ key: 'people/a.jsonl' });
  });

  it('completes the same batch again when its promotion was interrupted, promoting nothing twice', async () => {
    // Prepare: the profile store fails, so the ingestion stops while promoting
    world.ingest.profiles.answer = () => ({ status: 'failed', code: APPLY_CODES.storeError });
    const failed = await runNow(world);
    const batchStatus = world.ingest.batches.stored(failed.id).status;
    world.ingest.profiles.answer = () => ({ status: 'applied' });

    // Act
    const retriggered = await retriggerRun(world, failed.id);

    // Assess
    expect(batchStatus).toBe('processing');
    expect(failed.errors).toEqual([
      {
        code: 'CONNECTOR-2001-500',
        message: expect.stringContaining('stopped while it was processing') as string,
      },
    ]);
    expect(retriggered).toMatchObject({
      status: 'success',
      batchId: failed.id,
      metrics: { recordsIngested: 2 },
    });
    expect(await lakeEmails(world)).toEqual(['a@x.io', 'b@x.io']);
  });
});

describe('the end of a run', () => {
  let world: DataflowWorld;

  beforeEach(async () => {
    world = dataflowWorld();
    await world.flows.create(
      dataflow({
        notifications: { webhookUrl: 'https://hooks.test/runs?token=t', secretRef: WEBHOOK_SECRET_REF },
      }),
    );
    world.s3.put('people/a.jsonl', emailLines('a@x.io'), ago(world, MINUTE));
  });

  it("puts Experience Platform's success event and posts it to the webhook", async () => {
    // Act
    const run = await runNow(world);

    // Assess
    expect(world.events).toEqual([
      expect.objectContaining({
        eventCode: RUN_EVENT_CODES.success,
        sandbox: SANDBOX,
        dataflow: { id: FLOW_ID, name: 'people' },
        run: expect.objectContaining({ id: run.id, status: 'success' }) as unknown,
      }),
    ]);
    expect(world.webhooks.map(({ url, event, secret }) => [url, event.eventCode, secret])).toEqual([
      ['https://hooks.test/runs?token=t', RUN_EVENT_CODES.success, WEBHOOK_SECRET],
    ]);
    expect(run.notifications?.map(({ channel, delivered }) => [channel, delivered])).toEqual([
      ['eventbridge', true],
      ['webhook', true],
    ]);
  });

  it('records a webhook that failed without failing the run', async () => {
    // Prepare
    world.webhookDown = true;

    // Act
    const run = await runNow(world);

    // Assess
    expect(run.status).toBe('success');
    expect(run.notifications?.[1]).toMatchObject({
      channel: 'webhook',
      delivered: false,
      attempts: 3,
      error: 'Error: POST to hooks.test answered 503',
    });
  });

  it('does not send a webhook unsigned: one without a signing secret fails, saying how to make one', async () => {
    // Prepare
    const flow = world.flows.stored();
    await world.flows.replace({
      ...flow,
      notifications: { webhookUrl: 'https://hooks.test/runs' },
      revision: flow.revision + 1,
    });

    // Act
    const run = await runNow(world);

    // Assess
    expect(world.webhooks).toEqual([]);
    expect(run.notifications?.[1]).toMatchObject({ channel: 'webhook', delivered: false });
    expect(run.notifications?.[1]?.error).toContain('rotateSecret');
  });

  it('fails a run whose connection is gone, releases the flow and says so in the failure event', async () => {
    // Prepare
    world.connections.clear();

    // Act
    const run = await runNow(world);

    // Assess
    expect(run.status).toBe('failed');
    expect(run.errors).toEqual([
      { code: 'dataflow-step-failed', message: `DataflowStateError: connection conn-s3 no longer exists` },
    ]);
    expect(world.flows.stored().state.activeRunId).toBeUndefined();
    expect(world.events.map((event) => event.eventCode)).toEqual([RUN_EVENT_CODES.failed]);
  });

  it('notifies once when the step is repeated', async () => {
    // Prepare
    const run = await runNow(world);

    // Act
    const again = await runDataflowTask(world.deps, {
      task: 'notify-run',
      sandbox: SANDBOX,
      dataflowId: FLOW_ID,
      runId: run.id,
    });

    // Assess
    expect(again).toEqual({ delivered: ['eventbridge', 'webhook'], failed: [] });
    expect(world.events).toHaveLength(1);
    expect(world.webhooks).toHaveLength(1);
  });
});

describe('run timing', () => {
  it('records when the run started and ended, and how long it took', async () => {
    // Prepare
    const world = dataflowWorld();
    await world.flows.create(dataflow());

    // Act
    const run = await runNow(world);

    // Assess
    expect(run).toMatchObject({
      startedAt: START.toISOString(),
      completedAt: START.toISOString(),
      durationMs: 0,
    });
  });
});
