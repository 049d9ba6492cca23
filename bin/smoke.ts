#!/usr/bin/env node
/**
 * Smoke test of a deployed Tributary (or the local runtime): creates a profile schema and a profile-enabled dataset,
 * streams a record through an inlet, uploads a small CSV batch and waits for its success, reads both profiles back,
 * then removes what the API lets it remove. Every step prints ✓ or ✗; the exit code is 1 when a step failed.
 *
 *   TRIBUTARY_API_KEY=<admin key> npm run smoke -- <api-url>
 *   npm run smoke -- <api-url> --key <admin key>
 *
 * The schema and dataset stay (the API deletes neither); their names carry the run's id (`smoke-<id>`).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

/** How long asynchronous outcomes may take: a batch's workflow, the stream consumer's batching window. */
const OUTCOME_TIMEOUT_MS = 180_000;
/** Between two looks at an asynchronous outcome: often enough to notice, rarely enough not to throttle the API. */
const POLL_INTERVAL_MS = 2_000;
const TERMINAL_BATCH_STATUSES = new Set(['success', 'failed', 'aborted', 'inactive', 'deleted']);

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

class StepError extends Error {}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { key: { type: 'string' } },
});
const [apiUrl] = positionals;
const key = values.key ?? process.env.TRIBUTARY_API_KEY;
if (apiUrl === undefined || key === undefined || positionals.length > 1) {
  console.error('usage: npm run smoke -- <api-url> [--key <admin key>]   (or the key in TRIBUTARY_API_KEY)');
  process.exit(2);
}
const base = apiUrl.replace(/\/+$/, '');
const runId = randomUUID().slice(0, 8);

async function call(
  method: string,
  pathOrUrl: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<Answer> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${base}${pathOrUrl}`;
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: parsedBody(text) };
}

/** The answer's JSON object; a body that is not JSON (a gateway's plain text) as `{text}`. */
function parsedBody(text: string): Record<string, unknown> {
  if (text === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : { value: parsed };
  } catch {
    return { text };
  }
}

async function expectStatus(answer: Promise<Answer>, expected: number[], what: string): Promise<Answer> {
  const { status, body } = await answer;
  if (!expected.includes(status)) throw new StepError(`${what}: HTTP ${status} ${JSON.stringify(body)}`);
  return { status, body };
}

async function eventually<T>(what: string, look: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + OUTCOME_TIMEOUT_MS;
  for (;;) {
    const found = await look();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new StepError(`${what}: not within ${OUTCOME_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

let failed = false;
async function step<T>(name: string, action: () => Promise<T>): Promise<T | undefined> {
  const started = Date.now();
  try {
    const result = await action();
    console.log(`✓ ${name} (${Date.now() - started} ms)`);
    return result;
  } catch (error) {
    failed = true;
    console.log(`✗ ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

const schemaId = `https://tributary.invalid/smoke/${runId}`;
const streamedEmail = `smoke-${runId}-stream@example.com`;
const batchedEmail = `smoke-${runId}-batch@example.com`;
const profilePath = (email: string): string =>
  `/profiles?entityId=${encodeURIComponent(email)}&entityIdNS=Email`;

console.log(`Tributary smoke test ${runId} against ${base}`);
const ready = await step('the API answers /health', () =>
  expectStatus(call('GET', '/health'), [200], 'health'),
);
const schema =
  ready &&
  (await step('a profile schema with Email as the primary identity', () =>
    expectStatus(
      call('POST', '/schemas', {
        title: `smoke-${runId}`,
        class: 'profile',
        schema: {
          $id: schemaId,
          type: 'object',
          properties: { email: { type: 'string', format: 'email' }, firstName: { type: 'string' } },
          required: ['email'],
        },
        identities: [{ path: '/email', namespace: 'Email', primary: true }],
      }),
      [201],
      'POST /schemas',
    ),
  ));
const datasetId =
  schema &&
  (await step('a profile-enabled dataset', async () => {
    const { body } = await expectStatus(
      call('POST', '/datasets', { name: `smoke-${runId}`, schemaId, profileEnabled: true }),
      [201],
      'POST /datasets',
    );
    return String(body['id']);
  }));
const inlet =
  datasetId &&
  (await step('a streaming inlet into it', async () => {
    const { body } = await expectStatus(
      call('POST', '/inlets', { name: `smoke-${runId}`, datasetId }),
      [201],
      'POST /inlets',
    );
    return { id: String(body['inletId']), url: String(body['url']) };
  }));
const streamed =
  inlet &&
  (await step('a record streamed through the inlet', () =>
    expectStatus(call('POST', inlet.url, { email: streamedEmail, firstName: 'Stream' }), [200], 'collect'),
  ));
const batchDone =
  datasetId &&
  (await step('a CSV batch uploaded, completed and promoted (status success)', async () => {
    const { body } = await expectStatus(
      call('POST', '/batches', { datasetId, inputFormat: { format: 'csv' } }),
      [201],
      'POST /batches',
    );
    const batchId = String(body['id']);
    await expectStatus(
      call(
        'PUT',
        `/batches/${batchId}/datasets/${datasetId}/files/smoke.csv`,
        `email,firstName\n${batchedEmail},Batch\n`,
        'application/octet-stream',
      ),
      [200, 201],
      'upload',
    );
    await expectStatus(call('POST', `/batches/${batchId}?action=COMPLETE`), [200], 'COMPLETE');
    const status = await eventually('the batch ends', async () => {
      const answer = await call('GET', `/catalog/batches/${batchId}`);
      const current = String(answer.body['status']);
      return TERMINAL_BATCH_STATUSES.has(current)
        ? { status: current, errors: answer.body['errors'] }
        : undefined;
    });
    if (status.status !== 'success')
      throw new StepError(`the batch ended ${status.status}: ${JSON.stringify(status.errors)}`);
    return true;
  }));
const readBack = async (email: string): Promise<void> => {
  await eventually(`the profile of ${email}`, async () => {
    const answer = await call('GET', profilePath(email));
    return answer.status === 200 ? answer : undefined;
  });
};
if (streamed) await step('the streamed record read back as a profile', () => readBack(streamedEmail));
if (batchDone !== undefined && datasetId)
  await step('the batch row read back as a profile', () => readBack(batchedEmail));

if (inlet) {
  await step('clean-up: the inlet deleted', () =>
    expectStatus(call('DELETE', `/inlets/${inlet.id}`), [204], 'DELETE /inlets'),
  );
}
if (datasetId) {
  await step('clean-up: the smoke profiles deleted', async () => {
    for (const email of [streamedEmail, batchedEmail])
      await expectStatus(call('DELETE', profilePath(email)), [200, 404], 'DELETE /profiles');
  });
}
console.log(failed ? 'Smoke test failed.' : 'Smoke test passed.');
process.exit(failed ? 1 : 0);
