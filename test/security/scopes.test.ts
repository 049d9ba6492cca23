/**
 * Attacks on scopes over HTTP on the local runtime: a key with only the `ingest` scope tries to remove promoted data
 * through the batch routes it may otherwise use — `?action=REVERT` in every spelling and position, and a new batch
 * whose `replay.predecessors` name the batch (a replay reverts what it replaces). Removing promoted data needs
 * `admin`, as `DELETE /profiles` does; the batch must stay promoted.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, hashKey, keyIdOf } from '../../lambdas/core/api-keys/api-key';
import { authorizeRequest } from '../../lambdas/http/authorization';
import { createApiHandler } from '../../lambdas/http/api-handler';
import { BATCH_ROUTES, queryValuesOf } from '../../lambdas/http/route-table';
import { MemoryApiKeyStore } from '../unit/api-keys/memory-api-key-store';
import { lambdaContext, proxyEvent } from '../unit/http/proxy-events';
import { BatchApi, expectProblem } from '../support/batch-api';
import { MEMBER_SCHEMA, MEMBER_SCHEMA_ID, jsonLines } from '../support/batch-files';
import { call, startRuntimeUnderTest, type RuntimeUnderTest } from '../e2e/local-runtime';

const JSON_LINES = { format: 'json' } as const;

describe('an ingest (and read) key cannot remove promoted data', () => {
  let subject: RuntimeUnderTest;
  let admin: BatchApi;
  let ingest: BatchApi;
  let datasetId: string;
  let promotedId: string;

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    const { url, adminKey } = subject.runtime;
    admin = new BatchApi(url, adminKey);
    await admin.createSchema(MEMBER_SCHEMA);
    datasetId = await admin.createDataset('members', MEMBER_SCHEMA_ID);
    const key = await call(`${url}/api-keys`, {
      method: 'POST',
      key: adminKey,
      body: JSON.stringify({ name: 'producer', scopes: ['ingest', 'read'] }),
    });
    ingest = new BatchApi(url, (key.body as { key: string }).key);
    const promoted = await ingest.ingest({ datasetId, inputFormat: JSON_LINES }, [
      {
        path: 'members.jsonl',
        bytes: jsonLines([{ email: 'a@example.com', crmId: 'c-1' }]),
      },
    ]);
    expect(promoted.status).toBe('success');
    promotedId = promoted.id;
  });
  afterAll(async () => {
    await subject.stop();
  });

  it.each([
    ['?action=REVERT'],
    ['?action=revert'],
    ['?action=Revert'],
    ['?action=COMPLETE&action=REVERT'],
    ['?action=REVERT&action=COMPLETE'],
  ])('a REVERT asked as %s is a 403 naming admin, and the batch stays promoted', async (query) => {
    // Act
    const answer = await ingest.send(`/batches/${promotedId}${query}`, { method: 'POST' });

    // Assess
    expectProblem(answer, 403, 'forbidden');
    expect((answer.body as { detail: string }).detail).toContain('do not include admin');
    expect((await admin.batch(promotedId)).status).toBe('success');
  });

  it('a new batch replaying a promoted one is a 403 naming admin, and nothing is created', async () => {
    // Prepare
    const before = (await admin.batchesOf(datasetId)).length;

    // Act
    const answer = await ingest.createBatchAnswer({
      datasetId,
      inputFormat: JSON_LINES,
      replay: { predecessors: [promotedId] },
    });

    // Assess
    expectProblem(answer, 403, 'forbidden');
    expect((answer.body as { detail: string }).detail).toContain('replay');
    expect(await admin.batchesOf(datasetId)).toHaveLength(before);
    expect((await admin.batch(promotedId)).status).toBe('success');
  });

  it('the ingest key still completes, aborts and creates batches without a replay', async () => {
    // Act
    const created = await ingest.createBatchAnswer({ datasetId, inputFormat: JSON_LINES });
    const aborted = await ingest.action((created.body as { id: string }).id, 'ABORT');

    // Assess
    expect(created.status).toBe(201);
    expect(aborted.status).toBe(200);
  });

  it('an admin key reverts the batch', async () => {
    // Act
    const answer = await admin.action(promotedId, 'REVERT');
    const reverted = await admin.waitForBatch(promotedId, (view) => view.status !== 'success');

    // Assess
    expect(answer.status).toBe(200);
    expect(reverted.status).toBe('deleted');
  });
});

describe('the authorizer and the handler agree on what needs admin', () => {
  const ROUTES = BATCH_ROUTES;
  const ingestContext = { keyId: 'ingest-id', keySandbox: 'prod', scopes: 'ingest' };
  const reached: string[] = [];
  const handler = createApiHandler({
    routes: () => ({
      'POST /batches': async () => {
        reached.push('POST /batches');
        return { status: 201 };
      },
      'POST /batches/{batchId}': async () => {
        reached.push('POST /batches/{batchId}');
        return { status: 200 };
      },
    }),
    definitions: ROUTES,
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
  });

  interface Case {
    readonly resource: string;
    readonly multi?: Readonly<Record<string, string[]>>;
    readonly body?: unknown;
    readonly admin: boolean;
  }
  const cases: readonly Case[] = [
    { resource: '/batches/{batchId}', multi: { action: ['REVERT'] }, admin: true },
    { resource: '/batches/{batchId}', multi: { action: ['reVert'] }, admin: true },
    { resource: '/batches/{batchId}', multi: { action: ['COMPLETE', 'REVERT'] }, admin: true },
    { resource: '/batches/{batchId}', multi: { action: ['COMPLETE'] }, admin: false },
    { resource: '/batches/{batchId}', multi: { Action: ['REVERT'] }, admin: false },
    { resource: '/batches', body: { replay: { predecessors: ['b'] } }, admin: true },
    { resource: '/batches', body: { replay: null }, admin: true },
    { resource: '/batches', body: { datasetId: 'd' }, admin: false },
  ];

  it.each(cases)('$resource $multi $body: needs admin = $admin', async (request) => {
    // Prepare
    const multi = { ...request.multi };
    const single = Object.fromEntries(Object.entries(multi).map(([name, values]) => [name, values.at(-1)!]));
    const event = proxyEvent({
      method: 'POST',
      resource: request.resource,
      pathParameters: { batchId: 'b' },
      query: single,
      ...(request.body === undefined ? {} : { body: request.body }),
      authorizer: ingestContext,
    });
    event.multiValueQueryStringParameters = multi;
    const store = new MemoryApiKeyStore();
    const key = generateKey();
    await store.put({
      keyId: keyIdOf(hashKey(key)),
      keyHash: hashKey(key),
      name: 'ingest',
      sandbox: 'prod',
      scopes: ['ingest'],
      createdAt: '2026-01-01T00:00:00.000Z',
      createdBy: 'test',
    });
    reached.length = 0;

    // Act
    const gateway = await authorizeRequest(
      { keys: store, sandboxes: { exists: async () => true }, routes: ROUTES },
      {
        presentedKey: key,
        method: 'POST',
        resource: request.resource,
        query: queryValuesOf(event),
        sandboxHeader: undefined,
      },
    );
    const answer = await handler(event, lambdaContext());

    // Assess: the authorizer cannot see bodies, so only the handler refuses a body that asks for admin
    const bodyElevated = request.body !== undefined && request.admin;
    expect(gateway.effect).toBe(request.admin && !bodyElevated ? 'Deny' : 'Allow');
    expect(answer.statusCode).toBe(request.admin ? 403 : request.resource === '/batches' ? 201 : 200);
    expect(reached).toHaveLength(request.admin ? 0 : 1);
  });
});
