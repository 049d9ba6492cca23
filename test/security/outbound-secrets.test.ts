/**
 * Attacks that try to get a connection's secrets out through the URLs it reaches or the answers it gives: moving
 * the URL to an origin of the attacker's (the stored auth header would follow), a `Link` header pointing there,
 * a redacted query value carried to another origin, and reading the secrets in URLs with a `read` key. The source
 * API and the attacker's server both run on loopback (as two origins); the connection routes run over in-memory
 * stores and a real HTTP reader.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FetchHttpSourceReader } from '../../lambdas/core/connections/http-source-reader';
import { dataflowView, runView } from '../../lambdas/core/dataflows/run-view';
import { connectionRoutes } from '../../lambdas/http/routes/connection-routes';
import { connectionService } from '../unit/connections/memory-connections';
import { apiRequest, routeOf, thrownBy } from '../support/api-requests';
import { dataflow, endedRun } from '../support/dataflow-world';
import { json, startSourceServer, type SourceServer } from '../support/http-source-server';

const TOKEN = 'Bearer tok-4e1d7a90c2b35f68';
const API_KEY = 'k-93c1f0a7d6e2b584';
const READ_KEY = { keyId: 'reader', keySandbox: 'prod', scopes: ['read' as const] };

describe('secrets of HTTP connections', () => {
  let source: SourceServer;
  let attacker: SourceServer;
  let setup: ReturnType<typeof connectionsOver>;

  function connectionsOver() {
    const http = new FetchHttpSourceReader({ allowPrivateHosts: true, maxAttempts: 1 });
    const parts = connectionService({ http });
    const routes = connectionRoutes({ connections: parts.service });
    const call = (key: Parameters<typeof routeOf>[1], overrides: Parameters<typeof apiRequest>[0]) =>
      routeOf(routes, key)(apiRequest(overrides));
    return { ...parts, http, call };
  }

  const create = async () => {
    const created = await setup.call('POST /connections', {
      method: 'POST',
      body: {
        name: 'orders',
        type: 'http',
        params: { url: `${source.origin}/v1/orders?api_key=${API_KEY}`, pagination: { type: 'link' } },
        auth: { type: 'header', name: 'Authorization', value: TOKEN },
      },
    });
    return (created.body as { id: string }).id;
  };
  const patch = (connectionId: string, body: unknown) =>
    setup.call('PATCH /connections/{connectionId}', {
      method: 'PATCH',
      pathParameters: { connectionId },
      body,
    });
  const test = (connectionId: string) =>
    setup.call('POST /connections/{connectionId}/test', { method: 'POST', pathParameters: { connectionId } });

  beforeAll(async () => {
    source = await startSourceServer();
    attacker = await startSourceServer();
  });
  afterAll(async () => {
    await source.close();
    await attacker.close();
  });
  beforeEach(() => {
    setup = connectionsOver();
    source.answer((_url, _request, response) => json(response, 200, [{ id: 1 }]));
    attacker.answer((_url, _request, response) => json(response, 200, []));
  });

  it("moving a connection's URL to another origin is refused (naming /auth) until the auth is given again", async () => {
    // Prepare
    const id = await create();
    const moveTo = (url: string, auth?: null) =>
      patch(id, { params: { url, pagination: { type: 'link' } }, ...(auth === null ? { auth } : {}) });

    // Act
    const refused = await thrownBy(moveTo(`${attacker.origin}/collect`));
    await test(id);
    const moved = await moveTo(`${attacker.origin}/v2/orders`, null);
    await test(id);

    // Assess
    expect(refused).toMatchObject({ status: 400, code: 'auth-required' });
    expect((refused?.violations as { pointer: string }[]).map((v) => v.pointer)).toEqual(['/auth']);
    expect(moved.status).toBe(200);
    expect(source.requests.map((request) => request.headers.authorization)).toEqual([TOKEN]);
    expect(attacker.requests.map((request) => request.headers.authorization)).toEqual([undefined]);
  });

  it('a Link header leading to another origin is followed without the auth header', async () => {
    // Prepare
    source.answer((_url, _request, response) =>
      json(response, 200, [{ id: 1 }], { link: `<${attacker.origin}/page-2>; rel="next"` }),
    );
    const params = { url: `${source.origin}/v1/orders`, pagination: { type: 'link' as const } };
    const auth = { type: 'header' as const, name: 'Authorization', value: TOKEN };

    // Act
    const first = await setup.http.fetchPage(params, setup.http.firstPage(params), { auth });
    await setup.http.fetchPage(params, first.next!, { auth });

    // Assess
    expect(source.requests.map((request) => request.headers.authorization)).toEqual([TOKEN]);
    expect(attacker.requests).toHaveLength(1);
    expect(attacker.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('a redacted query value cannot be carried to another origin, nor stored as the text REDACTED', async () => {
    // Prepare
    const id = await create();

    // Act
    const moved = await thrownBy(
      patch(id, {
        params: { url: `${attacker.origin}/collect?api_key=REDACTED`, pagination: { type: 'link' } },
        auth: null,
      }),
    );

    // Assess
    expect(moved).toMatchObject({ status: 400, code: 'redacted-value' });
    expect((moved?.violations as { pointer: string }[]).map((v) => v.pointer)).toEqual(['/params/url']);
  });

  it('no answer to a read key shows the query values of a source URL; sending it back as answered keeps it', async () => {
    // Prepare
    const id = await create();

    // Act
    const read = await setup.call('GET /connections/{connectionId}', {
      pathParameters: { connectionId: id },
      caller: READ_KEY,
    });
    const listed = await setup.call('GET /connections', { caller: READ_KEY });
    const answeredUrl = (read.body as { params: { url: string } }).params.url;
    const patched = await patch(id, { params: { url: answeredUrl, pagination: { type: 'link' } } });
    await test(id);

    // Assess
    expect(answeredUrl).toBe(`${source.origin}/v1/orders?api_key=REDACTED`);
    expect(JSON.stringify([read.body, listed.body, patched.body])).not.toContain(API_KEY);
    expect(source.requests.map((request) => request.url.searchParams.get('api_key'))).toEqual([API_KEY]);
  });

  it("no answer shows a run's next-page URL query or a webhook's token", () => {
    // Prepare
    const run = endedRun({
      status: 'failed',
      progress: {
        ...endedRun().progress,
        next: { url: `https://api.example.com/v1/orders?api_key=${API_KEY}&cursor=c2`, page: 2 },
      },
    });
    const flow = dataflow({
      notifications: { webhookUrl: `https://hooks.example.com/services/T0/B0/${API_KEY}`, secretRef: 'ref' },
    });

    // Act
    const views = JSON.stringify([runView(run), dataflowView(flow)]);

    // Assess
    expect(views).not.toContain(API_KEY);
    expect(views).not.toContain('"secretRef"');
    expect(runView(run).progress.next?.url).toBe(
      'https://api.example.com/v1/orders?api_key=REDACTED&cursor=REDACTED',
    );
    expect(dataflowView(flow).notifications).toEqual({ webhookUrl: 'https://hooks.example.com/REDACTED' });
  });
});
