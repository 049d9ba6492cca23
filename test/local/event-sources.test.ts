import {
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { recorder } from '../fixtures/handlers/recorder';
import { eventually } from './eventually';
import { batchesFrom, putFixtureRecords, streamNamed } from './fixture-clients';
import { useFixtureRuntime } from './fixture-runtime';

describe('event sources wired from the fixture template', () => {
  const fixture = useFixtureRuntime();

  it('retries a partially failed batch from the first failed record', async () => {
    // Prepare
    const stream = await streamNamed(fixture.clients.kinesis, 'fixture-storage-orderedstream');

    // Act
    await putFixtureRecords(fixture.clients.kinesis, stream, [
      { id: 'o1' },
      { id: 'o2', failTimes: 1, failKind: 'partial' },
      { id: 'o3' },
    ]);
    const batches = await eventually(
      () => (batchesFrom(stream).length >= 2 ? batchesFrom(stream) : undefined),
      'the retried tail',
    );

    // Assess
    expect(batches).toEqual([
      ['o1', 'o2', 'o3'],
      ['o2', 'o3'],
    ]);
  });

  it("delivers a shard's records in sequence order across batches, each once", async () => {
    // Prepare
    const stream = await streamNamed(fixture.clients.kinesis, 'fixture-storage-orderedstream');
    const ids = Array.from({ length: 40 }, (_, index) => `seq-${index}`);

    // Act: two puts, so the records arrive as several batches
    await putFixtureRecords(
      fixture.clients.kinesis,
      stream,
      ids.slice(0, 20).map((id) => ({ id })),
    );
    await putFixtureRecords(
      fixture.clients.kinesis,
      stream,
      ids.slice(20).map((id) => ({ id })),
    );
    const delivered = await eventually(() => {
      const seen = batchesFrom(stream)
        .flat()
        .filter((id) => id.startsWith('seq-'));
      return seen.length >= ids.length ? seen : undefined;
    }, 'every record');

    // Assess
    expect(delivered).toEqual(ids);
  });

  it('bisects a failing batch, retries the poison record a bounded number of times, then records it on S3', async () => {
    // Prepare
    const stream = await streamNamed(fixture.clients.kinesis, 'fixture-storage-poisonstream');

    // Act
    const sequenceNumbers = await putFixtureRecords(fixture.clients.kinesis, stream, [
      { id: 'p1' },
      { id: 'p2', failTimes: 99, failKind: 'throw' },
      { id: 'p3' },
      { id: 'p4' },
    ]);
    const batches = await eventually(() => {
      const seen = batchesFrom(stream);
      return seen.some((batch) => batch.join() === 'p3,p4') ? seen : undefined;
    }, 'the records after the poison one');
    const failureBucket = await bucketNamed('fixture-storage-failures');
    const listed = await eventually(async () => {
      const bucket =
        (await fixture.clients.s3.send(new ListObjectsV2Command({ Bucket: failureBucket }))).Contents ?? [];
      return bucket.length > 0 ? bucket : undefined;
    }, 'the on-failure record');

    // Assess
    expect(batches).toEqual([['p1', 'p2', 'p3', 'p4'], ['p1', 'p2'], ['p1'], ['p2'], ['p2'], ['p3', 'p4']]);
    expect(listed).toHaveLength(1);
    const object = await fixture.clients.s3.send(
      new GetObjectCommand({ Bucket: failureBucket, Key: listed[0]?.Key }),
    );
    const failure = JSON.parse((await object.Body?.transformToString()) ?? '{}') as Record<
      string,
      Record<string, unknown>
    >;
    expect(failure['requestContext']).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 2,
    });
    expect(failure['KinesisBatchInfo']).toMatchObject({
      startSequenceNumber: sequenceNumbers[1],
      endSequenceNumber: sequenceNumbers[1],
      batchSize: 1,
      streamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`,
    });
    expect(listed[0]?.Key).toMatch(
      /^aws\/lambda\/[0-9a-f-]{36}\/shardId-\d+\/\d{4}\/\d{2}\/\d{2}\/\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}-[0-9a-f-]{36}$/,
    );
    // As Lambda writes it to S3: the whole invocation event as an object, every record's data in it.
    const payload = failure['payload'] as unknown as {
      Records: { kinesis: { sequenceNumber: string; partitionKey: string; data: string } }[];
    };
    expect(payload.Records.map((record) => record.kinesis.sequenceNumber)).toEqual([sequenceNumbers[1]]);
    expect(payload.Records[0]?.kinesis.partitionKey).toBe('one-shard');
    expect(
      JSON.parse(Buffer.from(payload.Records[0]?.kinesis.data ?? '', 'base64').toString()),
    ).toMatchObject({
      id: 'p2',
    });
  });

  it('delivers S3 notifications that pass the prefix filter, with keys URL-encoded, retrying failed deliveries', async () => {
    // Prepare
    const bucket = await bucketNamed('fixture-storage-landing');

    // Act
    await fixture.clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'other/skipped.json', Body: '{}' }),
    );
    await fixture.clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'landing/a b.json', Body: '{}' }),
    );
    await fixture.clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'landing/flaky.json', Body: '{}' }),
    );
    const keys = await eventually(() => {
      const seen = recorder()
        .calls.filter((call) => call.fn === 'object-listener')
        .map((call) => (call.event as S3Event).Records[0]);
      return seen.filter((record) => record?.s3.object.key === 'landing/flaky.json').length >= 2
        ? seen
        : undefined;
    }, 'the notifications');

    // Assess
    expect(keys.map((record) => record?.s3.object.key).sort()).toEqual([
      'landing/a+b.json',
      'landing/flaky.json',
      'landing/flaky.json',
    ]);
    expect(keys[0]).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` } },
    });
  });

  async function bucketNamed(prefix: string): Promise<string> {
    const { Buckets = [] } = await fixture.clients.s3.send(new ListBucketsCommand({}));
    const name = Buckets.map((b) => b.Name ?? '').find((candidate) => candidate.startsWith(prefix));
    if (!name) throw new Error(`no bucket starting with ${prefix}`);
    return name;
  }
});
