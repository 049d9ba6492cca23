/**
 * Forged page tokens over HTTP on the local runtime: every list route's `start` is opaque, and a token this API did
 * not issue — not base64, not JSON, the wrong shape, the wrong key attributes, another sandbox's position, a key of
 * another item kind, huge — must answer 400 `invalid-page-token`, never a 500 (or a page of someone else's items).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchApi } from '../support/batch-api';
import { DataflowApi } from '../support/dataflow-api';
import { VISIT_SCHEMA, VISIT_SCHEMA_ID, jsonLines, visit } from '../support/batch-files';
import { call, startRuntimeUnderTest, type RuntimeUnderTest } from '../e2e/local-runtime';

const OTHER_SANDBOX = 'tokens-other';
const EMAIL = 'token@example.com';

const encoded = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** Tokens no list of this API issued, each a different way of being wrong. */
const FORGED: Readonly<Record<string, string>> = {
  'not base64url': '%%%***',
  'base64url of no JSON': Buffer.from('not json at all').toString('base64url'),
  'a JSON array': encoded(['pk', 'sk']),
  'a JSON string': encoded('prod'),
  'JSON null': encoded(null),
  'an empty object': encoded({}),
  'unknown key attributes': encoded({ pk: 'prod#x', sk: 'y' }),
  'key attributes that are not strings': encoded({ pk: 1, sk: { S: 'x' } }),
  'nested objects for every attribute': encoded({ pk: { after: { a: 1 } }, sk: [1] }),
  '__proto__ as an attribute': encoded(JSON.parse('{"__proto__":{"pk":"x"},"sk":"y"}')),
  'a hundred attributes': encoded(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`a${i}`, 'v']))),
  // Within what API Gateway takes in a request line (10 KB with the headers).
  'a long token': 'A'.repeat(6 * 1024),
  'a namespace cursor past the end': encoded({ standard: 1_000_000 }),
  'a namespace cursor with a forged store token': encoded({ custom: encoded({ pk: 'x' }) }),
  'a timeline cursor with a forged position': encoded({ [`Email#${EMAIL}`]: { after: { pk: 'x' } } }),
  'a timeline cursor of the wrong shape': encoded({ [`Email#${EMAIL}`]: 'after' }),
  "a timeline cursor of another profile's identities": encoded({
    'Email#someone@example.com': { done: true },
  }),
};

describe('forged page tokens answer 400 on every list route', () => {
  let subject: RuntimeUnderTest;
  let url: string;
  let admin: string;
  let batchId: string;
  let flowId: string;
  /** A real token of each route, issued in the other sandbox (its items exist only there). */
  const foreignTokens = new Map<string, string>();

  /** Every list route that takes `start`, with what else it needs to reach the page. */
  const routes = () => [
    '/sandboxes',
    '/api-keys',
    '/schemas',
    '/identity/namespaces',
    '/datasets',
    '/inlets',
    '/mappingSets',
    '/merge-policies',
    '/connections',
    '/dataflows',
    `/dataflows/${flowId}/runs`,
    '/catalog/batches',
    `/export/batches/${batchId}/failed`,
    '/streaming/failures',
    `/profiles/events?entityIdNS=Email&entityId=${encodeURIComponent(EMAIL)}`,
  ];

  const list = (route: string, start: string, sandbox?: string) =>
    call(`${url}${route}${route.includes('?') ? '&' : '?'}start=${encodeURIComponent(start)}`, {
      key: admin,
      ...(sandbox ? { headers: { 'x-sandbox-name': sandbox } } : {}),
    });

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    url = subject.runtime.url;
    admin = subject.runtime.adminKey;
    const api = new BatchApi(url, admin);
    await api.createSchema(VISIT_SCHEMA);
    const datasetId = await api.createDataset('visits', VISIT_SCHEMA_ID, true);
    // Half the rows fail, so the batch has failed rows to export, and is promoted.
    const batch = await api.ingest(
      { datasetId, inputFormat: { format: 'json' }, partialIngestionPercent: 50 },
      [{ path: 'visits.jsonl', bytes: jsonLines([visit('v-1', EMAIL), visit('v-2', 42)]) }],
    );
    batchId = batch.id;
    const flows = new DataflowApi(api);
    const connectionId = await flows.createConnection({
      name: 'an API',
      type: 'http',
      params: { url: 'https://api.example.com/orders', pagination: { type: 'link' } },
    });
    flowId = (await flows.createDataflow({ name: 'orders', connectionId, datasetId })).id;

    // Two keys in another sandbox, so its key list has a real next token to carry across.
    await call(`${url}/sandboxes`, {
      method: 'POST',
      key: admin,
      body: JSON.stringify({ name: OTHER_SANDBOX }),
    });
    for (const name of ['one', 'two']) {
      await call(`${url}/api-keys`, {
        method: 'POST',
        key: admin,
        body: JSON.stringify({ name, scopes: ['read'], sandbox: OTHER_SANDBOX }),
      });
    }
    const page = await call(`${url}/api-keys?limit=1`, {
      key: admin,
      headers: { 'x-sandbox-name': OTHER_SANDBOX },
    });
    foreignTokens.set('/api-keys', (page.body as { next: string }).next);
  });
  afterAll(async () => {
    await subject.stop();
  });

  it('every route named here lists its first page', async () => {
    // Act
    const answers = await Promise.all(
      routes().map(async (route) => [route, (await call(`${url}${route}`, { key: admin })).status] as const),
    );

    // Assess
    expect(answers.filter(([, status]) => status !== 200)).toEqual([]);
  });

  it.each(Object.entries(FORGED))('%s: 400 invalid-page-token everywhere', async (_name, token) => {
    // Act
    const answers = await Promise.all(
      routes().map(async (route) => {
        const answer = await list(route, token);
        return { route, status: answer.status, code: (answer.body as { code?: string }).code };
      }),
    );

    // Assess
    expect(answers.filter((answer) => answer.status !== 400 || answer.code !== 'invalid-page-token')).toEqual(
      [],
    );
  });

  it("another sandbox's real token is refused, not followed", async () => {
    // Prepare
    const token = foreignTokens.get('/api-keys')!;

    // Act
    const answer = await list('/api-keys', token);
    const there = await list('/api-keys', token, OTHER_SANDBOX);

    // Assess
    expect(answer.status).toBe(400);
    expect((answer.body as { code: string }).code).toBe('invalid-page-token');
    expect(there.status).toBe(200);
  });
});
