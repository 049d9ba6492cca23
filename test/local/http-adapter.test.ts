import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningRuntime } from '../../local/runtime';
import { MAX_INVOKE_PAYLOAD_BYTES } from '../../local/http/api-server';
import { recorder, resetRecorder } from '../fixtures/handlers/recorder';
import { freshDataDir, removeDataDir, startFixtureRuntime } from './fixture-runtime';

interface Echo {
  event: {
    resource: string;
    path: string;
    httpMethod: string;
    headers: Record<string, string>;
    multiValueHeaders: Record<string, string[]>;
    queryStringParameters: Record<string, string> | null;
    multiValueQueryStringParameters: Record<string, string[]> | null;
    pathParameters: Record<string, string> | null;
    body: string | null;
    isBase64Encoded: boolean;
    requestContext: {
      requestId: string;
      stage: string;
      resourcePath: string;
      path: string;
      httpMethod: string;
      identity: { sourceIp: string };
      authorizer?: Record<string, string>;
    };
  };
  remainingMs: number;
  functionName: string;
  tableFromEnv: string;
}

describe('the REST API adapter on the fixture app', () => {
  let runtime: RunningRuntime;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = freshDataDir();
    runtime = await startFixtureRuntime(dataDir);
    console.log(`local runtime (fixture app) started in ${runtime.startupMs} ms`);
  });
  afterAll(async () => {
    await runtime.stop();
    removeDataDir(dataDir);
  });
  beforeEach(() => resetRecorder());

  const call = (path: string, init?: RequestInit) => fetch(`${runtime.url}${path}`, init);

  it('routes to the Lambda proxy integration with an API Gateway v1 event', async () => {
    // Act
    const response = await call('/echo/a%20b?tag=x&tag=y&one=1', { headers: { 'X-Custom': 'v' } });
    const echo = (await response.json()) as Echo;

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('x-single')).toBe('one');
    expect(response.headers.get('x-multi')).toBe('a, b');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(echo.event).toMatchObject({
      resource: '/echo/{name}',
      path: '/echo/a%20b',
      httpMethod: 'GET',
      pathParameters: { name: 'a%20b' },
      queryStringParameters: { tag: 'y', one: '1' },
      multiValueQueryStringParameters: { tag: ['x', 'y'], one: ['1'] },
      body: null,
      isBase64Encoded: false,
    });
    expect(echo.event.headers['X-Custom']).toBe('v');
    expect(echo.event.headers['X-Forwarded-Proto']).toBe('http');
    expect(echo.event.requestContext).toMatchObject({
      stage: 'v1',
      resourcePath: '/echo/{name}',
      path: '/echo/a%20b',
      httpMethod: 'GET',
    });
    expect(echo.event.requestContext.identity.sourceIp).toBe('127.0.0.1');
    expect(response.headers.get('x-amzn-requestid')).toBe(echo.event.requestContext.requestId);
    expect(echo.functionName).toMatch(/^fixture-api-apifunction/);
    expect(echo.remainingMs).toBeGreaterThan(0);
    expect(echo.remainingMs).toBeLessThanOrEqual(5000);
    expect(echo.tableFromEnv).toBe('fixture-items');
  });

  it('prefers literal path parts and matches greedy proxies with ANY', async () => {
    // Act
    const special = (await (await call('/items/x/special')).json()) as Echo;
    const proxy = (await (await call('/files/a/b/c.txt', { method: 'DELETE' })).json()) as Echo;

    // Assess
    expect(special.event.resource).toBe('/items/{itemId}/special');
    expect(special.event.pathParameters).toEqual({ itemId: 'x' });
    expect(proxy.event.resource).toBe('/files/{proxy+}');
    expect(proxy.event.pathParameters).toEqual({ proxy: 'a/b/c.txt' });
  });

  it('answers unknown paths and methods with Missing Authentication Token', async () => {
    // Act
    const unknownPath = await call('/nowhere');
    const unknownMethod = await call('/health', { method: 'DELETE' });

    // Assess
    expect(unknownPath.status).toBe(403);
    expect(await unknownPath.json()).toEqual({ message: 'Missing Authentication Token' });
    expect(unknownMethod.status).toBe(403);
    expect(recorder().calls).toEqual([]);
  });

  it('passes the authorizer context to the handler on Allow', async () => {
    // Act
    const response = await call('/items', { headers: { Authorization: 'Bearer allow' } });
    const echo = (await response.json()) as Echo;

    // Assess
    expect(response.status).toBe(200);
    expect(echo.event.requestContext.authorizer).toEqual({
      keyId: 'k1',
      scopes: 'admin read',
      admin: 'true',
      weight: '3',
      principalId: 'fixture-user',
    });
    const authorizerEvent = recorder().calls.find((c) => c.fn === 'authorizer')?.event as {
      type: string;
      methodArn: string;
    };
    expect(authorizerEvent.type).toBe('REQUEST');
    expect(authorizerEvent.methodArn).toMatch(
      /^arn:aws:execute-api:us-east-1:000000000000:[a-z0-9]{10}\/v1\/GET\/items$/,
    );
  });

  it('renders the UNAUTHORIZED gateway response when the authorizer says Unauthorized', async () => {
    // Act
    const response = await call('/items');
    const body = (await response.json()) as Record<string, unknown>;

    // Assess
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(body).toEqual({
      status: 401,
      code: 'unauthorized',
      detail: 'Unauthorized',
      instance: response.headers.get('x-amzn-requestid'),
    });
  });

  it('renders ACCESS_DENIED with the Deny context, and for an Allow that does not match the method', async () => {
    // Act
    const denied = await call('/items', { headers: { Authorization: 'Bearer deny' } });
    const elsewhere = await call('/items', { headers: { Authorization: 'Bearer elsewhere' } });

    // Assess
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { detail: string }).detail).toBe('revoked');
    expect(elsewhere.status).toBe(403);
    expect(recorder().calls.filter((c) => c.fn === 'api')).toEqual([]);
  });

  it('answers AUTHORIZER_FAILURE (a 5xx) when the authorizer fails or returns an invalid context', async () => {
    // Act
    const failed = await call('/items', { headers: { Authorization: 'Bearer boom' } });
    const invalid = await call('/items', { headers: { Authorization: 'Bearer nested' } });

    // Assess
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ code: 'internal', detail: null });
    expect(invalid.status).toBe(500);
  });

  it('answers 502 through DEFAULT_5XX when the handler throws or returns a malformed result', async () => {
    // Act
    const thrown = await call('/fail');
    const malformed = await call('/malformed');

    // Assess
    expect(thrown.status).toBe(502);
    expect(await thrown.json()).toMatchObject({ code: 'internal', detail: 'Internal server error' });
    expect(malformed.status).toBe(502);
  });

  it('base64-encodes binary media types both ways', async () => {
    // Prepare
    const bytes = Buffer.from([0, 159, 146, 150, 255]);

    // Act
    const response = await call('/binary', {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: bytes,
    });

    // Assess
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
    const event = recorder().calls.find((c) => c.fn === 'api')?.event as Echo['event'];
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? '', 'base64')).toEqual(bytes);
  });

  it('passes text bodies as they are', async () => {
    // Act
    await call('/items', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"id":"i1","kind":"k"}',
    });

    // Assess
    const event = recorder().calls.find((c) => c.fn === 'api')?.event as Echo['event'];
    expect(event).toMatchObject({ body: '{"id":"i1","kind":"k"}', isBase64Encoded: false });
  });

  it('answers 413 to a payload over 10 MB without calling the handler', async () => {
    // Act
    const response = await call('/items', { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024 + 1, 'a') });

    // Assess
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Too Long' });
    expect(recorder().calls).toEqual([]);
  });

  it("answers 413 to a body whose proxy event would pass Lambda's 6 MB invoke payload, without calling the handler", async () => {
    // Act: under API Gateway's 10 MB, but the event that carries it is over Lambda's limit
    const response = await call('/items', {
      method: 'POST',
      body: Buffer.alloc(MAX_INVOKE_PAYLOAD_BYTES, 'a'),
    });

    // Assess
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Too Long' });
    expect(recorder().calls).toEqual([]);
  });

  it('survives malformed HTTP', async () => {
    // Prepare
    const { connect } = await import('node:net');
    const { port } = new URL(runtime.url);

    // Act
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('NOT HTTP\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
    });
    const after = await call('/health');

    // Assess
    expect(reply).toMatch(/^HTTP\/1.1 400/);
    expect(after.status).toBe(200);
  });
});
