/**
 * Data Prep mapping end to end on the local runtime, over HTTP: the mapping-set API (create, read, versions, list,
 * validate, preview, a malformed expression), a raw streaming inlet that maps what producers send (the profile holds
 * the mapped fields), and CSV batches that map and type their rows (the lake holds them; a failed expression leaves
 * its field out with a warning; a required field left out fails the row with the warning among its violations).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchApi, eventually, expectProblem, inFileOrder } from '../support/batch-api';
import { BatchStorage } from '../support/batch-lake';
import { startRuntimeUnderTest, type RuntimeUnderTest } from './local-runtime';

const MEMBER_SCHEMA_ID = 'https://example.com/schemas/e2e-mapped-member';

const MEMBER_SCHEMA = {
  title: 'Mapped member',
  class: 'profile',
  schema: {
    $id: MEMBER_SCHEMA_ID,
    type: 'object',
    properties: {
      email: { type: 'string' },
      person: {
        type: 'object',
        properties: { name: { type: 'string' }, age: { type: 'integer' } },
      },
      loyalty: { type: 'object', properties: { tier: { type: 'string' }, points: { type: 'integer' } } },
      vip: { type: 'boolean' },
      joined: { type: 'string', format: 'date' },
    },
    required: ['email', 'loyalty'],
  },
  identities: [{ path: '/email', namespace: 'Email', primary: true }],
};

const RULES = [
  { sourceType: 'EXPRESSION', source: 'lower(Mail)', destination: 'email' },
  { sourceType: 'EXPRESSION', source: 'concat(First, " ", Last)', destination: 'person.name' },
  { sourceType: 'EXPRESSION', source: 'to_integer(Age)', destination: 'person.age' },
  { sourceType: 'ATTRIBUTE', source: 'Points', destination: 'loyalty.points' },
  {
    sourceType: 'EXPRESSION',
    source: 'iif(to_integer(Points) > 100, "gold", "silver")',
    destination: 'loyalty.tier',
  },
  { sourceType: 'ATTRIBUTE', source: 'Vip', destination: 'vip' },
  { sourceType: 'ATTRIBUTE', source: 'Joined', destination: 'joined' },
];

interface MappingSetAnswer {
  readonly id: string;
  readonly version: number;
  readonly mappings: unknown[];
}

interface Problem {
  readonly code: string;
  readonly violations: { pointer: string; keyword: string; message: string }[];
}

describe('mapping on the local runtime', () => {
  let subject: RuntimeUnderTest;
  let api: BatchApi;
  let storage: BatchStorage;
  let datasetId: string;

  const createSet = async (mappings: unknown[]): Promise<MappingSetAnswer> => {
    const answer = await api.send('/mappingSets', {
      method: 'POST',
      json: { name: 'CRM members', mappings },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body as MappingSetAnswer;
  };

  /** A CSV batch mapped with the set: created, its one file uploaded, completed, and waited for. */
  const ingestMapped = async (mappingSetId: string, path: string, text: string) => {
    const created = await api.createBatchAnswer({
      datasetId,
      inputFormat: { format: 'csv' },
      mappingSetId,
      partialIngestionPercent: 100,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const batchId = (created.body as { id: string }).id;
    const put = await api.putFile(batchId, datasetId, { path, bytes: text });
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    const completed = await api.action(batchId, 'COMPLETE');
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    return api.waitForBatch(batchId);
  };

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    api = new BatchApi(subject.runtime.url, subject.runtime.adminKey);
    storage = new BatchStorage(subject);
    await api.createSchema(MEMBER_SCHEMA);
    datasetId = await api.createDataset('Members', MEMBER_SCHEMA_ID, true);
  });
  afterAll(async () => {
    storage?.destroy();
    await subject?.stop();
  });

  it('creates, versions, reads, lists, validates and previews mapping sets', async () => {
    // Act
    const created = await createSet(RULES);
    const updated = await api.send(`/mappingSets/${created.id}`, {
      method: 'PUT',
      json: { name: 'CRM members', mappings: RULES.slice(0, 4) },
    });
    const latest = await api.send(`/mappingSets/${created.id}`);
    const first = await api.send(`/mappingSets/${created.id}?version=1`);
    const missingVersion = await api.send(`/mappingSets/${created.id}?version=9`);
    const list = await api.send('/mappingSets?limit=100');
    const validated = await api.send('/mappingSets/validate', {
      method: 'POST',
      json: { mappings: [RULES[0], { sourceType: 'EXPRESSION', source: 'upper(First', destination: 'x' }] },
    });
    const preview = await api.send('/mappingSets/preview', {
      method: 'POST',
      json: {
        mappings: RULES,
        rows: [{ Mail: 'ANN@X.IO', First: 'Ann', Last: 'Lee', Age: 'n/a', Points: '150' }],
      },
    });
    const aepPreview = await api.send('/mappingSets/preview', {
      method: 'POST',
      json: { data: [{ Mail: 'B@X.IO' }], mappingSet: { mappings: RULES.slice(0, 1) } },
    });

    // Assess
    expect(created.version).toBe(1);
    expect((updated.body as MappingSetAnswer).version).toBe(2);
    expect((latest.body as MappingSetAnswer).mappings).toHaveLength(4);
    expect((first.body as MappingSetAnswer).mappings).toEqual(RULES);
    expectProblem(missingVersion, 404, 'not-found');
    expect(
      (list.body as { items: MappingSetAnswer[] }).items.map((set) => [set.id, set.version]),
    ).toContainEqual([created.id, 2]);
    expect(validated.status).toBe(200);
    expect(
      (validated.body as { validationResponse: { status: string }[] }).validationResponse.map(
        (entry) => entry.status,
      ),
    ).toEqual(['SUCCESS', 'FAILURE']);
    expect(preview.status).toBe(200);
    const previewed = preview.body as { rows: unknown[]; warnings: { row: number; destination: string }[] };
    expect(previewed.rows).toEqual([
      { email: 'ann@x.io', person: { name: 'Ann Lee' }, loyalty: { points: '150', tier: 'gold' } },
    ]);
    expect(previewed.warnings.map((warning) => [warning.row, warning.destination])).toEqual([
      [0, 'person.age'],
    ]);
    expect(aepPreview.body).toEqual([{ data: { email: 'b@x.io' }, errors: null }]);
  });

  it('answers 400 naming a malformed expression, with its pointer', async () => {
    // Act
    const answer = await api.send('/mappingSets', {
      method: 'POST',
      json: {
        mappings: [RULES[0], { sourceType: 'EXPRESSION', source: 'concat(First, ', destination: 'x' }],
      },
    });

    // Assess
    expectProblem(answer, 400, 'invalid-mapping-set', ['/mappings/1/source']);
    expect((answer.body as { detail: string }).detail).toContain('/mappings/1/source');
  });

  it('maps what producers send to a raw inlet: the profile holds the mapped, typed fields', async () => {
    // Prepare
    const set = await createSet(RULES);
    const inlet = await api.send('/inlets', {
      method: 'POST',
      json: { name: 'CRM webhook', authenticated: false, datasetId, mappingSetId: set.id },
    });
    expect(inlet.status, JSON.stringify(inlet.body)).toBe(201);
    const { inletId } = inlet.body as { inletId: string; mapping: unknown };

    // Act
    const sent = await api.send(`/collection/${inletId}`, {
      method: 'POST',
      json: { Mail: 'Stream@Example.com', First: 'Sam', Last: 'Ray', Age: '33', Points: '20', Vip: 'yes' },
    });
    const warned = await api.send(`/collection/batch/${inletId}`, {
      method: 'POST',
      json: { messages: [{ Mail: 'warned@example.com', First: 'Wu', Last: 'Li', Age: 'old', Points: '7' }] },
    });
    const profile = await eventually(
      () => api.profile('Email', 'stream@example.com'),
      (answer) => answer.status === 200,
    );

    // Assess
    expect((inlet.body as { mapping: unknown }).mapping).toEqual({ mappingSetId: set.id, version: 1 });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body).not.toHaveProperty('warnings');
    expect(warned.status).toBe(207);
    expect(
      (warned.body as { responses: { warnings?: { destination: string }[] }[] }).responses[0]?.warnings,
    ).toEqual([expect.objectContaining({ destination: 'person.age' })]);
    expect(profile.status, JSON.stringify(profile.body)).toBe(200);
    expect((profile.body as { attributes: unknown }).attributes).toEqual({
      email: 'stream@example.com',
      person: { name: 'Sam Ray', age: 33 },
      loyalty: { points: 20, tier: 'silver' },
      vip: true,
    });
  });

  it('maps a CSV batch: the lake holds mapped, typed rows; failed expressions warn; a required field left out fails its row', async () => {
    // Prepare
    const set = await createSet(RULES.filter((rule) => rule.destination !== 'loyalty.points'));
    const loyaltyFromPoints = await createSet([
      ...RULES.filter((rule) => rule.destination !== 'loyalty.points' && rule.destination !== 'loyalty.tier'),
      { sourceType: 'EXPRESSION', source: 'to_integer(Points)', destination: 'loyalty' },
    ]);
    const csv = [
      'Mail,First,Last,Age,Points,Vip,Joined',
      'ann@x.io,Ann,Lee,41,150,yes,2024/01/05',
      'bob@x.io,Bob,Ng,unknown,20,no,01-31-2024',
      '',
    ].join('\n');
    const failing = ['Mail,First,Last,Age,Points', 'cy@x.io,Cy,Ho,3,lots', ''].join('\n');

    // Act
    const batch = await ingestMapped(set.id, 'members.csv', csv);
    const lake = await storage.lakeRows(datasetId, batch.id);
    const failedBatch = await ingestMapped(loyaltyFromPoints.id, 'failing.csv', failing);
    const failed = inFileOrder(await api.failedRows(failedBatch.id));

    // Assess
    expect(batch.status).toBe('success');
    expect(batch.mapping).toEqual({ mappingSetId: set.id, version: 1 });
    expect(batch.metrics).toMatchObject({
      inputRecordCount: 2,
      outputRecordCount: 2,
      failedRecordCount: 0,
      mappingWarningCount: 1,
    });
    expect(
      lake.map((row) => row.record).sort((a, b) => String(a.email).localeCompare(String(b.email))),
    ).toEqual([
      {
        email: 'ann@x.io',
        person: { name: 'Ann Lee', age: 41 },
        loyalty: { tier: 'gold' },
        vip: true,
        joined: '2024-01-05',
      },
      {
        email: 'bob@x.io',
        person: { name: 'Bob Ng' },
        loyalty: { tier: 'silver' },
        vip: false,
        joined: '2024-01-31',
      },
    ]);
    expect(failedBatch.metrics).toMatchObject({
      inputRecordCount: 1,
      outputRecordCount: 0,
      failedRecordCount: 1,
    });
    expect(failed).toHaveLength(1);
    const violations = (failed[0] as unknown as Problem).violations;
    expect(violations.map((violation) => [violation.pointer, violation.keyword])).toEqual([
      ['/loyalty', 'required'],
      ['/loyalty', 'mapping'],
    ]);
  });

  it('refuses a batch or an inlet naming a mapping set that does not exist (422 with the pointer)', async () => {
    // Act
    const batch = await api.createBatchAnswer({
      datasetId,
      inputFormat: { format: 'csv' },
      mappingSetId: 'nope',
    });
    const inlet = await api.send('/inlets', {
      method: 'POST',
      json: { name: 'x', datasetId, mappingSetId: 'nope' },
    });

    // Assess
    expectProblem(batch, 422, 'mapping-set-not-found', ['/mappingSetId']);
    expectProblem(inlet, 422, 'mapping-set-not-found', ['/mappingSetId']);
  });
});
