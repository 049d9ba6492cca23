import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { DatasetService } from '../../../lambdas/core/catalog/datasets';
import { InletService } from '../../../lambdas/core/catalog/inlets';
import { MappingSetService } from '../../../lambdas/core/mapping-sets/mapping-sets';
import { createApiHandler } from '../../../lambdas/http/api-handler';
import { CONTROL_PLANE_ROUTES } from '../../../lambdas/http/route-table';
import { inletRoutes } from '../../../lambdas/http/routes/inlet-routes';
import { mappingSetRoutes } from '../../../lambdas/http/routes/mapping-set-routes';
import { MemoryMappingSetStore } from '../../support/memory-mapping-sets';
import { FakeSchemas, MemoryDatasetStore, MemoryInletStore } from '../catalog/memory-catalog-stores';
import { lambdaContext, PLATFORM_CONTEXT, proxyEvent, type EventOptions } from '../http/proxy-events';

const RULES = [
  { sourceType: 'ATTRIBUTE', source: 'mail', destination: 'email' },
  { sourceType: 'EXPRESSION', source: 'concat(first, " ", last)', destination: 'person.name' },
];

interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown> & { violations?: { pointer: string }[] };
}

async function setup() {
  const store = new MemoryMappingSetStore();
  const mappingSets = new MappingSetService({ store });
  const datasets = new DatasetService({
    store: new MemoryDatasetStore(),
    schemas: new FakeSchemas([
      {
        id: 'https://ns.example.com/person',
        version: 1,
        class: 'profile',
        identities: [{ path: '/email', namespace: 'Email', primary: true }],
        hasIdentityMap: false,
      },
    ]),
  });
  const dataset = await datasets.create(
    'prod',
    { name: 'people', schemaId: 'https://ns.example.com/person' },
    'k',
  );
  const inlets = new InletService({ store: new MemoryInletStore(), datasets, mappingSets });
  const handler = createApiHandler({
    routes: () => ({ ...mappingSetRoutes({ mappingSets }), ...inletRoutes({ inlets }) }),
    definitions: CONTROL_PLANE_ROUTES,
    logger: new Logger({ serviceName: 'mapping-set-routes-test', logLevel: 'SILENT' }),
  });
  const call = async (options: Omit<EventOptions, 'authorizer'>): Promise<Answer> => {
    const response = await handler(proxyEvent({ ...options, authorizer: PLATFORM_CONTEXT }), lambdaContext());
    return {
      status: response.statusCode,
      json: response.body ? (JSON.parse(response.body) as Answer['json']) : {},
    };
  };
  const post = (resource: string, body: unknown) => call({ method: 'POST', resource, body });
  return { call, post, datasetId: dataset.id };
}

describe('mapping-set routes', () => {
  it('creates, reads, versions and lists sets with Experience Platform’s date names', async () => {
    // Prepare
    const { call, post } = await setup();

    // Act
    const created = await post('/mappingSets', {
      name: 'People',
      mappings: RULES,
      outputSchema: { schemaRef: { id: 'x' } },
    });
    const id = String(created.json.id);
    const path = {
      resource: '/mappingSets/{mappingSetId}',
      path: `/mappingSets/${id}`,
      pathParameters: { mappingSetId: id },
    };
    const updated = await call({ method: 'PUT', ...path, body: { mappings: RULES.slice(0, 1) } });
    const latest = await call({ method: 'GET', ...path });
    const first = await call({ method: 'GET', ...path, query: { version: '1' } });
    const list = await call({ method: 'GET', resource: '/mappingSets', query: { limit: '10' } });

    // Assess
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{32}$/) as string,
      version: 1,
      name: 'People',
      outputSchema: { schemaRef: { id: 'x' } },
      createdBy: 'platform-id',
      modifiedBy: 'platform-id',
      createdDate: expect.any(Number) as number,
      modifiedDate: expect.any(Number) as number,
    });
    expect(updated.status).toBe(200);
    expect([updated.json.version, latest.json.version, first.json.version]).toEqual([2, 2, 1]);
    expect(first.json.mappings).toEqual(RULES);
    expect(
      (list.json.items as { id: string; version: number }[]).map((set) => [set.id, set.version]),
    ).toEqual([[id, 2]]);
  });

  it('answers 400 with the pointer of a malformed expression, of a bad body, and of a bad version', async () => {
    // Prepare
    const { call, post } = await setup();
    const bad = [{ sourceType: 'EXPRESSION', source: 'concat(first, ', destination: 'name' }];

    // Act
    const malformed = await post('/mappingSets', { mappings: bad });
    const unknownType = await post('/mappingSets', { mappings: [{ ...RULES[0], sourceType: 'COLUMN' }] });
    const empty = await post('/mappingSets', { mappings: [] });
    const badVersion = await call({
      method: 'GET',
      resource: '/mappingSets/{mappingSetId}',
      path: '/mappingSets/abc',
      pathParameters: { mappingSetId: 'abc' },
      query: { version: 'latest' },
    });
    const unknown = await call({
      method: 'GET',
      resource: '/mappingSets/{mappingSetId}',
      path: '/mappingSets/abc',
      pathParameters: { mappingSetId: 'abc' },
    });

    // Assess
    expect([malformed.status, malformed.json.code]).toEqual([400, 'invalid-mapping-set']);
    expect(malformed.json.violations?.map((violation) => violation.pointer)).toEqual(['/mappings/0/source']);
    expect(unknownType.status).toBe(400);
    expect(unknownType.json.violations?.[0]?.pointer).toBe('/mappings/0/sourceType');
    expect(empty.status).toBe(400);
    expect([badVersion.status, badVersion.json.violations?.[0]?.pointer]).toEqual([400, '/version']);
    expect(unknown.status).toBe(404);
  });

  it('previews in our shape and in Experience Platform’s, each answered in the shape asked', async () => {
    // Prepare
    const { post } = await setup();
    const rows = [{ mail: 'a@x.io', first: 'Ann', last: 'Lee' }];

    // Act
    const ours = await post('/mappingSets/preview', { mappings: RULES, rows });
    const aep = await post('/mappingSets/preview', {
      data: rows,
      mappingSet: { mappings: RULES, outputSchema: {} },
    });
    const aepBad = await post('/mappingSets/preview', {
      data: rows,
      mappingSet: { mappings: [{ sourceType: 'EXPRESSION', source: 'upper(', destination: 'x' }] },
    });

    // Assess
    expect(ours.status).toBe(200);
    expect(ours.json).toEqual({ rows: [{ email: 'a@x.io', person: { name: 'Ann Lee' } }], warnings: [] });
    expect(aep.status).toBe(200);
    expect(aep.json).toEqual([{ data: { email: 'a@x.io', person: { name: 'Ann Lee' } }, errors: null }]);
    expect(aepBad.status).toBe(400);
    expect(aepBad.json.violations?.[0]?.pointer).toBe('/mappingSet/mappings/0/source');
  });

  it('takes a number or boolean only as a constant, and names the rule that gives one elsewhere', async () => {
    // Prepare
    const { post } = await setup();
    const constants = [
      { sourceType: 'STATIC', source: 42, destination: 'points' },
      { sourceType: 'STATIC', source: false, destination: 'optedIn' },
    ];

    // Act
    const previewed = await post('/mappingSets/preview', { mappings: constants, rows: [{}] });
    const misplaced = await post('/mappingSets', {
      mappings: [{ sourceType: 'EXPRESSION', source: 7, destination: 'x' }],
    });

    // Assess
    expect(previewed.json).toEqual({ rows: [{ points: 42, optedIn: false }], warnings: [] });
    expect([misplaced.status, misplaced.json.violations?.[0]?.pointer]).toEqual([400, '/mappings/0/source']);
  });

  it('validates a set as Experience Platform answers it', async () => {
    // Prepare
    const { post } = await setup();

    // Act
    const answer = await post('/mappingSets/validate', {
      mappings: [...RULES, { sourceType: 'EXPRESSION', source: 'upper(', destination: 'x' }],
      outputSchema: { schemaRef: { id: 'x' } },
    });

    // Assess
    expect(answer.status).toBe(200);
    const entries = answer.json.validationResponse as { status: string; errors: unknown }[];
    expect(entries.map((entry) => entry.status)).toEqual(['SUCCESS', 'SUCCESS', 'FAILURE']);
  });

  it('pins an inlet’s mapping to the latest version, and refuses a mapping without a dataset or set', async () => {
    // Prepare
    const { post, datasetId } = await setup();
    const set = await post('/mappingSets', { mappings: RULES });
    const mappingSetId = String(set.json.id);

    // Act
    const inlet = await post('/inlets', { name: 'raw', datasetId, mappingSetId });
    const pinned = await post('/inlets', { name: 'raw v1', datasetId, mappingSetId, mappingSetVersion: 1 });
    const withoutDataset = await post('/inlets', { name: 'x', mappingSetId });
    const unknownSet = await post('/inlets', { name: 'x', datasetId, mappingSetId: 'nope' });
    const unknownVersion = await post('/inlets', {
      name: 'x',
      datasetId,
      mappingSetId,
      mappingSetVersion: 9,
    });
    const versionAlone = await post('/inlets', { name: 'x', datasetId, mappingSetVersion: 1 });

    // Assess
    expect(inlet.status).toBe(201);
    expect(inlet.json.mapping).toEqual({ mappingSetId, version: 1 });
    expect(pinned.json.mapping).toEqual({ mappingSetId, version: 1 });
    expect([withoutDataset.status, withoutDataset.json.code]).toEqual([400, 'mapping-needs-dataset']);
    expect([unknownSet.status, unknownSet.json.violations?.[0]?.pointer]).toEqual([422, '/mappingSetId']);
    expect([unknownVersion.status, unknownVersion.json.violations?.[0]?.pointer]).toEqual([
      422,
      '/mappingSetVersion',
    ]);
    expect([versionAlone.status, versionAlone.json.violations?.[0]?.pointer]).toEqual([
      400,
      '/mappingSetVersion',
    ]);
  });
});
