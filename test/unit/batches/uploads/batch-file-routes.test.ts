import { describe, expect, it } from 'vitest';
import type { ApiRequest, RouteHandler } from '../../../../lambdas/http/api-types';
import type { DomainError } from '../../../../lambdas/core/errors/domain-error';
import { batchFileRoutes } from '../../../../lambdas/http/routes/batch-file-routes';
import { BATCH_ID, DATASET_ID, failureOf, SANDBOX, uploadWorld } from '../../../support/memory-uploads';

const RESOURCE = '/batches/{batchId}/datasets/{datasetId}/files/{filePath+}';
const PATH = 'year=2024/data.json';
const OCTETS = { 'content-type': 'application/octet-stream' };

function request(overrides: Partial<ApiRequest>): ApiRequest {
  return {
    method: 'PUT',
    resource: RESOURCE,
    path: `/batches/${BATCH_ID}/datasets/${DATASET_ID}/files/${PATH}`,
    pathParameters: { batchId: BATCH_ID, datasetId: DATASET_ID, filePath: PATH },
    query: {},
    headers: OCTETS,
    body: undefined,
    sandbox: SANDBOX,
    caller: { keyId: 'key', keySandbox: SANDBOX, scopes: ['ingest'] },
    requestId: 'req-1',
    baseUrl: 'http://127.0.0.1:4100',
    ...overrides,
  };
}

function setup() {
  const world = uploadWorld();
  const routes = batchFileRoutes({ uploads: world.service });
  const route = (method: 'PUT' | 'PATCH' | 'HEAD' | 'POST'): RouteHandler => {
    const handler = routes[`${method} ${RESOURCE}`];
    if (!handler) throw new Error(`no route ${method} ${RESOURCE}`);
    return handler;
  };
  const post = (action: string | undefined, body?: unknown) =>
    route('POST')(
      request({ method: 'POST', headers: {}, query: action === undefined ? {} : { action }, body }),
    );
  return { world, route, post };
}

describe('batch file routes', () => {
  it('PUT answers 201 for a new path and 200 when it replaces, with {path, sizeInBytes}', async () => {
    // Prepare
    const { route } = setup();

    // Act
    const created = await route('PUT')(request({ bodyBytes: Buffer.from('{"a":1}\n') }));
    const replaced = await route('PUT')(
      request({ headers: { 'content-type': 'application/gzip' }, bodyBytes: Buffer.from('gz') }),
    );
    const empty = await route('PUT')(
      request({
        headers: { 'content-type': 'application/x-parquet; charset=binary' },
        pathParameters: { batchId: BATCH_ID, datasetId: DATASET_ID, filePath: 'empty.parquet' },
      }),
    );

    // Assess
    expect(created).toEqual({ status: 201, body: { path: PATH, sizeInBytes: 8 } });
    expect(replaced).toEqual({ status: 200, body: { path: PATH, sizeInBytes: 2 } });
    expect(empty).toEqual({ status: 201, body: { path: 'empty.parquet', sizeInBytes: 0 } });
  });

  it.each([
    ['application/json', { 'content-type': 'application/json' }],
    ['text/csv', { 'content-type': 'text/csv' }],
    ['no content type', {}],
  ])('PUT and PATCH refuse %s with 415', async (_case, headers) => {
    // Prepare
    const { route } = setup();
    const body = { headers, bodyBytes: Buffer.from('{}') };

    // Act
    const put = await failureOf(route('PUT')(request(body)));
    const patch = await failureOf(route('PATCH')(request({ ...body, method: 'PATCH' })));

    // Assess
    const problem = {
      status: 415,
      code: 'unsupported-media-type',
      detail: expect.stringContaining('application/octet-stream') as unknown,
    };
    expect(put).toMatchObject(problem);
    expect(patch).toMatchObject(problem);
  });

  it('refuses a file path with a .. segment', async () => {
    // Prepare
    const { route } = setup();
    const pathParameters = { batchId: BATCH_ID, datasetId: DATASET_ID, filePath: 'a/../b.json' };

    // Act
    const failure = await failureOf(route('PUT')(request({ pathParameters, bodyBytes: Buffer.from('{}') })));

    // Assess
    expect(failure).toMatchObject({ kind: 'invalid', code: 'invalid-file-path' });
  });

  it('runs a ranged upload: INITIALIZE 201, PATCH 200 with Range, HEAD headers only, COMPLETE 200', async () => {
    // Prepare
    const { route, post } = setup();
    const patch = (range: string, text: string) =>
      route('PATCH')(
        request({
          method: 'PATCH',
          headers: { ...OCTETS, 'content-range': range },
          bodyBytes: Buffer.from(text),
        }),
      );

    // Act
    const initialized = await post('INITIALIZE');
    const headBefore = await route('HEAD')(request({ method: 'HEAD', headers: {} }));
    const first = await patch('bytes 0-3/12', '{"a"');
    const third = await patch('bytes 8-11/12', '2}\n\n');
    const headMiddle = await route('HEAD')(request({ method: 'HEAD', headers: {} }));
    await patch('bytes 4-7/*', ':1}\n');
    const reinitialized = await post('INITIALIZE');
    const completed = await post('COMPLETE');

    // Assess
    expect(initialized).toEqual({ status: 201 });
    expect(headBefore).toEqual({ status: 200, headers: { 'x-file-state': 'uploading' } });
    expect(first).toEqual({
      status: 200,
      headers: { range: 'bytes=0-3', 'x-file-state': 'uploading', 'x-expected-length': '12' },
      body: { name: PATH, sizeInBytes: 4, ranges: [{ start: 0, end: 3 }] },
    });
    expect(third.headers).toMatchObject({ range: 'bytes=0-3,8-11' });
    expect(headMiddle).toEqual({
      status: 200,
      headers: { range: 'bytes=0-3,8-11', 'x-file-state': 'uploading', 'x-expected-length': '12' },
    });
    expect(reinitialized).toEqual({ status: 200 });
    expect(completed).toEqual({ status: 200, body: { name: PATH, sizeInBytes: 12 } });
  });

  it('answers PATCH without Content-Range with 400 invalid-content-range', async () => {
    // Prepare
    const { route, post } = setup();
    await post('INITIALIZE');

    // Act
    const failure = await failureOf(
      route('PATCH')(request({ method: 'PATCH', bodyBytes: Buffer.from('{}') })),
    );

    // Assess
    expect(failure).toMatchObject({ kind: 'invalid', code: 'invalid-content-range' });
  });

  it('answers UPLOAD_URL with a presigned PUT of the declared size', async () => {
    // Prepare
    const { post } = setup();

    // Act
    const result = await post('UPLOAD_URL', { sizeInBytes: 1234 });

    // Assess
    expect(result).toEqual({
      status: 200,
      body: {
        url: expect.stringContaining(
          `uploads/${SANDBOX}/${BATCH_ID}/${DATASET_ID}/${PATH}.parts/url-`,
        ) as unknown,
        method: 'PUT',
        expiresAt: '2024-06-01T12:15:00.000Z',
        headers: { 'content-length': '1234', 'if-none-match': '*' },
      },
    });
  });

  it.each([
    [undefined, '/sizeInBytes'],
    [{ sizeInBytes: -1 }, '/sizeInBytes'],
    [{ sizeInBytes: 1.5 }, '/sizeInBytes'],
    [{ sizeInBytes: 10, contentType: 'text/csv' }, '/contentType'],
  ])('refuses UPLOAD_URL with %j: 400 naming %s', async (body, pointer) => {
    // Prepare
    const { post } = setup();

    // Act
    const failure = (await failureOf(post('UPLOAD_URL', body))) as DomainError;

    // Assess
    expect(failure).toMatchObject({ kind: 'invalid', code: 'validation-failed' });
    expect(failure.violations?.map((violation) => violation.pointer)).toEqual([pointer]);
  });

  it.each([['ABORT'], ['initialize'], [undefined]])(
    'refuses POST ?action=%s with 400 invalid-action',
    async (action) => {
      // Prepare
      const { post } = setup();

      // Act
      const failure = await failureOf(post(action));

      // Assess
      expect(failure).toMatchObject({
        kind: 'invalid',
        code: 'invalid-action',
        message: 'action must be one of INITIALIZE, COMPLETE, UPLOAD_URL',
        violations: [expect.objectContaining({ pointer: '/action' })],
      });
    },
  );
});
