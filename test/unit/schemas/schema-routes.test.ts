import { describe, expect, it } from 'vitest';
import type { ApiRequest, RouteHandler } from '../../../lambdas/http/api-types';
import { schemaRoutes } from '../../../lambdas/http/routes/schema-routes';
import type { RouteKey } from '../../../lambdas/http/route-table';
import { newRegistry, personSchema, SANDBOX } from './registry-fixture';

const PERSON_ID = 'https://example.com/schemas/person';
const ENCODED_ID = encodeURIComponent(PERSON_ID);

function request(overrides: Partial<ApiRequest>): ApiRequest {
  return {
    method: 'GET',
    resource: '/schemas',
    path: '/schemas',
    pathParameters: {},
    query: {},
    headers: {},
    body: undefined,
    sandbox: SANDBOX,
    caller: { keyId: 'key', keySandbox: SANDBOX, scopes: ['admin'] },
    requestId: 'req-1',
    baseUrl: 'http://127.0.0.1:4100',
    ...overrides,
  };
}

function setup() {
  const { registry } = newRegistry();
  const routes = schemaRoutes({ registry });
  const route = (key: RouteKey): RouteHandler => {
    const handler = routes[key];
    if (!handler) throw new Error(`no route ${key}`);
    return handler;
  };
  return { registry, route };
}

describe('schema routes', () => {
  it('POST /schemas answers 201 with the schema and its URL-encoded location', async () => {
    // Prepare
    const { route } = setup();

    // Act
    const result = await route('POST /schemas')(
      request({ method: 'POST', body: { title: 'Person', class: 'profile', schema: personSchema() } }),
    );

    // Assess
    expect(result.status).toBe(201);
    expect(result.headers).toEqual({ location: `http://127.0.0.1:4100/schemas/${ENCODED_ID}` });
    expect(result.body).toMatchObject({ id: PERSON_ID, version: 1, class: 'profile' });
    expect(result.body).not.toHaveProperty('annotationKeywords');
  });

  it('GET, PUT and validate take the id URL-encoded, and GET takes ?version=', async () => {
    // Prepare
    const { registry, route } = setup();
    await registry.register(SANDBOX, { title: 'Person', class: 'profile', schema: personSchema() });
    const pathParameters = { schemaId: ENCODED_ID };
    const evolved = personSchema({ properties: { ...personSchema().properties, phone: { type: 'string' } } });

    // Act
    const put = await route('PUT /schemas/{schemaId}')(
      request({ method: 'PUT', pathParameters, body: { schema: evolved } }),
    );
    const first = await route('GET /schemas/{schemaId}')(
      request({ pathParameters, query: { version: '1' } }),
    );
    const validated = await route('POST /schemas/{schemaId}/validate')(
      request({ method: 'POST', pathParameters, body: { phone: 1 } }),
    );

    // Assess
    expect(put).toMatchObject({ status: 200, body: { id: PERSON_ID, version: 2 } });
    expect(first).toMatchObject({ status: 200, body: { version: 1 } });
    expect(validated).toEqual({
      status: 200,
      body: { valid: false, violations: [{ pointer: '/phone', keyword: 'type', message: 'must be string' }] },
    });
  });

  it('GET /schemas pages with limit and start', async () => {
    // Prepare
    const { registry, route } = setup();
    await registry.register(SANDBOX, { title: 'Person', class: 'profile', schema: personSchema() });

    // Act
    const result = await route('GET /schemas')(request({ query: { limit: '10' } }));

    // Assess
    expect(result).toEqual({
      status: 200,
      body: { items: [expect.objectContaining({ id: PERSON_ID, version: 1 })] },
    });
  });

  it.each([
    ['GET /schemas', { query: { limit: '0' } }, 'invalid-limit'],
    ['GET /schemas/{schemaId}', { pathParameters: { schemaId: '%E0%A4%A' } }, 'invalid-schema-id'],
    [
      'GET /schemas/{schemaId}',
      { pathParameters: { schemaId: ENCODED_ID }, query: { version: 'latest' } },
      'invalid-version',
    ],
    ['POST /schemas/{schemaId}/validate', { pathParameters: { schemaId: ENCODED_ID } }, 'missing-body'],
  ] as const)('%s answers bad input (%j) with 400 %s', async (key, overrides, code) => {
    // Prepare
    const { registry, route } = setup();
    await registry.register(SANDBOX, { title: 'Person', class: 'profile', schema: personSchema() });

    // Act
    const outcome = route(key)(request(overrides));

    // Assess
    await expect(outcome).rejects.toMatchObject({ kind: 'invalid', code });
  });

  it('answers 404 for an unknown schema id', async () => {
    // Prepare
    const { route } = setup();

    // Act
    const outcome = route('GET /schemas/{schemaId}')(
      request({ pathParameters: { schemaId: encodeURIComponent('https://example.com/none') } }),
    );

    // Assess
    await expect(outcome).rejects.toMatchObject({ kind: 'not-found', code: 'not-found' });
  });
});
