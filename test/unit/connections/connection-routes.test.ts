import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FetchHttpSourceReader } from '../../../lambdas/core/connections/http-source-reader';
import { createApiHandler } from '../../../lambdas/http/api-handler';
import type { ApiRequest, RouteHandler } from '../../../lambdas/http/api-types';
import { DATAFLOW_ROUTES, type RouteKey } from '../../../lambdas/http/route-table';
import { connectionRoutes } from '../../../lambdas/http/routes/connection-routes';
import { json, startSourceServer, type SourceServer } from '../../support/http-source-server';
import { lambdaContext, PLATFORM_CONTEXT, proxyEvent, type EventOptions } from '../http/proxy-events';
import { connectionService } from './memory-connections';

const SANDBOX = 'prod';
const SECRET = 'sk_live_7f3a9c1e5b2d4f60';

function request(overrides: Partial<ApiRequest>): ApiRequest {
  return {
    method: 'GET',
    resource: '/connections',
    path: '/connections',
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

function setup(http?: FetchHttpSourceReader) {
  const parts = connectionService(http ? { http } : {});
  const routes = connectionRoutes({ connections: parts.service });
  const route = (key: RouteKey): RouteHandler => {
    const handler = routes[key];
    if (!handler) throw new Error(`no route ${key}`);
    return handler;
  };
  return { ...parts, routes, route };
}

async function thrown(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return error as Record<string, unknown>;
}

const s3Body = {
  name: 'Partner drops',
  type: 's3',
  params: {
    bucket: 'partner-drops',
    prefix: 'exports/',
    filePattern: '*.csv',
    inputFormat: { format: 'CSV' },
  },
};

describe('connection routes', () => {
  let server: SourceServer;

  beforeAll(async () => {
    server = await startSourceServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('covers every connection row of the route table', () => {
    // Prepare
    const { routes } = setup();
    const rows = DATAFLOW_ROUTES.filter((row) => row.resource.startsWith('/connections')).map(
      (row) => `${row.method} ${row.resource}`,
    );

    // Assess
    expect(Object.keys(routes).sort()).toEqual(rows.sort());
  });

  it('POST /connections answers 201 with the connection, its prefix as a folder and its format normalised', async () => {
    // Prepare
    const { route } = setup();

    // Act
    const created = await route('POST /connections')(request({ method: 'POST', body: s3Body }));

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 's3',
      params: { bucket: 'partner-drops', prefix: 'exports', inputFormat: { format: 'csv' } },
      createdBy: 'key-1',
    });
    expect(created.body).not.toHaveProperty('revision');
  });

  it('refuses bad bodies with pointers, without quoting the auth value', async () => {
    // Prepare
    const { route } = setup();
    const post = (body: unknown) => thrown(route('POST /connections')(request({ method: 'POST', body })));
    const httpBody = (overrides: Record<string, unknown>) => ({
      name: 'API',
      type: 'http',
      params: { url: 'https://api.example.com/x', pagination: { type: 'link' } },
      ...overrides,
    });

    // Act
    const badBucket = await post({ ...s3Body, params: { ...s3Body.params, bucket: 'Bad_Bucket' } });
    const badPrefix = await post({ ...s3Body, params: { ...s3Body.params, prefix: 'a/../CON/b' } });
    const s3Auth = await post({ ...s3Body, auth: { type: 'header', name: 'X-Key', value: SECRET } });
    const userInfo = await post(
      httpBody({ params: { url: `https://u:${SECRET}@api.example.com/`, pagination: { type: 'link' } } }),
    );
    const sizeAlone = await post(
      httpBody({
        params: { url: 'https://a.example.com/', pagination: { type: 'page', pageParam: 'p', size: 10 } },
      }),
    );
    const lineBreak = await post(
      httpBody({ auth: { type: 'header', name: 'X-Key', value: `${SECRET}\r\nX-Evil: 1` } }),
    );
    const hostHeader = await post(httpBody({ auth: { type: 'header', name: 'Host', value: SECRET } }));
    const unknownType = await post({ name: 'x', type: 'ftp', params: {} });

    // Assess
    expect(badBucket).toMatchObject({ kind: 'invalid', code: 'validation-failed' });
    expect(JSON.stringify(badBucket.violations)).toContain('/params/bucket');
    expect(JSON.stringify(badPrefix.violations)).toContain('/params/prefix');
    expect(JSON.stringify(s3Auth.violations)).toContain('/auth');
    expect(JSON.stringify(userInfo.violations)).toContain('/params/url');
    expect(JSON.stringify(sizeAlone.violations)).toContain('/params/pagination/size');
    expect(JSON.stringify(lineBreak.violations)).toContain('/auth/value');
    expect(JSON.stringify(hostHeader.violations)).toContain('/auth/name');
    expect(unknownType).toMatchObject({ kind: 'invalid' });
    for (const error of [s3Auth, userInfo, lineBreak, hostHeader]) {
      expect(JSON.stringify(error)).not.toContain(SECRET);
      expect(String(error.detail)).not.toContain(SECRET);
    }
  });

  it('PATCH checks params against the connection type, pointing under /params', async () => {
    // Prepare
    const { route } = setup();
    const created = (await route('POST /connections')(request({ method: 'POST', body: s3Body }))).body as {
      id: string;
    };
    const patch = (body: unknown) =>
      route('PATCH /connections/{connectionId}')(
        request({ method: 'PATCH', pathParameters: { connectionId: created.id }, body }),
      );

    // Act
    const asHttp = await thrown(
      patch({ params: { url: 'https://a.example.com/', pagination: { type: 'link' } } }),
    );
    const empty = await thrown(patch({}));
    const updated = await patch({ params: { ...s3Body.params, recursive: false }, description: 'drops' });
    const unknown = await thrown(
      route('PATCH /connections/{connectionId}')(
        request({ method: 'PATCH', pathParameters: { connectionId: 'nope' }, body: { params: {} } }),
      ),
    );

    // Assess
    expect(asHttp).toMatchObject({ kind: 'invalid' });
    expect(JSON.stringify(asHttp.violations)).toContain('/params/bucket');
    expect(empty).toMatchObject({ kind: 'invalid' });
    expect(updated).toMatchObject({
      status: 200,
      body: { description: 'drops', params: { recursive: false } },
    });
    expect(unknown).toMatchObject({ kind: 'not-found' });
  });

  it('GET /connections/{id}/explore answers a listing as a bare array, and a preview as {format, schema, data}', async () => {
    // Prepare
    const { route, s3 } = setup();
    const created = (await route('POST /connections')(request({ method: 'POST', body: s3Body }))).body as {
      id: string;
    };
    s3.put('exports/a.csv', 'id,name\n1,Ann\n');
    const explore = (query: Record<string, string>) =>
      route('GET /connections/{connectionId}/explore')(
        request({ pathParameters: { connectionId: created.id }, query }),
      );

    // Act
    const listing = await explore({});
    const preview = await explore({ objectType: 'file', object: 'exports/a.csv', fileType: 'delimited' });
    const badRows = await thrown(explore({ object: 'exports/a.csv', preview: 'true', nrow: '0' }));
    const badType = await thrown(explore({ objectType: 'bucket' }));

    // Assess
    expect(listing.body).toEqual([expect.objectContaining({ type: 'file', path: 'exports/a.csv' })]);
    expect(preview.body).toEqual({
      format: 'delimited',
      path: 'exports/a.csv',
      schema: {
        columns: [
          { name: 'id', type: 'string' },
          { name: 'name', type: 'string' },
        ],
      },
      data: [{ id: '1', name: 'Ann' }],
    });
    expect(badRows).toMatchObject({ kind: 'invalid' });
    expect(badType).toMatchObject({ kind: 'invalid' });
  });

  it('never puts a secret in an answer or a log line, whatever route is called and whatever fails', async () => {
    // Prepare: an API that echoes every request header back, in success and in failure.
    server.answer((url, incoming, response) =>
      json(response, url.pathname === '/fail' ? 500 : url.pathname === '/deny' ? 403 : 200, {
        items: [{ id: 1, headers: incoming.headers }],
        next: '',
      }),
    );
    const http = new FetchHttpSourceReader({
      allowPrivateHosts: true,
      sleep: async () => undefined,
      maxAttempts: 2,
    });
    const { routes, secrets, service } = setup(http);
    const output: string[] = [];
    const capture = (chunk: unknown) => {
      output.push(String(chunk));
      return true;
    };
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    const logger = new Logger({ serviceName: 'connections-test', logLevel: 'DEBUG' });
    const handler = createApiHandler({ routes: () => routes, definitions: DATAFLOW_ROUTES, logger });
    const answers: string[] = [];
    const call = async (options: Omit<EventOptions, 'authorizer'>) => {
      const response = await handler(
        proxyEvent({ ...options, authorizer: PLATFORM_CONTEXT }),
        lambdaContext(),
      );
      answers.push(`${response.statusCode} ${JSON.stringify(response.headers)} ${response.body}`);
      return response;
    };
    const auth = { type: 'header', name: 'Authorization', value: `Bearer ${SECRET}` };
    const body = (path: string) => ({
      name: 'Echo',
      type: 'http',
      params: {
        url: `${server.origin}${path}`,
        recordsPath: 'items',
        pagination: { type: 'cursor', cursorPath: 'next', cursorParam: 'c' },
      },
      auth,
    });

    // Act
    const created = await call({ method: 'POST', resource: '/connections', body: body('/ok') });
    const { id } = JSON.parse(created.body) as { id: string };
    const one = { pathParameters: { connectionId: id } };
    await call({ method: 'GET', resource: '/connections' });
    await call({ method: 'GET', resource: '/connections/{connectionId}', ...one });
    await call({ method: 'POST', resource: '/connections/{connectionId}/test', ...one });
    await call({ method: 'GET', resource: '/connections/{connectionId}/explore', ...one });
    for (const path of ['/fail', '/deny']) {
      await call({
        method: 'PATCH',
        resource: '/connections/{connectionId}',
        ...one,
        body: { params: body(path).params, auth: { ...auth, value: `Bearer ${SECRET}-2` } },
      });
      await call({ method: 'POST', resource: '/connections/{connectionId}/test', ...one });
      await call({ method: 'GET', resource: '/connections/{connectionId}/explore', ...one });
    }
    await call({
      method: 'POST',
      resource: '/connections',
      body: { ...body('/ok'), auth: { ...auth, extra: SECRET } },
    });
    // A fault of ours (the secret store failing) is logged: the log line must still hold no secret.
    const stored = [...secrets.values.keys()];
    secrets.values.clear();
    await call({ method: 'POST', resource: '/connections/{connectionId}/test', ...one });
    stdout.mockRestore();
    stderr.mockRestore();

    // Assess
    expect(stored).toHaveLength(1);
    expect(answers).toHaveLength(13);
    expect(answers[4]).toContain('[redacted]');
    expect(answers.some((answer) => answer.includes('"status":"ok"'))).toBe(true);
    expect(answers.some((answer) => answer.includes('http-500'))).toBe(true);
    expect(answers.some((answer) => answer.includes('http-403'))).toBe(true);
    expect(answers.at(-1)).toContain('internal-error');
    expect(output.join('\n')).toContain('unhandled error');
    expect(secrets.everStored).toEqual([`Bearer ${SECRET}`, `Bearer ${SECRET}-2`, `Bearer ${SECRET}-2`]);
    for (const text of [...answers, ...output]) expect(text).not.toContain(SECRET);
    for (const answer of answers) {
      expect(answer).not.toContain('secretRef');
      expect(answer).not.toContain('secretsmanager');
    }
    expect(await service.get(SANDBOX, id)).toHaveProperty('secretRef');
  });
});
