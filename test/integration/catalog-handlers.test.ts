import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_KEY, startGateway, type Gateway, type GatewayResponse } from './catalog-test-gateway';

const PERSON_SCHEMA = {
  title: 'Person',
  class: 'profile',
  schema: {
    $id: 'https://ns.example.com/person',
    type: 'object',
    properties: { email: { type: 'string' }, name: { type: 'string' } },
  },
  identities: [{ path: '/email', namespace: 'Email', primary: true }],
};
const CLICK_SCHEMA = {
  title: 'Click',
  class: 'event',
  schema: {
    $id: 'https://ns.example.com/click',
    type: 'object',
    properties: { _id: { type: 'string' }, timestamp: { type: 'string', format: 'date-time' } },
    required: ['_id', 'timestamp'],
  },
};

describe('the catalog handlers', () => {
  let gateway: Gateway;
  const send = (options: Parameters<Gateway['send']>[0]) => gateway.send({ key: PLATFORM_KEY, ...options });
  const expectProblem = (response: GatewayResponse, status: number, code?: string) => {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('application/problem+json');
    if (code) expect(response.json.code).toBe(code);
  };

  beforeAll(async () => {
    gateway = await startGateway();
    await send({ method: 'POST', resource: '/schemas', body: PERSON_SCHEMA });
    await send({ method: 'POST', resource: '/schemas', body: CLICK_SCHEMA });
  });
  afterAll(async () => {
    await gateway.stop();
  });

  it('creates, lists and reads sandboxes', async () => {
    // Act
    const created = await send({
      method: 'POST',
      resource: '/sandboxes',
      body: { name: 'dev', title: 'Development' },
    });
    const duplicate = await send({ method: 'POST', resource: '/sandboxes', body: { name: 'dev' } });
    const listed = await send({ method: 'GET', resource: '/sandboxes' });
    const prod = await send({
      method: 'GET',
      resource: '/sandboxes/{sandboxName}',
      pathParameters: { sandboxName: 'prod' },
    });
    const missing = await send({
      method: 'GET',
      resource: '/sandboxes/{sandboxName}',
      pathParameters: { sandboxName: 'qa' },
    });
    const badName = await send({ method: 'POST', resource: '/sandboxes', body: { name: 'Dev_1' } });
    const extra = await send({
      method: 'POST',
      resource: '/sandboxes',
      body: { name: 'ok-name', owner: 'me' },
    });

    // Assess
    expect(created).toMatchObject({ status: 201, json: { name: 'dev', title: 'Development' } });
    expectProblem(duplicate, 409, 'sandbox-exists');
    expect(listed.json.items?.map((sandbox) => sandbox.name)).toEqual(['dev', 'prod']);
    expect(prod).toMatchObject({ status: 200, json: { name: 'prod' } });
    expectProblem(missing, 404, 'not-found');
    expectProblem(badName, 400, 'validation-failed');
    expect(extra.json.violations).toEqual([expect.objectContaining({ pointer: '/owner' })]);
  });

  it('serves standard and custom identity namespaces', async () => {
    // Act
    const created = await send({
      method: 'POST',
      resource: '/identity/namespaces',
      body: { code: 'Loyalty', name: 'Loyalty id', idType: 'Cross_device' },
    });
    const clash = await send({
      method: 'POST',
      resource: '/identity/namespaces',
      body: { code: 'email', name: 'x', idType: 'EMAIL' },
    });
    const badType = await send({
      method: 'POST',
      resource: '/identity/namespaces',
      body: { code: 'Ok', name: 'x', idType: 'Banana' },
    });
    const badCode = await send({
      method: 'POST',
      resource: '/identity/namespaces',
      body: { code: '1abc', name: 'x', idType: 'DEVICE' },
    });
    const listed = await send({ method: 'GET', resource: '/identity/namespaces', query: { limit: '500' } });
    const email = await send({
      method: 'GET',
      resource: '/identity/namespaces/{namespaceCode}',
      pathParameters: { namespaceCode: 'Email' },
    });
    const unknown = await send({
      method: 'GET',
      resource: '/identity/namespaces/{namespaceCode}',
      pathParameters: { namespaceCode: 'Nope' },
    });

    // Assess
    expect(created).toMatchObject({
      status: 201,
      json: { code: 'Loyalty', idType: 'CROSS_DEVICE', custom: true, status: 'ACTIVE' },
    });
    expectProblem(clash, 409, 'namespace-code-conflict');
    expect(badType.json.violations).toEqual([expect.objectContaining({ pointer: '/idType' })]);
    expect(badCode.json.violations).toEqual([expect.objectContaining({ pointer: '/code' })]);
    expect(listed.json.items?.map((ns) => ns.code)).toEqual(
      expect.arrayContaining(['Email', 'ECID', 'CRMID', 'Loyalty']),
    );
    expect(email.json).toMatchObject({ id: 6, code: 'Email', idType: 'EMAIL', custom: false });
    expectProblem(unknown, 404);
  });

  it('creates datasets bound to a schema version, with profile rules', async () => {
    // Act
    const people = await send({
      method: 'POST',
      resource: '/datasets',
      body: {
        name: 'people',
        schemaId: PERSON_SCHEMA.schema.$id,
        profileEnabled: true,
        tags: { team: ['crm'] },
      },
    });
    const clicksProfile = await send({
      method: 'POST',
      resource: '/datasets',
      body: { name: 'clicks', schemaId: CLICK_SCHEMA.schema.$id, profileEnabled: true },
    });
    const clicks = await send({
      method: 'POST',
      resource: '/datasets',
      body: { name: 'clicks', schemaRef: { id: CLICK_SCHEMA.schema.$id } },
    });
    const unknownSchema = await send({
      method: 'POST',
      resource: '/datasets',
      body: { name: 'x', schemaId: 'https://ns.example.com/none' },
    });
    const listed = await send({
      method: 'GET',
      resource: '/datasets',
      query: { schemaId: CLICK_SCHEMA.schema.$id },
    });
    const id = people.json.id as string;
    const read = await send({
      method: 'GET',
      resource: '/datasets/{datasetId}',
      pathParameters: { datasetId: id },
    });
    const patched = await send({
      method: 'PATCH',
      resource: '/datasets/{datasetId}',
      pathParameters: { datasetId: id },
      body: { name: 'persons', description: 'CRM people' },
    });

    // Assess
    expect(people).toMatchObject({
      status: 201,
      json: { name: 'people', schemaVersion: 1, profileEnabled: true, sandbox: 'prod' },
    });
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(people.json).not.toHaveProperty('revision');
    expectProblem(clicksProfile, 422, 'profile-needs-identity');
    expect(clicks.status).toBe(201);
    expectProblem(unknownSchema, 400, 'unknown-reference');
    expect(unknownSchema.json.violations).toEqual([expect.objectContaining({ pointer: '/schemaId' })]);
    expect(listed.json.items?.map((dataset) => dataset.id)).toEqual([clicks.json.id]);
    expect(read.json).toMatchObject({ id, name: 'people' });
    expect(patched).toMatchObject({
      status: 200,
      json: { name: 'persons', description: 'CRM people', profileEnabled: true },
    });
  });

  it('creates inlets with a URL on this API, and deletes them', async () => {
    // Prepare
    const dataset = await send({
      method: 'POST',
      resource: '/datasets',
      body: { name: 'web', schemaId: CLICK_SCHEMA.schema.$id },
    });

    // Act
    const created = await send({
      method: 'POST',
      resource: '/inlets',
      path: '/inlets',
      contextPath: '/prod/inlets',
      headers: { Host: 'api.example.com' },
      body: { name: 'web', datasetId: dataset.json.id, sourceName: 'site' },
    });
    const open = await send({
      method: 'POST',
      resource: '/inlets',
      body: { name: 'pixel', authenticated: false },
    });
    const inletId = created.json.inletId as string;
    const read = await send({ method: 'GET', resource: '/inlets/{inletId}', pathParameters: { inletId } });
    const listed = await send({ method: 'GET', resource: '/inlets' });
    const deleted = await send({
      method: 'DELETE',
      resource: '/inlets/{inletId}',
      pathParameters: { inletId },
    });
    const gone = await send({ method: 'GET', resource: '/inlets/{inletId}', pathParameters: { inletId } });

    // Assess
    expect(created).toMatchObject({
      status: 201,
      json: { name: 'web', authenticated: true, datasetId: dataset.json.id, sourceName: 'site' },
    });
    expect(inletId).toMatch(/^[0-9a-f]{64}$/);
    expect(created.json.url).toBe(`https://api.example.com/prod/collection/${inletId}`);
    expect(open.json).toMatchObject({
      authenticated: false,
      url: `http://127.0.0.1:4100/collection/${open.json.inletId as string}`,
    });
    expect(read.json).toMatchObject({ inletId, url: `http://127.0.0.1:4100/collection/${inletId}` });
    expect(listed.json.items?.map((inlet) => inlet.inletId)).toEqual(
      expect.arrayContaining([inletId, open.json.inletId]),
    );
    expect(deleted.status).toBe(204);
    expectProblem(gone, 404, 'not-found');
  });

  it('keeps sandboxes apart', async () => {
    // Prepare
    const inProd = await send({ method: 'POST', resource: '/inlets', body: { name: 'prod only' } });

    // Act
    const fromDev = await send({
      method: 'GET',
      resource: '/inlets/{inletId}',
      pathParameters: { inletId: inProd.json.inletId as string },
      headers: { 'x-sandbox-name': 'dev' },
    });
    const devDatasets = await send({
      method: 'GET',
      resource: '/datasets',
      headers: { 'x-sandbox-name': 'dev' },
    });

    // Assess
    expect(fromDev.status).toBe(404);
    expect(devDatasets.json.items).toEqual([]);
  });

  it('answers bad input to every catalog route with a 4xx problem', async () => {
    // Prepare
    const json = { 'content-type': 'application/json' };
    const huge = 'x'.repeat(1_100_000);
    const unknownId = {
      datasetId: 'f'.repeat(24),
      inletId: 'f'.repeat(64),
      sandboxName: 'nope',
      namespaceCode: 'Nope',
    };
    const cases: [Parameters<Gateway['send']>[0], number][] = [
      [{ method: 'POST', resource: '/sandboxes', rawBody: '{', headers: json }, 400],
      [{ method: 'POST', resource: '/sandboxes', body: {} }, 400],
      [{ method: 'POST', resource: '/sandboxes', body: { name: huge } }, 413],
      [{ method: 'GET', resource: '/sandboxes', query: { limit: 'many' } }, 400],
      [{ method: 'GET', resource: '/sandboxes/{sandboxName}', pathParameters: unknownId }, 404],
      [{ method: 'POST', resource: '/identity/namespaces', rawBody: '[1,,]', headers: json }, 400],
      [{ method: 'POST', resource: '/identity/namespaces', body: { code: 'Abc', name: 'x' } }, 400],
      [
        {
          method: 'POST',
          resource: '/identity/namespaces',
          rawBody: 'code=x',
          headers: { 'content-type': 'text/csv' },
        },
        415,
      ],
      [{ method: 'GET', resource: '/identity/namespaces', query: { start: 'garbage' } }, 400],
      [{ method: 'GET', resource: '/identity/namespaces/{namespaceCode}', pathParameters: unknownId }, 404],
      [{ method: 'POST', resource: '/datasets', rawBody: '{"name":"x",}', headers: json }, 400],
      [{ method: 'POST', resource: '/datasets', body: { name: 'x' } }, 400],
      [{ method: 'POST', resource: '/datasets', body: { name: 'x', schemaId: 42 } }, 400],
      [
        {
          method: 'POST',
          resource: '/datasets',
          body: { name: 'x', schemaId: 'https://nope', profileEnabled: 'yes' },
        },
        400,
      ],
      [{ method: 'GET', resource: '/datasets', query: { limit: '100000' } }, 400],
      [{ method: 'GET', resource: '/datasets', query: { start: 'eyJ4IjoxfQ' } }, 400],
      [{ method: 'GET', resource: '/datasets/{datasetId}', pathParameters: unknownId }, 404],
      [
        {
          method: 'PATCH',
          resource: '/datasets/{datasetId}',
          pathParameters: unknownId,
          body: { name: 'x' },
        },
        404,
      ],
      [{ method: 'PATCH', resource: '/datasets/{datasetId}', pathParameters: unknownId, body: {} }, 400],
      [
        {
          method: 'PATCH',
          resource: '/datasets/{datasetId}',
          pathParameters: unknownId,
          body: { schemaVersion: 1.5 },
        },
        400,
      ],
      [{ method: 'POST', resource: '/inlets', rawBody: 'nope', headers: json }, 400],
      [{ method: 'POST', resource: '/inlets', body: { name: 'x', authenticated: 'false' } }, 400],
      [{ method: 'POST', resource: '/inlets', body: { name: 'x', datasetId: 'f'.repeat(24) } }, 400],
      [{ method: 'GET', resource: '/inlets', query: { limit: '0' } }, 400],
      [{ method: 'GET', resource: '/inlets/{inletId}', pathParameters: unknownId }, 404],
      [{ method: 'DELETE', resource: '/inlets/{inletId}', pathParameters: unknownId }, 404],
      [
        {
          method: 'GET',
          resource: '/datasets',
          headers: { 'x-sandbox-name': 'dev', 'x-api-key': 'trb_not-a-real-key-at-all' },
          key: '',
        },
        401,
      ],
    ];

    // Act
    const responses = [];
    for (const [options] of cases) responses.push(await send(options));

    // Assess
    expect(responses.map((response) => response.status)).toEqual(cases.map(([, status]) => status));
    for (const response of responses.filter((r) => r.status !== 401)) {
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(typeof response.json.detail).toBe('string');
    }
  });
});
