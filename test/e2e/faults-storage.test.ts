/**
 * Storage errors and throttling injected into the AWS clients the local runtime's handlers use (the same SDK
 * classes, in each function's worker thread, relayed by sdk-fault-relay.ts): S3 answering SlowDown and DynamoDB throttling some of a file batch's writes, and the
 * Kinesis stream throttling collect's PutRecords. The batch workflow's retries, the stream writer's back-off and a
 * producer honouring a 429 end with every row and every accepted message in the lake exactly once, and nothing in
 * the stream consumer's on-failure destination.
 */
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/env-names';
import { createEmulatorClients, type EmulatorClients } from '../../local/emulator-clients';
import { BatchApi } from '../support/batch-api';
import { VISIT_SCHEMA, VISIT_SCHEMA_ID, jsonLines, visit } from '../support/batch-files';
import { BatchStorage } from '../support/batch-lake';
import { readLake } from '../support/streaming-lake';
import { envelope, multiset, STREAM_EVENT_SCHEMA } from '../support/streaming-messages';
import { onFailureState } from '../support/on-failure-state';
import { call, startRuntimeUnderTest, type RuntimeUnderTest } from './local-runtime';
import { drainStream } from '../soak/kill-scenario';
import { FAULT_RELAY_PRELOAD, serveFaults, type RelayedCommand } from '../support/sdk-fault-relay';

const ROWS = 400;
/**
 * One DynamoDB write in this many is throttled (S3 answers SlowDown to the first try of every lake write), in a
 * burst of at most DYNAMO_FAULTS: a fault injected above the SDK skips its own retries, so a steady every-other-write
 * fault would fail every attempt of a step that writes twice — throttling that never ends is an outage, not a fault.
 */
const DYNAMO_FAULT_EVERY = 2;
const DYNAMO_FAULTS = 5;
const MESSAGES = 40;

/** An SDK service error as the SDK raises it (name, HTTP status, retryable throttling). */
function serviceError(name: string, status: number): Error {
  return Object.assign(new Error(`injected ${name}`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts: 1, totalRetryDelay: 0 },
    $retryable: { throttling: true },
  });
}

/** The writes that put data in place or clean it up (a retried promote-chunk finishes a failed staging delete). */
const S3_WRITES = new Set([
  'PutObjectCommand',
  'CopyObjectCommand',
  'CreateMultipartUploadCommand',
  'DeleteObjectCommand',
]);
const DYNAMO_WRITES = new Set([
  'PutCommand',
  'UpdateCommand',
  'DeleteCommand',
  'BatchWriteCommand',
  'TransactWriteCommand',
]);

describe('the local runtime under injected storage errors and throttling', () => {
  let subject: RuntimeUnderTest;
  let api: BatchApi;
  let clients: EmulatorClients;
  /** The fault predicate of each client class while a test runs (see sdk-fault-relay.ts). */
  const faults = new Map<string, (command: RelayedCommand) => Error | undefined>();
  let stopServing: (() => void) | undefined;

  /** Makes `fault` decide, for each command a function sends with this client class, the error to throw. */
  function inject(
    type: { readonly name: string },
    fault: (command: RelayedCommand) => Error | undefined,
  ): void {
    faults.set(type.name, fault);
  }

  beforeAll(async () => {
    stopServing = serveFaults((client, command) => faults.get(client)?.(command));
    subject = await startRuntimeUnderTest({ functionPreload: [FAULT_RELAY_PRELOAD] });
    api = new BatchApi(subject.runtime.url, subject.runtime.adminKey);
    clients = createEmulatorClients(subject.runtime.endpoints);
    await api.createSchema(VISIT_SCHEMA);
    await api.createSchema(STREAM_EVENT_SCHEMA);
  });
  afterEach(() => {
    faults.clear();
  });
  afterAll(async () => {
    clients?.destroy();
    await subject?.stop();
    stopServing?.();
  });

  it('ingests a batch once, every row, while S3 answers SlowDown to each first write and DynamoDB throttles some', async () => {
    // Prepare
    const datasetId = await api.createDataset('throttled visits', VISIT_SCHEMA_ID);
    const rows = Array.from({ length: ROWS }, (_, i) => visit(`slow-${i}`, `slow-${i % 40}@example.com`));
    const batchId = await api.createBatch({ datasetId, inputFormat: { format: 'json' } });
    await api.putFile(batchId, datasetId, { path: 'visits.jsonl', bytes: jsonLines(rows) });
    const injected = { s3: 0, dynamo: 0 };
    const s3Writes = new Set<string>();
    let dynamoWrites = 0;
    inject(S3Client, (command) => {
      const write = `${command.constructor.name} ${JSON.stringify(command.input)}`;
      if (!S3_WRITES.has(command.constructor.name) || s3Writes.has(write)) return undefined;
      s3Writes.add(write);
      injected.s3 += 1;
      return serviceError('SlowDown', 503);
    });

    // Act
    const completed = await api.action(batchId, 'COMPLETE');
    inject(DynamoDBDocumentClient, (command) => {
      if (!DYNAMO_WRITES.has(command.constructor.name)) return undefined;
      dynamoWrites += 1;
      if (dynamoWrites % DYNAMO_FAULT_EVERY !== 0 || injected.dynamo >= DYNAMO_FAULTS) return undefined;
      injected.dynamo += 1;
      return serviceError('ProvisionedThroughputExceededException', 400);
    });
    const done = await api.waitForBatch(batchId);
    const storage = new BatchStorage(subject);
    const lake = await storage.lakeRows(datasetId, batchId);
    const staging = await storage.stagingKeys(datasetId);
    storage.destroy();

    // Assess
    console.info(
      `storage faults injected: ${JSON.stringify(injected)} of ${s3Writes.size} S3 and ${dynamoWrites} DynamoDB writes`,
    );
    expect(completed.status).toBe(200);
    expect(injected.s3).toBeGreaterThan(0);
    expect(injected.dynamo).toBeGreaterThan(0);
    expect(done.status).toBe('success');
    expect(done.metrics).toMatchObject({
      inputRecordCount: ROWS,
      outputRecordCount: ROWS,
      failedRecordCount: 0,
    });
    expect(multiset(lake.map((row) => String(row.record._id)))).toEqual(multiset(rows.map((row) => row._id)));
    expect(staging).toEqual([]);
    expect(await onFailureState(subject.runtime, subject.runtime.adminKey)).toEqual({
      objects: [],
      pending: [],
    });
  }, 120_000);

  it('answers 429 while the stream throttles every write, and a producer retrying lands each message once', async () => {
    // Prepare
    const datasetId = await api.createDataset('throttled stream', STREAM_EVENT_SCHEMA.schema.$id);
    const inlet = await api.send('/inlets', {
      method: 'POST',
      json: { name: 'Throttled', authenticated: false },
    });
    const inletId = String((inlet.body as { inletId: string }).inletId);
    const entities = Array.from({ length: MESSAGES }, (_, i) => ({
      _id: `throttled-${i}`,
      timestamp: '2024-06-01T10:00:00.000Z',
      email: `throttled-${i % 5}@example.com`,
    }));
    const post = (from: number, to: number) =>
      call(`${subject.runtime.url}/collection/batch/${inletId}`, {
        method: 'POST',
        body: JSON.stringify({
          messages: entities
            .slice(from, to)
            .map((entity) => envelope(datasetId, STREAM_EVENT_SCHEMA.schema.$id, entity)),
        }),
      });
    let throttleAll = true;
    let putCalls = 0;
    inject(KinesisClient, (command) => {
      if (command.constructor.name !== PutRecordsCommand.name) return undefined;
      putCalls += 1;
      // Always, then every other call: the writer's own retries get through the second phase.
      if (throttleAll || putCalls % 2 === 1)
        return serviceError('ProvisionedThroughputExceededException', 400);
      return undefined;
    });

    // Act
    const throttled = await post(0, MESSAGES / 2);
    throttleAll = false;
    const retried = await post(0, MESSAGES / 2);
    const second = await post(MESSAGES / 2, MESSAGES);
    const metrics = await drainStream(subject.runtime.url, subject.runtime.adminKey, datasetId, MESSAGES);
    const files = await readLake(
      clients.s3,
      subject.runtime.resourceVariable(ENV.lakeBucket)!,
      `lake/prod/${datasetId}/`,
    );

    // Assess
    expect(throttled.status).toBe(429);
    expect(throttled.contentType).toContain('application/problem+json');
    for (const answer of [retried, second]) {
      expect(answer.status).toBe(207);
      const responses = (answer.body as { responses: { xactionId?: string }[] }).responses;
      expect(responses.every((response) => typeof response.xactionId === 'string')).toBe(true);
    }
    const ids = files.flatMap((file) => file.rows.map((row) => String(row._id)));
    expect(multiset(ids)).toEqual(multiset(entities.map((entity) => entity._id)));
    expect(metrics).toEqual({
      inputRecordCount: MESSAGES,
      outputRecordCount: MESSAGES,
      failedRecordCount: 0,
      duplicateRecordCount: 0,
    });
    expect(await onFailureState(subject.runtime, subject.runtime.adminKey)).toEqual({
      objects: [],
      pending: [],
    });
  }, 120_000);
});
