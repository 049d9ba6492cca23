/**
 * The on-failure destination on the local runtime: an object Lambda writes when it gives up on stream records (here
 * written as the runtime's event source mapping writes it, holding records of two sandboxes) is counted — a metric
 * line, and a part per sandbox in `GET /streaming/failures` — and each sandbox's admin redrives its own part only;
 * once both did, the object is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/env-names';
import { METRICS } from '../../lambdas/config/metric-names';
import type { StreamMessage } from '../../lambdas/core/streaming/stream-message';
import { createEmulatorClients, type EmulatorClients } from '../../local/emulator-clients';
import type { KinesisEventSourceMapping } from '../../local/kinesis/event-source-mapping';
import { writeOnFailureObject } from '../../local/kinesis/on-failure-destination';
import { eventually } from '../support/batch-api';
import { captureOutput } from '../support/captured-output';
import { listKeys, readLake } from '../support/streaming-lake';
import { STREAM_EVENT_SCHEMA } from '../support/streaming-messages';
import { kinesisRecords } from '../support/streaming-records';
import { call, startRuntimeUnderTest, type HttpAnswer, type RuntimeUnderTest } from './local-runtime';

const SANDBOXES = ['prod', 'redrive-other'] as const;
const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/given-up';

interface Failure {
  id: string;
  records: number;
  status: string;
}

describe('the on-failure destination on the local runtime: counted, redriven per sandbox, then removed', () => {
  let subject: RuntimeUnderTest;
  let clients: EmulatorClients;
  let output: ReturnType<typeof captureOutput>;
  const admins = new Map<string, string>();
  const datasets = new Map<string, string>();

  const as = (sandbox: string, method: string, path: string, body?: unknown): Promise<HttpAnswer> =>
    call(`${subject.runtime.url}${path}`, {
      method,
      key: admins.get(sandbox)!,
      headers: { 'x-sandbox-name': sandbox },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const failures = async (sandbox: string) =>
    ((await as(sandbox, 'GET', '/streaming/failures')).body as { items: Failure[] }).items;
  const quarantineBucket = () => subject.runtime.resourceVariable(ENV.quarantineBucket)!;

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    clients = createEmulatorClients(subject.runtime.endpoints);
    const platform = subject.runtime.adminKey;
    for (const sandbox of SANDBOXES) {
      const headers = { 'x-sandbox-name': sandbox };
      const post = async (path: string, body: unknown) => {
        const answer = await call(`${subject.runtime.url}${path}`, {
          method: 'POST',
          key: platform,
          body: JSON.stringify(body),
          headers,
        });
        expect(answer.status, JSON.stringify(answer.body)).toBe(201);
        return answer.body as Record<string, string>;
      };
      if (sandbox !== 'prod') await post('/sandboxes', { name: sandbox });
      await post('/schemas', STREAM_EVENT_SCHEMA);
      const dataset = await post('/datasets', { name: 'given up', schemaId: STREAM_EVENT_SCHEMA.schema.$id });
      datasets.set(sandbox, dataset.id!);
      admins.set(sandbox, (await post('/api-keys', { name: 'admin', scopes: ['admin'], sandbox })).key!);
    }
  });
  afterAll(async () => {
    output?.restore();
    clients?.destroy();
    await subject?.stop();
  });

  it('counts a given-up object, lets each sandbox redrive only its records, and deletes the object after both', async () => {
    // Prepare: Lambda gave up on a batch holding two records of prod and one of the other sandbox
    const message = (sandbox: string, id: string): StreamMessage => ({
      v: 1,
      sandbox,
      inletId: 'given-up-inlet',
      datasetId: datasets.get(sandbox)!,
      schemaId: STREAM_EVENT_SCHEMA.schema.$id,
      messageId: `1717236000000:${id}`,
      receivedAt: '2024-06-01T10:00:00.000Z',
      origin: 'collection',
      record: { _id: id, timestamp: '2024-06-01T10:00:00.000Z', email: `${id}@example.com` },
    });
    const records = kinesisRecords(
      [message('prod', 'p-1'), message('redrive-other', 'o-1'), message('prod', 'p-2')],
      STREAM_ARN,
      'shardId-000000000002',
    );
    const mapping = {
      id: 'e2e-given-up',
      stream: { arn: STREAM_ARN },
      onFailureDestination: `arn:aws:s3:::${quarantineBucket()}`,
    } as KinesisEventSourceMapping;
    output = captureOutput();

    // Act: the object lands; the recorder counts it; each sandbox's admin looks and redrives
    const key = await writeOnFailureObject(clients.s3, {
      mapping,
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:consumer',
      shardId: 'shardId-000000000002',
      records,
      condition: 'RetryAttemptsExhausted',
      attempts: 3,
      error: new Error('crash'),
    });
    const counted = await eventually(
      () => failures('prod'),
      (items) => items.length > 0,
    );
    const other = await failures('redrive-other');
    const redrive = await as('prod', 'POST', '/streaming/redrive', {});
    const lake = await eventually(
      () =>
        readLake(
          clients.s3,
          subject.runtime.resourceVariable(ENV.lakeBucket)!,
          `lake/prod/${datasets.get('prod')}/`,
        ),
      (files) => files.flatMap((file) => file.rows).length >= 2,
    );
    const keptForTheOther = await listKeys(clients.s3, quarantineBucket(), 'aws/lambda/');
    const refused = await as('prod', 'POST', '/streaming/redrive', { objects: [key] });
    const otherRedrive = await as('redrive-other', 'POST', '/streaming/redrive', {});
    const left = await listKeys(clients.s3, quarantineBucket(), 'aws/lambda/');

    // Assess: counted (a metric line for CloudWatch, a part per sandbox for the API)
    expect(output.text()).toContain(`"${METRICS.onFailureObjects}":1`);
    expect(output.text()).toContain(`"${METRICS.onFailureRecords}":3`);
    expect(counted).toEqual([expect.objectContaining({ id: key, records: 2, status: 'pending' })]);
    expect(other).toEqual([expect.objectContaining({ id: key, records: 1, status: 'pending' })]);
    // Redriven with their ids, prod's two only; the object stays for the other sandbox's part
    expect(redrive.status).toBe(202);
    expect(redrive.body).toMatchObject({ redriven: 1, messages: 2, remaining: 0 });
    expect(lake.flatMap((file) => file.rows.map((row) => String(row._id))).sort()).toEqual(['p-1', 'p-2']);
    expect(keptForTheOther).toEqual([key]);
    expect(refused.status).toBe(400);
    expect(otherRedrive.body).toMatchObject({ redriven: 1, messages: 1 });
    expect(left).toEqual([]);
    expect(await failures('prod')).toEqual([expect.objectContaining({ status: 'redriven' })]);
  });
});
