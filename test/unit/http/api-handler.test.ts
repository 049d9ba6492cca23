import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { RouteMap } from '../../../lambdas/http/api-handler';
import { createApiHandler } from '../../../lambdas/http/api-handler';
import type { ApiRequest } from '../../../lambdas/http/api-types';
import { parseInput } from '../../../lambdas/core/input';
import { pageRequest } from '../../../lambdas/http/input';
import { conflict } from '../../../lambdas/core/errors/domain-error';
import { jsonErrorPosition, MAX_BODY_BYTES } from '../../../lambdas/http/request';
import { CONTROL_PLANE_ROUTES } from '../../../lambdas/http/route-table';
import { lambdaContext, PLATFORM_CONTEXT, proxyEvent, type EventOptions } from './proxy-events';

function setup(routes: RouteMap) {
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const errors = vi.spyOn(logger, 'error');
  const handler = createApiHandler({ routes: () => routes, definitions: CONTROL_PLANE_ROUTES, logger });
  const call = async (options: EventOptions) => {
    const response = await handler(proxyEvent(options), lambdaContext());
    return {
      ...response,
      json: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : undefined,
    };
  };
  return { call, errors };
}

const seen: ApiRequest[] = [];
const echo: RouteMap = {
  'GET /health': async () => ({ status: 200, body: { status: 'ok' } }),
  'POST /datasets': async (request) => {
    seen.push(request);
    parseInput(z.strictObject({ name: z.string() }), request.body);
    return { status: 201, body: { echoed: request.body } };
  },
  'GET /datasets': async (request) => {
    seen.push(request);
    return { status: 200, body: { items: [], page: pageRequest(request.query) } };
  },
  'DELETE /inlets/{inletId}': async () => ({ status: 204 }),
  'POST /inlets': async () => {
    throw conflict('busy', 'try later');
  },
  'GET /inlets': async () => {
    throw new Error('secret table name TributaryCatalog-ABC');
  },
  'GET /inlets/{inletId}': async () => {
    throw Object.assign(new Error('the graph kept losing to concurrent writers; retry later'), {
      retryable: true,
    });
  },
};

const admin = { authorizer: PLATFORM_CONTEXT };

describe('createApiHandler', () => {
  it('answers a retryable core error with 503 and Retry-After, without logging it as a fault', async () => {
    // Prepare
    const { call, errors } = setup(echo);

    // Act
    const response = await call({
      method: 'GET',
      resource: '/inlets/{inletId}',
      pathParameters: { inletId: 'abc' },
      ...admin,
    });

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '1' });
    expect(response.json).toMatchObject({ code: 'temporarily-unavailable', status: 503 });
    expect(errors).not.toHaveBeenCalled();
  });

  it('answers GET /health without a key', async () => {
    // Act
    const response = await setup(echo).call({ method: 'GET', resource: '/health' });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(response.json).toEqual({ status: 'ok' });
  });

  it('passes a parsed request: lower-cased headers, sandbox, caller, base URL', async () => {
    // Act
    const response = await setup(echo).call({
      method: 'POST',
      resource: '/datasets',
      path: '/datasets',
      contextPath: '/prod/datasets',
      headers: {
        'X-Sandbox-Name': 'dev',
        Host: 'abc.execute-api.us-east-1.amazonaws.com',
        'X-Forwarded-Proto': 'https',
      },
      body: { name: 'people' },
      ...admin,
    });
    const request = seen.at(-1)!;

    // Assess
    expect(response.statusCode).toBe(201);
    expect(request.sandbox).toBe('dev');
    expect(request.headers['x-sandbox-name']).toBe('dev');
    expect(request.caller).toEqual({ keyId: 'platform-id', keySandbox: '*', scopes: ['admin'] });
    expect(request.baseUrl).toBe('https://abc.execute-api.us-east-1.amazonaws.com/prod');
    expect(request.requestId).toMatch(/^request-/);
  });

  it('uses http for local hosts and decodes base64 bodies', async () => {
    // Act
    await setup(echo).call({
      method: 'POST',
      resource: '/datasets',
      rawBody: Buffer.from('{"name":"b64"}').toString('base64'),
      isBase64Encoded: true,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      ...admin,
    });
    const request = seen.at(-1)!;

    // Assess
    expect(request.body).toEqual({ name: 'b64' });
    expect(request.baseUrl).toBe('http://127.0.0.1:4100');
  });

  it.each([
    [
      'malformed JSON',
      { rawBody: '{"name": ', headers: { 'content-type': 'application/json' } },
      400,
      'malformed-json',
    ],
    [
      'a non-JSON content type',
      { rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      415,
      'unsupported-media-type',
    ],
    ['no content type', { rawBody: '{"name":"x"}' }, 415, 'unsupported-media-type'],
    ['an oversize body', { body: { name: 'x'.repeat(MAX_BODY_BYTES) } }, 413, 'payload-too-large'],
    [
      'a bad sandbox header',
      { body: { name: 'x' }, headers: { 'x-sandbox-name': 'Not_A_Sandbox' } },
      400,
      'invalid-sandbox-name',
    ],
    ['a wrong field type', { body: { name: 42 } }, 400, 'validation-failed'],
    ['an unknown field', { body: { name: 'x', nmae: 'y' } }, 400, 'validation-failed'],
    ['no body at all', {}, 400, 'validation-failed'],
  ] as const)('answers %s with a problem', async (_what, options, status, code) => {
    // Act
    const response = await setup(echo).call({ method: 'POST', resource: '/datasets', ...admin, ...options });

    // Assess
    expect(response.statusCode).toBe(status);
    expect(response.headers).toMatchObject({ 'content-type': 'application/problem+json' });
    expect(response.json).toMatchObject({ status, code, type: `https://tributary.dev/problems/${code}` });
    expect(response.json?.instance).toMatch(/^request-/);
  });

  it('points violations at the offending fields', async () => {
    // Act
    const wrongType = await setup(echo).call({
      method: 'POST',
      resource: '/datasets',
      body: { name: 42 },
      ...admin,
    });
    const unknownField = await setup(echo).call({
      method: 'POST',
      resource: '/datasets',
      body: { name: 'x', nmae: 'y' },
      ...admin,
    });
    const malformed = await setup(echo).call({
      method: 'POST',
      resource: '/datasets',
      rawBody: '{"a":}',
      headers: { 'content-type': 'application/json' },
      ...admin,
    });

    // Assess
    expect(wrongType.json?.violations).toEqual([
      expect.objectContaining({ pointer: '/name', keyword: 'invalid_type' }),
    ]);
    expect(unknownField.json?.violations).toEqual([
      expect.objectContaining({ pointer: '/nmae', keyword: 'additionalProperties' }),
    ]);
    expect(malformed.json?.detail).toMatch(/position 5/);
  });

  it('refuses a body holding a number JSON.parse would change (400 naming it) before any route sees it', async () => {
    // Prepare
    seen.length = 0;

    // Act
    const response = await setup(echo).call({
      method: 'POST',
      resource: '/datasets',
      rawBody: '{"name":"x","limits":[1,9007199254740993]}',
      headers: { 'content-type': 'application/json' },
      ...admin,
    });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json).toMatchObject({
      code: 'inexact-number',
      violations: [{ pointer: '/limits/1', keyword: 'exactNumber' }],
    });
    expect(seen).toEqual([]);
  });

  it('answers 404 for routes it does not serve', async () => {
    // Act
    const unknown = await setup(echo).call({ method: 'GET', resource: '/nowhere', ...admin });
    const unwired = await setup(echo).call({ method: 'GET', resource: '/schemas', ...admin });

    // Assess
    expect(unknown).toMatchObject({ statusCode: 404, json: { code: 'route-not-found' } });
    expect(unwired).toMatchObject({ statusCode: 404, json: { code: 'route-not-found' } });
  });

  it('re-checks the caller: 401 without one, 403 without the scope or for another sandbox', async () => {
    // Act
    const anonymous = await setup(echo).call({ method: 'GET', resource: '/datasets' });
    const ingestOnly = await setup(echo).call({
      method: 'GET',
      resource: '/datasets',
      authorizer: { keyId: 'k', keySandbox: 'prod', scopes: 'ingest' },
    });
    const otherSandbox = await setup(echo).call({
      method: 'GET',
      resource: '/datasets',
      headers: { 'x-sandbox-name': 'dev' },
      authorizer: { keyId: 'k', keySandbox: 'prod', scopes: 'read' },
    });

    // Assess
    expect(anonymous).toMatchObject({ statusCode: 401, json: { code: 'unauthorized' } });
    expect(ingestOnly).toMatchObject({
      statusCode: 403,
      json: { detail: "the key's scopes (ingest) do not include read" },
    });
    expect(otherSandbox).toMatchObject({
      statusCode: 403,
      json: { detail: "the key belongs to sandbox 'prod', not 'dev'" },
    });
  });

  it('answers 204 with no body, and HttpProblems with their own status', async () => {
    // Act
    const deleted = await setup(echo).call({
      method: 'DELETE',
      resource: '/inlets/{inletId}',
      pathParameters: { inletId: 'a' },
      ...admin,
    });
    const busy = await setup(echo).call({ method: 'POST', resource: '/inlets', body: {}, ...admin });

    // Assess
    expect(deleted).toMatchObject({ statusCode: 204, body: '' });
    expect(busy).toMatchObject({ statusCode: 409, json: { code: 'busy', detail: 'try later' } });
  });

  it('logs unexpected errors and answers a 500 that leaks nothing', async () => {
    // Prepare
    const { call, errors } = setup(echo);

    // Act
    const response = await call({ method: 'GET', resource: '/inlets', ...admin });

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.json).toMatchObject({ code: 'internal-error' });
    expect(response.body).not.toContain('TributaryCatalog');
    expect(errors).toHaveBeenCalledOnce();
  });

  it('refuses bad page parameters', async () => {
    // Act
    const zero = await setup(echo).call({
      method: 'GET',
      resource: '/datasets',
      query: { limit: '0' },
      ...admin,
    });
    const text = await setup(echo).call({
      method: 'GET',
      resource: '/datasets',
      query: { limit: 'ten' },
      ...admin,
    });
    const huge = await setup(echo).call({
      method: 'GET',
      resource: '/datasets',
      query: { limit: '501' },
      ...admin,
    });
    const empty = await setup(echo).call({
      method: 'GET',
      resource: '/datasets',
      query: { start: '' },
      ...admin,
    });
    const fine = await setup(echo).call({
      method: 'GET',
      resource: '/datasets',
      query: { limit: '7', start: 'abc' },
      ...admin,
    });

    // Assess
    for (const response of [zero, text, huge]) {
      expect(response).toMatchObject({
        statusCode: 400,
        json: { code: 'invalid-limit', violations: [{ pointer: '/limit' }] },
      });
    }
    expect(empty).toMatchObject({ statusCode: 400, json: { code: 'invalid-page-token' } });
    expect(fine.json).toMatchObject({ page: { limit: 7, start: 'abc' } });
  });
});

describe('jsonErrorPosition', () => {
  it.each([
    ['{"a":}', 5],
    ['{"name": ', 9],
    ['[1,2,,3]', 5],
    ['{"a":1} x', 8],
    ['{"a": tru}', 9],
  ])('finds where %s breaks', (text, position) => {
    // Prepare
    let message = '';
    try {
      JSON.parse(text);
    } catch (error) {
      message = (error as Error).message;
    }

    // Act, Assess
    expect(jsonErrorPosition(text, message)).toBe(position);
  });
});
