import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as authorizer } from '../../lambdas/handlers/authorizer';
import { authorizerEvent, lambdaContext } from '../unit/http/proxy-events';
import { PLATFORM_KEY, startGateway, type Gateway } from './catalog-test-gateway';

describe('the authorizer and /api-keys handlers', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(async () => {
    await gateway.stop();
  });

  const authorize = (method: string, resource: string, headers: Record<string, string>) =>
    authorizer(authorizerEvent({ method, resource, headers }), lambdaContext());

  it('throws Unauthorized for a missing, malformed or unknown key', async () => {
    // Act, Assess
    await expect(authorize('GET', '/datasets', {})).rejects.toThrow('Unauthorized');
    await expect(authorize('GET', '/datasets', { authorization: 'Basic abc' })).rejects.toThrow(
      'Unauthorized',
    );
    await expect(
      authorize('GET', '/datasets', { 'X-API-Key': 'trb_unknown-key-of-no-one-at-all' }),
    ).rejects.toThrow('Unauthorized');
  });

  it('allows the platform key for exactly the method ARN, with the caller in the context', async () => {
    // Prepare
    const event = authorizerEvent({
      method: 'GET',
      resource: '/datasets',
      headers: { AUTHORIZATION: `bearer ${PLATFORM_KEY}` },
    });

    // Act
    const result: APIGatewayAuthorizerResult = await authorizer(event, lambdaContext());

    // Assess
    expect(result.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn },
    ]);
    expect(result.context).toMatchObject({ keySandbox: '*', scopes: 'admin' });
    expect(result.context?.keyId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('mints keys whose scope and sandbox the authorizer then enforces with reasons', async () => {
    // Prepare
    await gateway.send({ method: 'POST', resource: '/sandboxes', key: PLATFORM_KEY, body: { name: 'dev' } });
    const minted = await gateway.send({
      method: 'POST',
      resource: '/api-keys',
      key: PLATFORM_KEY,
      body: { name: 'reader', scopes: ['read'] },
    });
    const reader = minted.json.key as string;

    // Act
    const read = await authorize('GET', '/datasets', { 'x-api-key': reader });
    const write = await authorize('POST', '/datasets', { 'x-api-key': reader });
    const elsewhere = await authorize('GET', '/datasets', { 'x-api-key': reader, 'X-Sandbox-Name': 'dev' });
    const nowhere = await authorize('GET', '/datasets', {
      'x-api-key': PLATFORM_KEY,
      'x-sandbox-name': 'qa',
    });

    // Assess
    expect(minted.status).toBe(201);
    expect(minted.json).toMatchObject({ name: 'reader', scopes: ['read'], sandbox: 'prod' });
    expect(reader).toMatch(/^trb_[A-Za-z0-9_-]{43}$/);
    expect(read.policyDocument.Statement[0]?.Effect).toBe('Allow');
    expect(write.policyDocument.Statement[0]?.Effect).toBe('Deny');
    expect(write.context?.reason).toBe("the key's scopes (read) do not include admin");
    expect(elsewhere.context?.reason).toBe("the key belongs to sandbox 'prod', not 'dev'");
    expect(nowhere.context?.reason).toBe("sandbox 'qa' does not exist");
  });

  it('lists, reads and deletes keys; a deleted key stops working at once in this process', async () => {
    // Prepare
    const minted = await gateway.send({
      method: 'POST',
      resource: '/api-keys',
      key: PLATFORM_KEY,
      body: { name: 'temp', scopes: ['ingest'] },
    });
    const id = minted.json.id as string;
    const temp = minted.json.key as string;
    const before = await authorize('GET', '/datasets', { 'x-api-key': temp });

    // Act
    const listed = await gateway.send({
      method: 'GET',
      resource: '/api-keys',
      key: PLATFORM_KEY,
      query: { limit: '100' },
    });
    const one = await gateway.send({
      method: 'GET',
      resource: '/api-keys/{keyId}',
      pathParameters: { keyId: id },
      key: PLATFORM_KEY,
    });
    const deleted = await gateway.send({
      method: 'DELETE',
      resource: '/api-keys/{keyId}',
      pathParameters: { keyId: id },
      key: PLATFORM_KEY,
    });
    const again = await gateway.send({
      method: 'DELETE',
      resource: '/api-keys/{keyId}',
      pathParameters: { keyId: id },
      key: PLATFORM_KEY,
    });

    // Assess
    expect(before.context?.reason).toBe("the key's scopes (ingest) do not include read");
    expect(listed.json.items?.map((key) => key.id)).toContain(id);
    expect(JSON.stringify(listed.json)).not.toMatch(/keyHash|trb_/);
    expect(one.json).toMatchObject({ id, name: 'temp', scopes: ['ingest'] });
    expect(deleted.status).toBe(204);
    expect(again.status).toBe(404);
    await expect(authorize('GET', '/datasets', { 'x-api-key': temp })).rejects.toThrow('Unauthorized');
  });

  it('keeps a sandbox admin to its own sandbox', async () => {
    // Prepare
    const devAdmin = (
      await gateway.send({
        method: 'POST',
        resource: '/api-keys',
        key: PLATFORM_KEY,
        body: { name: 'dev admin', scopes: ['admin'], sandbox: 'dev' },
      })
    ).json.key as string;
    const dev = { 'x-sandbox-name': 'dev' };

    // Act
    const own = await gateway.send({
      method: 'POST',
      resource: '/api-keys',
      key: devAdmin,
      headers: dev,
      body: { name: 'dev reader', scopes: ['read'] },
    });
    const prod = await gateway.send({
      method: 'POST',
      resource: '/api-keys',
      key: devAdmin,
      headers: dev,
      body: { name: 'x', scopes: ['read'], sandbox: 'prod' },
    });
    const platform = await gateway.send({
      method: 'POST',
      resource: '/api-keys',
      key: devAdmin,
      headers: dev,
      body: { name: 'x', scopes: ['admin'], sandbox: '*' },
    });
    const sandbox = await gateway.send({
      method: 'POST',
      resource: '/sandboxes',
      key: devAdmin,
      headers: dev,
      body: { name: 'mine' },
    });
    const listed = await gateway.send({ method: 'GET', resource: '/api-keys', key: devAdmin, headers: dev });
    const outside = await gateway.send({ method: 'GET', resource: '/api-keys', key: devAdmin });

    // Assess
    expect(own).toMatchObject({ status: 201, json: { sandbox: 'dev' } });
    expect(prod.status).toBe(403);
    expect(platform.status).toBe(403);
    expect(sandbox.status).toBe(403);
    expect(listed.json.items?.every((key) => key.sandbox === 'dev')).toBe(true);
    expect(outside).toMatchObject({
      status: 403,
      json: { detail: "the key belongs to sandbox 'dev', not 'prod'" },
    });
  });

  it('answers bad input to every /api-keys route with a 4xx problem', async () => {
    // Prepare
    const send = (options: Parameters<Gateway['send']>[0]) => gateway.send({ key: PLATFORM_KEY, ...options });

    // Act
    const responses = [
      await send({
        method: 'POST',
        resource: '/api-keys',
        rawBody: '{"name":',
        headers: { 'content-type': 'application/json' },
      }),
      await send({ method: 'POST', resource: '/api-keys', body: { name: 'x' } }),
      await send({ method: 'POST', resource: '/api-keys', body: { name: 'x', scopes: ['root'] } }),
      await send({ method: 'POST', resource: '/api-keys', body: { name: 'x', scopes: [] } }),
      await send({ method: 'POST', resource: '/api-keys', body: { name: 7, scopes: ['read'] } }),
      await send({
        method: 'POST',
        resource: '/api-keys',
        body: { name: 'x', scopes: ['read'], sandbox: 'nowhere' },
      }),
      await send({
        method: 'POST',
        resource: '/api-keys',
        body: { name: 'x'.repeat(2_000_000), scopes: ['read'] },
      }),
      await send({
        method: 'POST',
        resource: '/api-keys',
        rawBody: 'name=x',
        headers: { 'content-type': 'text/plain' },
      }),
      await send({ method: 'GET', resource: '/api-keys', query: { limit: '-1' } }),
      await send({ method: 'GET', resource: '/api-keys', query: { start: 'bogus' } }),
      await send({ method: 'GET', resource: '/api-keys', query: { sandbox: 'NOT VALID' } }),
      await send({ method: 'GET', resource: '/api-keys/{keyId}', pathParameters: { keyId: 'nope' } }),
      await send({
        method: 'GET',
        resource: '/api-keys/{keyId}',
        pathParameters: { keyId: 'x'.repeat(5000) },
      }),
      await send({
        method: 'DELETE',
        resource: '/api-keys/{keyId}',
        pathParameters: { keyId: 'f'.repeat(32) },
      }),
    ];

    // Assess
    expect(responses.map((response) => response.status)).toEqual([
      400, 400, 400, 400, 400, 400, 413, 415, 400, 400, 400, 404, 404, 404,
    ]);
    for (const response of responses) {
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(typeof response.json.type).toBe('string');
      expect(typeof response.json.title).toBe('string');
      expect(typeof response.json.detail).toBe('string');
    }
    expect(responses[1]?.json.violations).toEqual([expect.objectContaining({ pointer: '/scopes' })]);
    expect(responses[5]?.json.violations).toEqual([expect.objectContaining({ pointer: '/sandbox' })]);
  });

  it('answers the health check without a key', async () => {
    // Act
    const health = await gateway.send({ method: 'GET', resource: '/health' });

    // Assess
    expect(health).toMatchObject({ status: 200, json: { status: 'ok' } });
  });
});
