/** The dataflow routes over the services and in-memory stores: bodies parsed, answers shaped, problems pointed. */
import { MemorySecretStore } from '../connections/memory-connections';
import { beforeEach, describe, expect, it } from 'vitest';
import { FlowRunService } from '../../../lambdas/core/dataflows/flow-runs';
import type { ApiRequest, RouteHandler } from '../../../lambdas/http/api-types';
import { domainErrorOf } from '../../support/domain-error';
import { DATAFLOW_ROUTES, type RouteKey } from '../../../lambdas/http/route-table';
import { dataflowRoutes } from '../../../lambdas/http/routes/dataflow-routes';
import {
  DATASET_ID,
  dataflowServiceOf,
  dataflowWorld,
  driveRun,
  S3_CONNECTION_ID,
  SANDBOX,
  START,
  type DataflowWorld,
} from '../../support/dataflow-world';

function request(overrides: Partial<ApiRequest>): ApiRequest {
  return {
    method: 'GET',
    resource: '/dataflows',
    path: '/dataflows',
    pathParameters: {},
    query: {},
    headers: {},
    body: undefined,
    sandbox: SANDBOX,
    caller: { keyId: 'key-1', keySandbox: SANDBOX, scopes: ['admin'] },
    requestId: 'req-1',
    baseUrl: 'http://127.0.0.1:4100',
    ...overrides,
  };
}

describe('dataflow routes', () => {
  let world: DataflowWorld;
  let secrets: MemorySecretStore;
  let routes: ReturnType<typeof dataflowRoutes>;
  const route = (key: RouteKey): RouteHandler => {
    const handler = routes[key];
    if (!handler) throw new Error(`no route ${key}`);
    return handler;
  };
  const create = (body: unknown) => route('POST /dataflows')(request({ method: 'POST', body }));

  beforeEach(() => {
    world = dataflowWorld();
    secrets = new MemorySecretStore();
    const runs = new FlowRunService(world.startDeps);
    const dataflows = dataflowServiceOf(world, { secrets });
    routes = dataflowRoutes({ dataflows, runs });
  });

  it('covers every dataflow row of the route table', () => {
    // Act
    const rows = DATAFLOW_ROUTES.filter((row) => row.resource.startsWith('/dataflows')).map(
      (row) => `${row.method} ${row.resource}`,
    );

    // Assess
    expect(Object.keys(routes).sort()).toEqual(rows.sort());
  });

  it("creates a dataflow from Experience Platform's schedule params and answers them as epoch seconds", async () => {
    // Act
    const answer = await create({
      name: 'orders',
      connectionId: S3_CONNECTION_ID,
      datasetId: DATASET_ID,
      schedule: { frequency: 'minute', interval: '15', startTime: '1772445600', backfill: false },
    });

    // Assess
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      name: 'orders',
      schedule: {
        frequency: 'minute',
        interval: 15,
        startTime: 1772445600,
        startTimeIso: START.toISOString(),
        backfill: false,
      },
      enabled: true,
      state: { nextRunAt: START.toISOString() },
    });
  });

  it('refuses unknown fields, a bad schedule and a webhook that is not http, pointing at each', async () => {
    // Act
    const unknown = await domainErrorOf(
      create({ name: 'x', connectionId: 'c', datasetId: 'd', watermark: 1 }),
    );
    const schedule = await domainErrorOf(
      create({
        name: 'x',
        connectionId: S3_CONNECTION_ID,
        datasetId: DATASET_ID,
        schedule: { frequency: 'day' },
      }),
    );
    const webhook = await domainErrorOf(
      create({
        name: 'x',
        connectionId: 'c',
        datasetId: 'd',
        notifications: { webhookUrl: 'ftp://h.test/x' },
      }),
    );

    // Assess
    expect(unknown).toMatchObject({ kind: 'invalid', code: 'validation-failed' });
    expect(unknown.violations?.map((v) => v.pointer)).toEqual(['/watermark']);
    expect(schedule).toMatchObject({ kind: 'invalid', code: 'invalid-schedule' });
    expect(schedule.violations?.map((v) => v.pointer)).toEqual(['/schedule/interval']);
    expect(webhook.violations?.map((v) => v.pointer)).toEqual(['/notifications/webhookUrl']);
  });

  it('runs a flow now (202), lists its runs and re-triggers only with the retrigger action', async () => {
    // Prepare
    const flow = (await create({ name: 'x', connectionId: S3_CONNECTION_ID, datasetId: DATASET_ID }))
      .body as {
      id: string;
    };
    const pathParameters = { dataflowId: flow.id };

    // Act
    const started = await route('POST /dataflows/{dataflowId}/runs')(
      request({ method: 'POST', resource: '/dataflows/{dataflowId}/runs', pathParameters }),
    );
    const runId = (started.body as { runId: string }).runId;
    await driveRun(world, runId);
    const listed = await route('GET /dataflows/{dataflowId}/runs')(
      request({ resource: '/dataflows/{dataflowId}/runs', pathParameters }),
    );
    const noAction = await domainErrorOf(
      route('POST /dataflows/{dataflowId}/runs/{runId}')(
        request({ method: 'POST', pathParameters: { ...pathParameters, runId } }),
      ),
    );
    const notFailed = await domainErrorOf(
      route('POST /dataflows/{dataflowId}/runs/{runId}')(
        request({
          method: 'POST',
          pathParameters: { ...pathParameters, runId },
          query: { op: 're-trigger' },
        }),
      ),
    );

    // Assess
    expect(started).toEqual({ status: 202, body: { id: runId, runId, status: 'queued' } });
    const [run] = (listed.body as { items: Record<string, unknown>[] }).items;
    expect(run).toMatchObject({
      id: runId,
      status: 'success',
      metrics: {
        recordsRead: 0,
        recordSummary: { inputRecordCount: 0 },
        statusSummary: { status: 'success' },
      },
    });
    expect(run).not.toHaveProperty('executionArn');
    expect(run).not.toHaveProperty('revision');
    expect(noAction).toMatchObject({ kind: 'invalid', code: 'invalid-action' });
    expect(notFailed).toMatchObject({ kind: 'conflict', code: 'run-not-failed' });
  });

  it('patches with null to remove the schedule, and deletes with 204', async () => {
    // Prepare
    const flow = (
      await create({
        name: 'x',
        connectionId: S3_CONNECTION_ID,
        datasetId: DATASET_ID,
        schedule: { frequency: 'hour', interval: 1 },
      })
    ).body as { id: string };
    const pathParameters = { dataflowId: flow.id };

    // Act
    const patched = await route('PATCH /dataflows/{dataflowId}')(
      request({ method: 'PATCH', pathParameters, body: { schedule: null, name: 'on demand' } }),
    );
    const deleted = await route('DELETE /dataflows/{dataflowId}')(
      request({ method: 'DELETE', pathParameters }),
    );

    // Assess
    expect(patched.body).toMatchObject({ name: 'on demand', state: {} });
    expect(patched.body).not.toHaveProperty('schedule');
    expect(deleted).toEqual({ status: 204 });
  });
});
