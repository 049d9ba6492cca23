/**
 * Bad input to every control-plane route, over HTTP against the local runtime: each answer is a 4xx
 * application/problem+json with a reason, and the runtime keeps serving afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BATCH_ROUTES,
  CONTROL_PLANE_ROUTES,
  PROFILE_ROUTES,
  type RouteDefinition,
} from '../../lambdas/http/route-table';
import { call, startRuntimeUnderTest, type HttpAnswer, type RuntimeUnderTest } from './local-runtime';

const UNKNOWN_IDS: Record<string, string> = {
  sandboxName: 'no-such-sandbox',
  keyId: '0123456789abcdef0123456789abcdef',
  schemaId: encodeURIComponent('https://example.com/schemas/none'),
  namespaceCode: 'NoSuchNamespace',
  datasetId: '0123456789abcdef01234567',
  inletId: 'f'.repeat(64),
  mergePolicyId: 'no-such-policy',
  batchId: 'stream-nope-20240101T0000',
};

const authenticated = [...CONTROL_PLANE_ROUTES, ...PROFILE_ROUTES, ...BATCH_ROUTES].filter(
  (route) => route.scope !== 'none',
);
const withBody = authenticated.filter((route) => ['POST', 'PUT', 'PATCH'].includes(route.method));
const withId = authenticated.filter((route) => route.resource.includes('{'));

function pathOf(route: RouteDefinition): string {
  return route.resource.replace(/\{(\w+)\}/g, (_, name: string) => UNKNOWN_IDS[name] ?? 'unknown');
}

/** A HEAD answer has the problem's status and content type, but HTTP gives it no body. */
function expectProblem(answer: HttpAnswer, status: number, method = 'GET'): void {
  expect(answer.status).toBe(status);
  expect(answer.contentType).toContain('application/problem+json');
  if (method === 'HEAD') return;
  const problem = answer.body as { status: unknown; code: unknown; detail: unknown };
  expect(problem.status).toBe(status);
  expect(typeof problem.code).toBe('string');
  expect(typeof problem.detail).toBe('string');
}

describe('bad input to every keyed route', () => {
  let subject: RuntimeUnderTest;
  let url: string;
  let admin: string;
  let readKey: string;

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    url = subject.runtime.url;
    admin = subject.runtime.adminKey;
    const created = await call(`${url}/api-keys`, {
      method: 'POST',
      key: admin,
      body: JSON.stringify({ name: 'reader', scopes: ['read'] }),
    });
    readKey = (created.body as { key: string }).key;
  });
  afterAll(async () => {
    await subject.stop();
  });

  it.each(authenticated)('$method $resource without a key → 401', async (route) => {
    expectProblem(await call(url + pathOf(route), { method: route.method }), 401, route.method);
  });

  it.each(authenticated)('$method $resource with an unknown key → 401', async (route) => {
    expectProblem(
      await call(url + pathOf(route), { method: route.method, key: `trb_${'x'.repeat(43)}` }),
      401,
      route.method,
    );
  });

  it.each(authenticated.filter((route) => route.scope === 'admin'))(
    '$method $resource with a read-only key → 403 naming the scope',
    async (route) => {
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}';
      const answer = await call(url + pathOf(route), {
        method: route.method,
        key: readKey,
        ...(body ? { body } : {}),
      });
      expectProblem(answer, 403);
      expect((answer.body as { detail: string }).detail).toContain('admin');
    },
  );

  it.each(withBody)('$method $resource with malformed JSON → 400', async (route) => {
    const answer = await call(url + pathOf(route), { method: route.method, key: admin, body: '{"name": ' });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.contentType).toContain('application/problem+json');
  });

  it.each(withBody)('$method $resource with wrong types → 4xx with a pointer', async (route) => {
    const answer = await call(url + pathOf(route), {
      method: route.method,
      key: admin,
      body: JSON.stringify({
        name: 42,
        title: [],
        class: 7,
        schema: 'x',
        schemaId: false,
        scopes: 'all',
        code: {},
      }),
    });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.contentType).toContain('application/problem+json');
  });

  it.each(withBody)('$method $resource with an oversize body → 413', async (route) => {
    const answer = await call(url + pathOf(route), {
      method: route.method,
      key: admin,
      body: JSON.stringify({ name: 'x'.repeat(1_100_000) }),
    });
    expectProblem(answer, 413);
  });

  it.each(withId.filter((route) => route.method === 'GET'))(
    '$method $resource with an unknown id → 404',
    async (route) => {
      expectProblem(await call(url + pathOf(route), { method: route.method, key: admin }), 404);
    },
  );

  it('an unknown route → 404 problem, and a wrong sandbox header → 4xx problem', async () => {
    expectProblem(await call(`${url}/no/such/route`, { key: admin }), 404);
    const badSandbox = await call(`${url}/datasets`, {
      key: admin,
      headers: { 'x-sandbox-name': 'Not A Name!' },
    });
    expect(badSandbox.status).toBeGreaterThanOrEqual(400);
    expect(badSandbox.status).toBeLessThan(500);
    expect(badSandbox.contentType).toContain('application/problem+json');
  });

  it('keeps serving after all of it', async () => {
    expect((await call(`${url}/health`)).body).toEqual({ status: 'ok' });
  });
});
