/**
 * Hostile requests to every route of every API function, over HTTP against the local runtime (the template's
 * functions loaded in this process, on the emulators): bodies of any bytes (invalid UTF-8 among them), JSON nested
 * past any limit, numbers past a double, prototype keys, wrong content types, and path and query parameters with
 * encoded `..`, NUL, unicode and very long ids. Every answer must come within a bound, below 500, and every 4xx must
 * be problem+json with a `code`; the runtime must keep serving afterwards.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BATCH_ROUTES,
  COLLECTION_ROUTES,
  CONTROL_PLANE_ROUTES,
  DATAFLOW_ROUTES,
  PROFILE_ROUTES,
  type RouteDefinition,
} from '../../lambdas/http/route-table';
import { startRuntimeUnderTest, type RuntimeUnderTest } from '../e2e/local-runtime';
import type { FuzzRuns } from './file-parsers-fuzz';
import { HOSTILE_JSON_TEXTS, INVALID_UTF8, PROTOTYPE_KEYS, specialText, within } from './hostile-values';

const FUZZED_SCHEMA_ID = 'https://example.com/schemas/fuzzed-customer';

/** A bound on one request (the handlers answer in milliseconds; a slower answer is a hang). */
const REQUEST_TIME_LIMIT_MS = 15_000;

const ALL_ROUTES: readonly RouteDefinition[] = [
  ...CONTROL_PLANE_ROUTES,
  ...PROFILE_ROUTES,
  ...COLLECTION_ROUTES,
  ...BATCH_ROUTES,
  ...DATAFLOW_ROUTES,
];

/** Query names the routes read, so that generated queries reach their parsers rather than being ignored. */
const QUERY_NAMES = [
  'limit',
  'start',
  'action',
  'op',
  'status',
  'datasetId',
  'sandbox',
  'syncValidation',
  'preview',
  'objectType',
  'object',
  'fileType',
  'format',
  'nrow',
  'delimiter',
  'quote',
  'escape',
  'charset',
  'nullMarker',
  'header',
  'isMultiLineJson',
  'version',
  'fields',
  'mergePolicyId',
  'entityId',
  'entityIdNS',
  'relatedEntityId',
  'relatedEntityIdNS',
  'schema.name',
];

const HOSTILE_SEGMENTS = [
  '..',
  '.',
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e',
  '\u0000',
  'a\u0000b',
  '%00',
  '%',
  '%zz',
  // Percent-encoded bytes that are not UTF-8 (a surrogate, an overlong slash).
  '%ED%A0%80',
  '%C0%AF',
  '\ud800',
  '😀',
  'é',
  '\u202e',
  ' ',
  'a'.repeat(5_000),
  '__proto__',
  'constructor',
  '0',
  '-1',
  '1e400',
];

const CONTENT_TYPES = [
  undefined,
  'application/json',
  'application/json; charset=utf-16',
  'application/vnd.tributary+json',
  'text/plain',
  'text/csv',
  'application/octet-stream',
  'application/gzip',
  'application/x-parquet',
  'multipart/form-data; boundary=x',
  ';;;',
];

/** A path or query value: a known id (to reach past the lookups), a hostile value, or any string. */
function parameterValue(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...known) },
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'grapheme' }) },
    fc
      .array(fc.constantFrom('a', '..', '.', '%2F', 'é', 'x.csv', ''), { maxLength: 6 })
      .map((parts) => parts.join('/')),
  );
}

/** Objects whose keys include prototype keys and whose values are hostile leaves. */
const hostileObject: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER + 2, '', '\u0000', 'x'.repeat(10_000)),
    fc.dictionary(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.string({ maxLength: 8 })), tie('value'), {
      maxKeys: 5,
    }),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
})).value;

/** Request bodies as bytes: JSON of any shape, hostile JSON texts, truncated JSON, and bytes that are not UTF-8. */
const body: fc.Arbitrary<Uint8Array | undefined> = fc.oneof(
  fc.constant(undefined),
  hostileObject.map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
  fc.constantFrom(...HOSTILE_JSON_TEXTS).map((text) => Buffer.from(text)),
  // Literal numbers JSON.stringify would never write: past a double's range, and very long.
  fc
    .constantFrom('{"limit":1e400}', '{"name":-1e400}', `{"n":${'9'.repeat(5_000)}}`, '[1e400]')
    .map((text) => Buffer.from(text)),
  hostileObject.chain((value) => {
    const text = JSON.stringify(value) ?? 'null';
    return fc.nat(text.length).map((cut) => Buffer.from(text.slice(0, cut)));
  }),
  fc
    .tuple(fc.constantFrom(...INVALID_UTF8), fc.json())
    .map(([invalid, json]) =>
      Buffer.concat([Buffer.from(json.slice(0, 3)), invalid, Buffer.from(json.slice(3))]),
    ),
  specialText(['{', '}', '[', ']', '"', ':', ',', '\\u', '\\'], 40).map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 200 }),
);

interface HostileRequest {
  readonly route: RouteDefinition;
  readonly path: string;
  readonly query: string;
  readonly body: Uint8Array | undefined;
  readonly contentType: string | undefined;
  readonly sandbox: string | undefined;
}

/** The request's path: each `{name}` filled with a value, percent-encoded or (sometimes) sent as is. */
function hostileRequest(known: Readonly<Record<string, string>>): fc.Arbitrary<HostileRequest> {
  const knownValues = Object.values(known);
  return fc.constantFrom(...ALL_ROUTES).chain((route) => {
    const names = [...route.resource.matchAll(/\{(\w+)\+?\}/g)].map((match) => match[1]!);
    return fc.record({
      route: fc.constant(route),
      path: fc
        .tuple(
          fc.tuple(...names.map((name) => parameterValue(known[name] ? [known[name]] : knownValues))),
          fc.boolean(),
        )
        .map(([values, raw]) => {
          let index = 0;
          return route.resource.replace(/\{\w+\+?\}/g, () => {
            const value = values[index++]!;
            return raw ? value : encodeURIComponent(value.replace(/[\ud800-\udfff]/gu, '\ufffd'));
          });
        }),
      query: fc
        .dictionary(
          fc.constantFrom(...QUERY_NAMES),
          parameterValue(['true', 'false', '1', '10', 'csv', 'json']),
          {
            maxKeys: 4,
          },
        )
        .map((entries) => new URLSearchParams(entries).toString()),
      body,
      contentType: fc.constantFrom(...CONTENT_TYPES),
      // Mostly no header: a bad sandbox name stops a request at the authorizer, before the route's own parsing.
      sandbox: fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        fc.constantFrom('prod', 'Not A Name!', '..', 'a'.repeat(300), '\u00e9'),
      ),
    });
  });
}

/** Collection messages: raw records and XDM envelopes whose header and body parts are hostile or missing. */
const collectionMessage: fc.Arbitrary<unknown> = fc.oneof(
  hostileObject,
  fc.record(
    {
      header: fc.oneof(
        hostileObject,
        fc.record(
          {
            schemaRef: fc.oneof(
              hostileObject,
              fc.record({ id: fc.oneof(hostileObject, fc.constant(FUZZED_SCHEMA_ID)) }),
            ),
            datasetId: hostileObject,
            imsOrgId: hostileObject,
            source: fc.oneof(hostileObject, fc.record({ name: hostileObject })),
          },
          { requiredKeys: [] },
        ),
      ),
      body: fc.oneof(
        hostileObject,
        fc.record(
          {
            xdmMeta: fc.oneof(hostileObject, fc.record({ schemaRef: fc.record({ id: hostileObject }) })),
            xdmEntity: fc.oneof(hostileObject, fc.record({ email: hostileObject, points: hostileObject })),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  ),
);

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

async function send(baseUrl: string, key: string, request: HostileRequest): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  if (request.sandbox !== undefined) headers['x-sandbox-name'] = request.sandbox;
  const hasBody = request.body !== undefined && !['GET', 'HEAD'].includes(request.route.method);
  const response = await fetch(`${baseUrl}${request.path}${request.query ? `?${request.query}` : ''}`, {
    method: request.route.method,
    headers,
    ...(hasBody ? { body: request.body } : {}),
    signal: AbortSignal.timeout(REQUEST_TIME_LIMIT_MS),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

/** Fewer than 500, and every 4xx a problem with a machine code (a HEAD answer carries no body). */
function expectClearAnswer(answer: Answer, method: string): void {
  expect(answer.status, answer.text).toBeLessThan(500);
  if (answer.status < 400) return;
  expect(answer.contentType).toContain('application/problem+json');
  if (method === 'HEAD') return;
  const problem = JSON.parse(answer.text) as { code?: unknown; status?: unknown };
  expect(problem.code).toMatch(/^[a-z0-9-]+$/);
}

/** Collection writes to the ingest stream, so its property runs a fraction of the others' requests. */
const COLLECTION_RUN_SHARE = 0.25;

export function describeHttpEndpointFuzz(runs: FuzzRuns): void {
  describe('hostile requests to every route', () => {
    let subject: RuntimeUnderTest;
    let baseUrl: string;
    let adminKey: string;
    const known: Record<string, string> = {};

    const admin = async (path: string, json: unknown): Promise<Record<string, string>> => {
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(json),
      });
      const answer = (await response.json()) as Record<string, string>;
      expect(response.status, JSON.stringify(answer)).toBeLessThan(300);
      return answer;
    };

    beforeAll(async () => {
      subject = await startRuntimeUnderTest();
      baseUrl = subject.runtime.url;
      adminKey = subject.runtime.adminKey;
      // Real things for the known ids, so that generated requests reach past the lookups into the routes' logic.
      const schemaId = FUZZED_SCHEMA_ID;
      await admin('/schemas', {
        title: 'Fuzzed customer',
        class: 'profile',
        schema: {
          $id: schemaId,
          type: 'object',
          properties: { email: { type: 'string' }, points: { type: 'integer' } },
          required: ['email'],
        },
        identities: [{ path: '/email', namespace: 'Email', primary: true }],
      });
      known.schemaId = schemaId;
      known.datasetId = (await admin('/datasets', { name: 'fuzzed', schemaId })).id!;
      known.inletId = (
        await admin('/inlets', { name: 'open', datasetId: known.datasetId, authenticated: false })
      ).inletId!;
      known.batchId = (
        await admin('/batches', { datasetId: known.datasetId, inputFormat: { format: 'json' } })
      ).id!;
      known.sandboxName = 'prod';
      known.namespaceCode = 'Email';
      known.filePath = 'folder/file.json';
    });
    afterAll(async () => {
      await subject?.stop();
    });

    it('answers every request within a bound, below 500, with a problem+json code for every 4xx', async () => {
      await fc.assert(
        fc.asyncProperty(hostileRequest(known), async (request) => {
          const answer = await within(
            REQUEST_TIME_LIMIT_MS,
            request.route.resource,
            send(baseUrl, adminKey, request),
          );
          expectClearAnswer(answer, request.route.method);
        }),
        runs,
      );
      const health = await fetch(`${baseUrl}/health`);
      expect(health.status).toBe(200);
    });

    it('reads every raw and envelope message sent to an inlet, one at a time or in batches, without a 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(
          collectionMessage,
          fc.array(collectionMessage, { maxLength: 5 }),
          fc.boolean(),
          async (message, messages, batched) => {
            const answer = await within(
              REQUEST_TIME_LIMIT_MS,
              'collection',
              send(baseUrl, adminKey, {
                route: COLLECTION_ROUTES[batched ? 1 : 0],
                path: `/collection/${batched ? 'batch/' : ''}${known.inletId}`,
                query: '',
                body: Buffer.from(JSON.stringify(batched ? { messages } : message) ?? 'null'),
                contentType: 'application/json',
                sandbox: undefined,
              }),
            );
            expectClearAnswer(answer, 'POST');
          },
        ),
        { ...runs, numRuns: Math.ceil(runs.numRuns * COLLECTION_RUN_SHARE) },
      );
    });

    // Found by this fuzz: an inlet id past DynamoDB's key size reached the table (500); ids are bounded in bytes.
    it('answers ids too long for a key, in characters or in UTF-8 bytes, on every route without a 5xx', async () => {
      const routes = ALL_ROUTES.filter((route) => route.resource.includes('{'));
      for (const id of ['a'.repeat(5_000), '\u00e9'.repeat(400), '\u{1F600}'.repeat(200)]) {
        for (const route of routes) {
          const answer = await send(baseUrl, adminKey, {
            route,
            path: route.resource.replace(/\{\w+\+?\}/g, encodeURIComponent(id)),
            query: '',
            body: Buffer.from('{}'),
            contentType: 'application/json',
            sandbox: undefined,
          });
          expectClearAnswer(answer, route.method);
        }
      }
    });

    it('answers a body past API Gateway\u2019s 10 MB limit, and one past the 1 MB JSON limit, with 413', async () => {
      for (const size of [1_100_000, 10 * 1024 * 1024 + 1]) {
        const answer = await send(baseUrl, adminKey, {
          route: { method: 'POST', resource: '/schemas', scope: 'admin' },
          path: '/schemas',
          query: '',
          body: Buffer.from(`{"title":"${'x'.repeat(size)}"}`),
          contentType: 'application/json',
          sandbox: undefined,
        });
        expect(answer.status).toBe(413);
        expectClearAnswer(answer, 'POST');
      }
    });
  });
}
