/**
 * Streaming collection on the local runtime: inlets created over HTTP, messages posted to `/collection` and
 * `/collection/batch`, and the records read back from the runtime's ingest stream.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/env-names';
import type { StreamMessage } from '../../lambdas/core/streaming/stream-message';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/emulators';
import { call, startRuntimeUnderTest, type RuntimeUnderTest } from './local-runtime';

const SCHEMA_ID = 'https://example.com/schemas/collected-customer';

interface StoredRecord {
  readonly partitionKey: string;
  readonly message: StreamMessage;
}

describe('streaming collection on the local runtime', () => {
  let subject: RuntimeUnderTest;
  let kinesis: KinesisClient;
  let ingestKey: string;
  let datasetId: string;
  let openInlet: string;
  let keyedInlet: string;

  const api = (path: string) => `${subject.runtime.url}${path}`;
  const admin = (path: string, body: unknown) =>
    call(api(path), { method: 'POST', key: subject.runtime.adminKey, body: JSON.stringify(body) });

  /** Every record on the ingest stream, from the start of each shard. */
  async function streamRecords(): Promise<StoredRecord[]> {
    const streamName = subject.runtime.resourceVariable(ENV.ingestStream);
    if (!streamName) throw new Error(`${ENV.ingestStream} is not set while the runtime runs`);
    const shards = (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
    const records: StoredRecord[] = [];
    for (const shard of shards) {
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shard.ShardId!,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: ShardIterator!, Limit: 10_000 }));
      for (const record of out.Records ?? []) {
        records.push({
          partitionKey: record.PartitionKey!,
          message: JSON.parse(Buffer.from(record.Data!).toString('utf8')) as StreamMessage,
        });
      }
    }
    return records;
  }

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    kinesis = new KinesisClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoint: subject.runtime.endpoints.kinesis,
      requestHandler: new NodeHttpHandler(),
    });
    ingestKey = ((await admin('/api-keys', { name: 'producer', scopes: ['ingest'] })).body as { key: string })
      .key;
    const schema = await admin('/schemas', {
      title: 'Collected customer',
      class: 'profile',
      schema: {
        $id: SCHEMA_ID,
        type: 'object',
        properties: { email: { type: 'string', format: 'email' }, points: { type: 'integer', minimum: 0 } },
        required: ['email'],
      },
      identities: [{ path: '/email', namespace: 'Email', primary: true }],
    });
    expect(schema.status).toBe(201);
    datasetId = (
      (await admin('/datasets', { name: 'Collected', schemaId: SCHEMA_ID })).body as { id: string }
    ).id;
    openInlet = ((await admin('/inlets', { name: 'open', authenticated: false })).body as { inletId: string })
      .inletId;
    keyedInlet = ((await admin('/inlets', { name: 'keyed', datasetId })).body as { inletId: string }).inletId;
  });
  afterAll(async () => {
    kinesis?.destroy();
    await subject?.stop();
  });

  const envelope = (entity: Record<string, unknown>) => ({
    header: { schemaRef: { id: SCHEMA_ID }, datasetId, source: { name: 'e2e' } },
    body: { xdmMeta: { schemaRef: { id: SCHEMA_ID } }, xdmEntity: entity },
  });

  it('accepts single and batched messages and writes them to the stream keyed by the primary identity', async () => {
    // Act
    const single = await call(api(`/collection/${openInlet}`), {
      method: 'POST',
      body: JSON.stringify(envelope({ email: 'Ada@Example.com', points: 3 })),
    });
    const batch = await call(api(`/collection/batch/${keyedInlet}?syncValidation=true`), {
      method: 'POST',
      headers: { 'x-api-key': ingestKey },
      body: JSON.stringify({
        messages: [
          envelope({ email: 'grace@example.com' }),
          envelope({ email: 'not-an-email', points: -1 }),
          { email: 'raw@example.com', points: 7 },
        ],
      }),
    });
    const records = await streamRecords();

    // Assess: the answers
    expect(single.status).toBe(200);
    const accepted = single.body as { inletId: string; xactionId: string; receivedTimeMs: number };
    expect(accepted).toMatchObject({ inletId: openInlet, syncValidation: { skipped: true } });
    expect(accepted.xactionId).toMatch(new RegExp(`^${accepted.receivedTimeMs}:[0-9a-f]+$`));
    expect(batch.status).toBe(207);
    const { batchId, responses } = batch.body as { batchId: string; responses: Record<string, unknown>[] };
    expect(responses[0]).toEqual({ xactionId: `${batchId}:0` });
    expect(responses[1]).toMatchObject({ statusCode: 400, code: 'validation-failed' });
    expect(responses[2]).toEqual({ xactionId: `${batchId}:2` });

    // Assess: what the stream holds
    const byId = new Map(records.map((record) => [record.message.messageId, record]));
    expect(byId.get(accepted.xactionId)).toEqual({
      partitionKey: 'Email#ada@example.com',
      message: {
        v: 1,
        sandbox: 'prod',
        inletId: openInlet,
        datasetId,
        schemaId: SCHEMA_ID,
        messageId: accepted.xactionId,
        receivedAt: new Date(accepted.receivedTimeMs).toISOString(),
        origin: 'collection',
        record: { email: 'Ada@Example.com', points: 3 },
        requestIndex: 0,
      },
    });
    expect(byId.get(`${batchId}:0`)).toMatchObject({
      partitionKey: 'Email#grace@example.com',
      message: { inletId: keyedInlet, datasetId, record: { email: 'grace@example.com' } },
    });
    expect(byId.get(`${batchId}:2`)).toMatchObject({
      partitionKey: 'Email#raw@example.com',
      message: { record: { email: 'raw@example.com', points: 7 }, requestIndex: 2 },
    });
    expect(byId.has(`${batchId}:1`)).toBe(false);
  });

  it('answers bad input to both routes with a 4xx problem', async () => {
    // Prepare
    const routes = [`/collection/${openInlet}`, `/collection/batch/${openInlet}`];
    const oversized = JSON.stringify({
      messages: [envelope({ email: 'a@b.co', pad: 'x'.repeat(1_100_000) })],
    });

    for (const route of routes) {
      // Act
      const malformed = await call(api(route), { method: 'POST', body: '{"header": ' });
      const tooLarge = await call(api(route), { method: 'POST', body: oversized });
      const unknownInlet = await call(api(route.replace(openInlet, 'f'.repeat(64))), {
        method: 'POST',
        body: JSON.stringify(envelope({ email: 'a@b.co' })),
      });
      const keyless = await call(api(route.replace(openInlet, keyedInlet)), {
        method: 'POST',
        body: JSON.stringify(envelope({ email: 'a@b.co' })),
      });

      // Assess
      expect([malformed.status, tooLarge.status, unknownInlet.status, keyless.status]).toEqual([
        400, 413, 404, 401,
      ]);
      for (const answer of [malformed, tooLarge, unknownInlet, keyless]) {
        expect(answer.contentType).toContain('application/problem+json');
      }
    }
    const notABatch = await call(api(`/collection/batch/${openInlet}`), {
      method: 'POST',
      body: JSON.stringify(envelope({ email: 'a@b.co' })),
    });
    expect(notABatch.status).toBe(400);
    expect(notABatch.body).toMatchObject({ code: 'invalid-batch' });
  });
});
