/**
 * Streaming end to end on the local runtime: 10,000 messages posted to `/collection/batch/{inletId}` over HTTP —
 * valid events and profile records, schema violations, producer duplicates, an envelope without an entity, events
 * too large for the profile store and a request over 1 MB — then read back from where the consumer put them: the
 * lake's Parquet files (read with an independent reader), the quarantine, the profile store and the batch catalog.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toFragment, type FragmentItem } from '../../lambdas/adapters/dynamo-profile-data-store';
import { ENV } from '../../lambdas/config/env-names';
import { STREAM_MODE_CONTEXT } from '../../lib/stream-capacity';
import { createEmulatorClients, type EmulatorClients } from '../../local/emulator-clients';
import { queryWithDuckDb } from '../support/streaming-duckdb';
import { readJsonLines, readLake, readObjects, type ParquetFile } from '../support/streaming-lake';
import {
  LAKE_KINDS,
  QUARANTINE_KINDS,
  REJECTED_KINDS,
  STREAM_EVENT_SCHEMA,
  STREAM_PROFILE_SCHEMA,
  jsonBytes,
  multiset,
  oversizedMessage,
  planTraffic,
  type PlannedMessage,
  type TrafficPlan,
} from '../support/streaming-messages';
import { call, startRuntimeUnderTest, type HttpAnswer, type RuntimeUnderTest } from './local-runtime';

const SANDBOX = 'prod';
const TOTAL_MESSAGES = 10_000;
/** Messages per request: well under the collect limits (count and 1 MB), like a producer batching 1 KB events. */
const MESSAGES_PER_REQUEST = 200;
/** Requests in flight at once: a few producers, not a flood that would only measure the 2-core machine. */
const PARALLEL_REQUESTS = 4;
/**
 * How long the drain may go without the batch metrics counting one more message before the wait gives up: the wait
 * follows progress, not a clock, so a machine under double load drains slower but still passes; only a consumer that
 * has stopped fails.
 */
const DRAIN_STALL_MS = 120_000;
/** vitest needs a bound on a test: the stall check above decides the outcome, this only ends a run that hangs. */
const DRAIN_TEST_CEILING_MS = 20 * 60_000;
const DRAIN_POLL_MS = 500;

interface BatchResponse {
  inletId: string;
  batchId: string;
  receivedTimeMs: number;
  responses: ({ xactionId: string } | { statusCode: number; message: string })[];
}

interface BatchView {
  id: string;
  status: string;
  metrics: {
    inputRecordCount: number;
    outputRecordCount: number;
    failedRecordCount: number;
    duplicateRecordCount: number;
    profileErrorCount: number;
  };
  errors: { code: string; recordCount: number }[];
  profileErrors: { code: string; recordCount: number }[];
  relatedObjects: { type: string; id: string }[];
}

type Metrics = Omit<BatchView['metrics'], 'profileErrorCount'>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The record of a lake row: the `record` column is JSON (a string, or already parsed by the reader). */
const recordOf = (row: Record<string, unknown>): Record<string, unknown> => {
  const value = typeof row.record === 'string' ? (JSON.parse(row.record) as unknown) : row.record;
  if (!isObject(value)) throw new Error(`a lake row without a record object: ${JSON.stringify(row)}`);
  return value;
};

const byMessageId = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.messageId).localeCompare(String(b.messageId));

const keyOfRecord = (record: Record<string, unknown>): string => String(record._id ?? record.crmId);

describe('streaming ingestion on the local runtime', () => {
  let subject: RuntimeUnderTest;
  let url: string;
  let admin: string;
  let clients: EmulatorClients;
  let datasets: { events: string; profiles: string };
  let inletId: string;
  let plan: TrafficPlan;
  let answers: HttpAnswer[];
  let batches: Record<string, BatchView[]>;

  const get = async (path: string) => call(`${url}${path}`, { key: admin });
  const post = async (path: string, body: unknown) =>
    call(`${url}${path}`, { method: 'POST', key: admin, body: JSON.stringify(body) });
  const bucket = (name: string) => {
    const value = subject.runtime.resourceVariable(name);
    if (!value) throw new Error(`${name} is not set: the template declares no such bucket`);
    return value;
  };
  const ofKinds = (...kinds: readonly PlannedMessage['kind'][]) =>
    plan.all.filter((message) => kinds.includes(message.kind));

  async function created(path: string, body: unknown): Promise<Record<string, unknown>> {
    const answer = await post(path, body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body as Record<string, unknown>;
  }

  async function batchesOf(datasetId: string): Promise<BatchView[]> {
    const answer = await get(`/catalog/batches?datasetId=${datasetId}&limit=100`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return (answer.body as { items: BatchView[] }).items;
  }

  const total = (views: readonly BatchView[]): Metrics =>
    views.reduce(
      (sum, view) => ({
        inputRecordCount: sum.inputRecordCount + view.metrics.inputRecordCount,
        outputRecordCount: sum.outputRecordCount + view.metrics.outputRecordCount,
        failedRecordCount: sum.failedRecordCount + view.metrics.failedRecordCount,
        duplicateRecordCount: sum.duplicateRecordCount + view.metrics.duplicateRecordCount,
      }),
      { inputRecordCount: 0, outputRecordCount: 0, failedRecordCount: 0, duplicateRecordCount: 0 },
    );

  beforeAll(async () => {
    // Ten thousand messages drain through the four shards of an on-demand stream (one consumer per shard, as in
    // AWS); the default single provisioned shard takes them one batch at a time, slower than the drain allows.
    subject = await startRuntimeUnderTest({ context: { [STREAM_MODE_CONTEXT]: 'on-demand' } });
    url = subject.runtime.url;
    admin = subject.runtime.adminKey;
    clients = createEmulatorClients(subject.runtime.endpoints);
    const eventSchema = await created('/schemas', STREAM_EVENT_SCHEMA);
    const profileSchema = await created('/schemas', STREAM_PROFILE_SCHEMA);
    const dataset = async (name: string, schemaId: unknown) =>
      String((await created('/datasets', { name, schemaId, profileEnabled: true })).id);
    datasets = {
      events: await dataset('Page views', eventSchema.id),
      profiles: await dataset('Members', profileSchema.id),
    };
    // No dataset on the inlet: every envelope names its own, so one inlet feeds both datasets.
    inletId = String((await created('/inlets', { name: 'Web', authenticated: false })).inletId);
    plan = planTraffic({
      seed: 4_2024,
      total: TOTAL_MESSAGES,
      eventDatasetId: datasets.events,
      profileDatasetId: datasets.profiles,
      schemaIds: { event: String(eventSchema.id), profile: String(profileSchema.id) },
      perRequest: MESSAGES_PER_REQUEST,
      people: 500,
      shares: {
        'wrong-type': 150,
        'missing-required': 150,
        'duplicate-event': 100,
        'large-event': 20,
        'no-entity': 30,
        profile: 450,
        'profile-missing-required': 50,
      },
    });
  });
  afterAll(async () => {
    clients?.destroy();
    await subject?.stop();
  });

  it('answers every batch request 207 with one result per message, in order, naming each failure', async () => {
    // Act
    answers = [];
    for (let i = 0; i < plan.requests.length; i += PARALLEL_REQUESTS) {
      const slice = plan.requests.slice(i, i + PARALLEL_REQUESTS);
      answers.push(
        ...(await Promise.all(
          slice.map((request) =>
            call(`${url}/collection/batch/${inletId}`, {
              method: 'POST',
              body: JSON.stringify({ messages: request.messages.map((planned) => planned.message) }),
            }),
          ),
        )),
      );
    }

    // Assess
    expect(plan.all).toHaveLength(TOTAL_MESSAGES);
    plan.requests.forEach((request, r) => {
      const answer = answers[r]!;
      expect(answer.status, JSON.stringify(answer.body).slice(0, 500)).toBe(207);
      const body = answer.body as BatchResponse;
      expect(body.inletId).toBe(inletId);
      expect(body.responses).toHaveLength(request.messages.length);
      request.messages.forEach((planned, index) => {
        const response = body.responses[index]!;
        if (REJECTED_KINDS.includes(planned.kind)) {
          expect(response, `request ${r} message ${index}`).toMatchObject({ statusCode: 400 });
          expect((response as { message: string }).message).toContain('xdmEntity');
        } else {
          // Experience Platform's per-message transaction id in a batch: `{batchId}:{index}`.
          expect(response, `request ${r} message ${index}`).toEqual({
            xactionId: `${body.batchId}:${index}`,
          });
        }
      });
    });
  });

  it('answers 413 to a request over 1 MB and streams nothing of it', async () => {
    // Prepare
    const message = oversizedMessage(datasets.events, String(STREAM_EVENT_SCHEMA.schema.$id));

    // Act
    const single = await call(`${url}/collection/${inletId}`, {
      method: 'POST',
      body: JSON.stringify(message),
    });
    const batch = await call(`${url}/collection/batch/${inletId}`, {
      method: 'POST',
      body: JSON.stringify({ messages: [message] }),
    });

    // Assess
    expect(single.status).toBe(413);
    expect(batch.status).toBe(413);
    expect(single.contentType).toContain('application/problem+json');
  });

  it(
    'drains the stream until the batch metrics count every accepted message',
    { timeout: DRAIN_TEST_CEILING_MS },
    async () => {
      // Act: wait while the counts keep rising.
      let counted = -1;
      let lastProgressAt = Date.now();
      const wanted = (datasetId: string) => plan.expected[datasetId]!.input;
      let seen: Record<string, Metrics>;
      for (;;) {
        batches = {
          [datasets.events]: await batchesOf(datasets.events),
          [datasets.profiles]: await batchesOf(datasets.profiles),
        };
        seen = Object.fromEntries(Object.entries(batches).map(([id, views]) => [id, total(views)]));
        const done = Object.entries(seen).every(([id, metrics]) => metrics.inputRecordCount >= wanted(id));
        const nowCounted = Object.values(seen).reduce((sum, metrics) => sum + metrics.inputRecordCount, 0);
        if (nowCounted > counted) [counted, lastProgressAt] = [nowCounted, Date.now()];
        if (done || Date.now() - lastProgressAt > DRAIN_STALL_MS) break;
        await sleep(DRAIN_POLL_MS);
      }

      // Assess
      for (const datasetId of [datasets.events, datasets.profiles]) {
        const expected = plan.expected[datasetId]!;
        expect(seen[datasetId], `dataset ${datasetId}`).toEqual({
          inputRecordCount: expected.input,
          outputRecordCount: expected.output,
          failedRecordCount: expected.failed,
          duplicateRecordCount: expected.duplicates,
        });
        for (const view of batches[datasetId]!) {
          const { metrics } = view;
          expect(metrics.inputRecordCount).toBe(
            metrics.outputRecordCount + metrics.failedRecordCount + metrics.duplicateRecordCount,
          );
          expect(view.relatedObjects).toEqual([{ type: 'dataSet', id: datasetId }]);
        }
      }
      const codes = (pick: (view: BatchView) => BatchView['errors']) => {
        const counts: Record<string, number> = {};
        for (const view of Object.values(batches).flat())
          for (const error of pick(view)) counts[error.code] = (counts[error.code] ?? 0) + error.recordCount;
        return counts;
      };
      expect(codes((view) => view.errors)).toEqual({
        'schema-validation': ofKinds(...QUARANTINE_KINDS).length,
      });
      expect(codes((view) => view.profileErrors)).toEqual({
        'profile-event-too-large': ofKinds('large-event').length,
      });
      const profileErrorCount = Object.values(batches)
        .flat()
        .reduce((sum, view) => sum + view.metrics.profileErrorCount, 0);
      expect(profileErrorCount).toBe(ofKinds('large-event').length);
    },
  );

  it('holds every valid message in the lake exactly once, readable by an independent Parquet reader', async () => {
    // Act
    const files: ParquetFile[] = await readLake(clients.s3, bucket(ENV.lakeBucket), `lake/${SANDBOX}/`);

    // Assess
    const rows = files.flatMap((file) => file.rows.map((row) => ({ file, row })));
    for (const file of files) {
      expect(file.rows).toHaveLength(file.numRows);
      expect(file.key).toMatch(
        new RegExp(
          `^lake/${SANDBOX}/(${datasets.events}|${datasets.profiles})/date=\\d{4}-\\d{2}-\\d{2}/batch=stream-[^/]+/part-[^/]+\\.parquet$`,
        ),
      );
    }
    const lakeKeys = rows.map(({ row }) => keyOfRecord(recordOf(row)));
    expect(multiset(lakeKeys)).toEqual(multiset(ofKinds(...LAKE_KINDS).map((message) => message.key!)));
    // Each record is in its own dataset's files, whole, with its typed columns beside it.
    const planned = new Map(ofKinds(...LAKE_KINDS).map((message) => [message.key!, message]));
    for (const { file, row } of rows) {
      const record = recordOf(row);
      const message = planned.get(keyOfRecord(record))!;
      expect(file.key.startsWith(`lake/${SANDBOX}/${message.datasetId}/`)).toBe(true);
      expect(record).toEqual((message.message as { body: { xdmEntity: unknown } }).body.xdmEntity);
      expect(typeof row.message_id).toBe('string');
      if (message.datasetId === datasets.events) expect(row._id).toBe(record._id);
      else expect(row.crmId).toBe(record.crmId);
    }
  });

  it('answers DuckDB queries over the lake files with the same records', async () => {
    // Prepare
    const objects = await readObjects(clients.s3, bucket(ENV.lakeBucket), `lake/${SANDBOX}/`);

    // Act
    const [events] = await queryWithDuckDb(
      objects,
      (root) =>
        `SELECT count(*), count(DISTINCT _id), count(DISTINCT message_id), min(durationMs) >= 0 ` +
        `FROM read_parquet('${root}/lake/${SANDBOX}/${datasets.events}/**/*.parquet')`,
    );
    const [members] = await queryWithDuckDb(
      objects,
      (root) =>
        `SELECT count(*), count(DISTINCT crmId) FROM read_parquet('${root}/lake/${SANDBOX}/${datasets.profiles}/**/*.parquet')`,
    );

    // Assess
    const eventCount = BigInt(ofKinds('event', 'large-event').length);
    expect(events).toEqual([eventCount, eventCount, eventCount, true]);
    expect(members).toEqual([BigInt(ofKinds('profile').length), BigInt(ofKinds('profile').length)]);
  });

  it('quarantines every invalid message with its violation, explains every profile refusal, and exports both per batch', async () => {
    // Act: failed records, and (stage `profile`) lake records the profile store refused
    const all = await readJsonLines(clients.s3, bucket(ENV.quarantineBucket), `quarantine/${SANDBOX}/`);
    const lines = all.filter(({ line }) => line.stage !== 'profile');
    const refusals = all.filter(({ line }) => line.stage === 'profile');
    const exported: { line: Record<string, unknown>; batchId: string }[] = [];
    for (const view of Object.values(batches).flat()) {
      let next: string | undefined;
      do {
        const answer = await get(
          `/export/batches/${view.id}/failed?limit=100${next ? `&start=${encodeURIComponent(next)}` : ''}`,
        );
        expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(200);
        const page = answer.body as { items: Record<string, unknown>[]; next?: string };
        exported.push(...page.items.map((line) => ({ line, batchId: view.id })));
        next = page.next;
      } while (next);
    }

    // Assess
    const invalid = ofKinds(...QUARANTINE_KINDS);
    const byKey = new Map(invalid.map((message) => [message.key!, message]));
    const quarantinedKeys = lines.map(({ line }) => keyOfRecord(line.record as Record<string, unknown>));
    expect(multiset(quarantinedKeys)).toEqual(multiset(invalid.map((message) => message.key!)));
    for (const { key, line } of lines) {
      const message = byKey.get(keyOfRecord(line.record as Record<string, unknown>))!;
      expect(key.startsWith(`quarantine/${SANDBOX}/${message.datasetId}/`)).toBe(true);
      expect(line.violations).toEqual(expect.arrayContaining([expect.objectContaining(message.violation)]));
    }
    // Each event too large for the profile store is explained, and is in the lake all the same.
    expect(multiset(refusals.map(({ line }) => keyOfRecord(line.record as Record<string, unknown>)))).toEqual(
      multiset(ofKinds('large-event').map((message) => message.key!)),
    );
    for (const { line } of refusals) {
      expect(line).toMatchObject({
        code: 'profile-event-too-large',
        violations: [expect.objectContaining({ pointer: '', keyword: 'profile' })],
      });
    }
    // The export answers the same lines, each under the batch of its dataset.
    expect(exported.map(({ line }) => line).sort(byMessageId)).toEqual(
      all.map(({ line }) => line).sort(byMessageId),
    );
    for (const { line, batchId } of exported) expect(batchId).toContain(String(line.datasetId));
  });

  it('applies every valid profile-enabled message to the profile store, and no event over 10 KB', async () => {
    // Prepare
    const tableName = subject.runtime.resourceVariable(ENV.profilesTable);
    if (!tableName) throw new Error(`${ENV.profilesTable} is not set`);
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await clients.documents.send(
        new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      items.push(...((page.Items ?? []) as Record<string, unknown>[]));
      start = page.LastEvaluatedKey;
    } while (start);
    const sample = [...new Set(ofKinds('event').map((message) => message.email!))].slice(0, 5);

    // Act
    const timelines = await Promise.all(
      sample.map(async (email) => {
        const ids: string[] = [];
        let next: string | undefined;
        do {
          const answer = await get(
            `/profiles/events?entityIdNS=Email&entityId=${encodeURIComponent(email)}&limit=100${next ? `&start=${encodeURIComponent(next)}` : ''}`,
          );
          expect(answer.status).toBe(200);
          const body = answer.body as { items: { eventId: string }[]; next?: string };
          ids.push(...body.items.map((item) => item.eventId));
          next = body.next;
        } while (next);
        return { email, ids };
      }),
    );
    const member = ofKinds('profile')[0]!;
    const profile = await get(`/profiles?entityIdNS=CRMID&entityId=${encodeURIComponent(member.key!)}`);

    // Assess
    const storedEvents = items.filter((item) => item.datasetId === datasets.events && 'eventId' in item);
    expect(multiset(storedEvents.map((item) => String(item.eventId)))).toEqual(
      multiset(ofKinds('event').map((message) => message.key!)),
    );
    for (const message of ofKinds('large-event'))
      expect(jsonBytes(message.message)).toBeGreaterThan(10 * 1024);
    const storedFragments = items
      .filter((item) => item.datasetId === datasets.profiles && 'history' in item)
      .map((item) => toFragment(item as FragmentItem));
    expect(multiset(storedFragments.map((fragment) => String(fragment.attributes.crmId)))).toEqual(
      multiset(ofKinds('profile').map((message) => message.key!)),
    );
    for (const { email, ids } of timelines) {
      const expected = ofKinds('event').filter((message) => message.email === email);
      expect(multiset(ids)).toEqual(multiset(expected.map((message) => message.key!)));
    }
    expect(profile.status).toBe(200);
    expect((profile.body as { attributes: unknown }).attributes).toEqual(
      (member.message as { body: { xdmEntity: unknown } }).body.xdmEntity,
    );
  });
});
