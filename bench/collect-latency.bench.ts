/**
 * The collect endpoint and the streaming path on the local runtime (the real app, its emulators in this process):
 *
 * - Under load: `POST /collection/{inletId}` with a 1 KB message, from a closed-loop generator in another process
 *   (bench/http-load.ts), against a bare `node:http` server in this same process that only reads the body and
 *   answers — the floor of any HTTP endpoint on this machine. Requests per second and p99 latency.
 * - Time to profile: a trickle of messages of new customers, each timed from its POST to the first
 *   `GET /profiles` lookup that finds the profile (polled), against the round trip of one POST and one lookup — what
 *   the client would wait if the write were synchronous. The consumer's batching window (lib/streaming-stack.ts)
 *   is most of the difference by design.
 *
 *   npm run bench:collect
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONSUMER_BATCHING_WINDOW } from '../lib/streaming-stack';
import { call, startRuntimeUnderTest, type RuntimeUnderTest } from '../test/e2e/local-runtime';
import { isEntryPoint, type SummaryRow } from './bench-summary';
import { measureLoad, percentile, type LoadPlan, type LoadResult } from './http-load';
import { printTable } from './markdown-table';

const SCHEMA_ID = 'https://example.com/schemas/bench-collected';
/** The message size the cost model prices: 1 KB. */
const MESSAGE_BYTES = 1024;
/** Enough connections to keep the server busy while answers travel; more only lengthens the queue. */
const CONNECTIONS = 16;
/** A few seconds of load each: a steady rate without letting the stream's backlog grow for minutes. */
const LOAD_SECONDS = 8;
const MAX_REQUESTS = 20_000;
/** A short first round, not measured: the JIT and the runtime's lazy composition roots warm up. */
const WARM_UP: Pick<LoadPlan, 'maxRequests' | 'maxSeconds'> = { maxRequests: 300, maxSeconds: 3 };
/** Customers in the time-to-profile trickle, and the gap between two: about two per batching window. */
const PROFILE_SAMPLES = 20;
const PROFILE_SPACING_MS = 400;
/** Lookup polling per pending customer: the resolution of the figure, at about 25 lookups a second in all. */
const LOOKUP_POLL_MS = 100;
const LOOKUP_TIMEOUT_MS = 60_000;
/** Round trips of the synchronous baseline: POST then lookup, one after the other. */
const ROUND_TRIPS = 20;

export interface CollectResult {
  readonly bare: LoadResult;
  readonly collect: LoadResult;
  readonly toProfile: { readonly p50Ms: number; readonly p95Ms: number };
  readonly roundTrip: { readonly p50Ms: number; readonly p95Ms: number };
}

function envelope(datasetId: string, email: string): string {
  const message = (note: string) =>
    JSON.stringify({
      header: { schemaRef: { id: SCHEMA_ID }, datasetId, source: { name: 'bench' } },
      body: { xdmMeta: { schemaRef: { id: SCHEMA_ID } }, xdmEntity: { email, points: 1, note } },
    });
  return message('x'.repeat(MESSAGE_BYTES - message('').length));
}

/** The baseline server: reads the whole body, answers a small JSON, nothing else. */
async function bareServer(): Promise<Server> {
  const server = createServer((request, response) => {
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ bytes }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function loadBoth(bareUrl: string, collectUrl: string, body: string) {
  const plan = { body, connections: CONNECTIONS, maxRequests: MAX_REQUESTS, maxSeconds: LOAD_SECONDS };
  await measureLoad({ ...plan, ...WARM_UP, url: bareUrl });
  await measureLoad({ ...plan, ...WARM_UP, url: collectUrl });
  const bare = await measureLoad({ ...plan, url: bareUrl });
  const collect = await measureLoad({ ...plan, url: collectUrl });
  for (const [name, result] of Object.entries({ bare, collect }))
    if (result.failures > 0) throw new Error(`${name}: ${result.failures} answers outside 2xx`);
  return { bare, collect };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function quantiles(values: number[]): { p50Ms: number; p95Ms: number } {
  values.sort((a, b) => a - b);
  return { p50Ms: percentile(values, 50), p95Ms: percentile(values, 95) };
}

async function timeToProfile(subject: RuntimeUnderTest, inletId: string, datasetId: string) {
  const { url, adminKey } = subject.runtime;
  const post = (email: string) =>
    call(`${url}/collection/${inletId}`, { method: 'POST', body: envelope(datasetId, email) });
  const lookup = (email: string) =>
    call(`${url}/profiles?entityIdNS=Email&entityId=${encodeURIComponent(email)}`, { key: adminKey });

  const roundTrips: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i += 1) {
    const started = performance.now();
    await post(`trip${i}@example.com`);
    await lookup(`trip${i}@example.com`);
    roundTrips.push(performance.now() - started);
  }

  const sample = async (i: number): Promise<number> => {
    await pause(i * PROFILE_SPACING_MS);
    const email = `new${i}@example.com`;
    const started = performance.now();
    const posted = await post(email);
    if (posted.status !== 200) throw new Error(`POST /collection: ${posted.status}`);
    while (performance.now() - started < LOOKUP_TIMEOUT_MS) {
      if ((await lookup(email)).status === 200) return performance.now() - started;
      await pause(LOOKUP_POLL_MS);
    }
    throw new Error(`${email} was not found in ${LOOKUP_TIMEOUT_MS} ms`);
  };
  const latencies = await Promise.all(Array.from({ length: PROFILE_SAMPLES }, (_, i) => sample(i)));
  return { toProfile: quantiles(latencies), roundTrip: quantiles(roundTrips) };
}

async function setUp(subject: RuntimeUnderTest) {
  const admin = async (path: string, body: unknown) => {
    const answer = await call(`${subject.runtime.url}${path}`, {
      method: 'POST',
      key: subject.runtime.adminKey,
      body: JSON.stringify(body),
    });
    if (answer.status >= 300)
      throw new Error(`POST ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as Record<string, string>;
  };
  await admin('/schemas', {
    title: 'Bench collected customer',
    class: 'profile',
    schema: {
      $id: SCHEMA_ID,
      type: 'object',
      properties: {
        email: { type: 'string', format: 'email' },
        points: { type: 'integer', minimum: 0 },
        note: { type: 'string' },
      },
      required: ['email'],
    },
    identities: [{ path: '/email', namespace: 'Email', primary: true }],
  });
  const profiles = await admin('/datasets', { name: 'Profiles', schemaId: SCHEMA_ID, profileEnabled: true });
  const lake = await admin('/datasets', { name: 'Lake only', schemaId: SCHEMA_ID, profileEnabled: false });
  const inlet = await admin('/inlets', { name: 'bench', authenticated: false });
  return { profiles: profiles['id']!, lake: lake['id']!, inletId: inlet['inletId']! };
}

export async function measureCollect(): Promise<CollectResult> {
  const subject = await startRuntimeUnderTest();
  const server = await bareServer();
  try {
    const { profiles, lake, inletId } = await setUp(subject);
    // Time to profile first, on a quiet runtime: the load leaves the consumer a backlog to drain.
    const latency = await timeToProfile(subject, inletId, profiles);
    const bareUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const loads = await loadBoth(
      bareUrl,
      `${subject.runtime.url}/collection/${inletId}`,
      envelope(lake, 'load@example.com'),
    );
    return { ...loads, ...latency };
  } finally {
    server.close();
    await subject.stop();
  }
}

export function collectSummary(result: CollectResult): SummaryRow[] {
  const window = CONSUMER_BATCHING_WINDOW.toSeconds();
  return [
    {
      row: `collect (POST /collection, 1 KB, ${CONNECTIONS} connections) vs bare node:http body read`,
      measured: result.collect.requestsPerSecond,
      baseline: result.bare.requestsPerSecond,
      unit: 'requests/s',
    },
    {
      row: 'collect p99 latency under that load vs bare node:http',
      measured: result.collect.p99Ms,
      baseline: result.bare.p99Ms,
      unit: 'ms',
      digits: 1,
    },
    {
      row: `time to profile p50 (POST → lookup finds it; ${window} s batching window) vs POST + lookup round trip`,
      measured: result.toProfile.p50Ms,
      baseline: result.roundTrip.p50Ms,
      unit: 'ms',
    },
    {
      row: 'time to profile p95 vs POST + lookup round trip p95',
      measured: result.toProfile.p95Ms,
      baseline: result.roundTrip.p95Ms,
      unit: 'ms',
    },
  ];
}

if (isEntryPoint(import.meta.url)) {
  const result = await measureCollect();
  console.log(
    `Load: ${CONNECTIONS} keep-alive connections, ${LOAD_SECONDS} s or ${MAX_REQUESTS} requests, 1 KB body. ` +
      `Time to profile: ${PROFILE_SAMPLES} new customers ${PROFILE_SPACING_MS} ms apart, lookups every ${LOOKUP_POLL_MS} ms.`,
  );
  printTable(
    ['server', 'requests', 'seconds', 'requests/s', 'p50 ms', 'p99 ms'],
    Object.entries({ 'bare node:http': result.bare, 'collect on the local runtime': result.collect }).map(
      ([name, load]) => [
        name,
        String(load.requests),
        load.seconds.toFixed(1),
        load.requestsPerSecond.toFixed(0),
        load.p50Ms.toFixed(1),
        load.p99Ms.toFixed(1),
      ],
    ),
  );
  console.log('');
  printTable(
    ['path', 'p50 ms', 'p95 ms'],
    [
      ['POST + lookup round trip', result.roundTrip.p50Ms.toFixed(0), result.roundTrip.p95Ms.toFixed(0)],
      ['time to profile', result.toProfile.p50Ms.toFixed(0), result.toProfile.p95Ms.toFixed(0)],
    ],
  );
}
