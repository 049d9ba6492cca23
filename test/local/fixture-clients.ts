/** SDK clients for tests that look behind the API of a fixture runtime. */
import { KinesisClient, ListStreamsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamEvent } from 'aws-lambda';
import { LOCAL_REGION } from '../../local/emulators';
import type { RunningRuntime } from '../../local/runtime';
import { recorder } from '../fixtures/handlers/recorder';

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export function fixtureClients(runtime: RunningRuntime) {
  return {
    kinesis: new KinesisClient({
      region: LOCAL_REGION,
      credentials,
      endpoint: runtime.endpoints.kinesis,
      requestHandler: new NodeHttpHandler(),
    }),
    s3: new S3Client({
      region: LOCAL_REGION,
      credentials,
      endpoint: runtime.endpoints.s3,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    // StartSyncExecution has a host prefix ("sync-") that a local endpoint cannot honour.
    sfn: new SFNClient({
      region: LOCAL_REGION,
      credentials,
      endpoint: runtime.endpoints.sfn,
      disableHostPrefix: true,
    }),
  };
}

export async function streamNamed(kinesis: KinesisClient, prefix: string): Promise<string> {
  const { StreamNames = [] } = await kinesis.send(new ListStreamsCommand({}));
  const name = StreamNames.find((candidate) => candidate.startsWith(prefix));
  if (!name) throw new Error(`no stream starting with ${prefix} in ${StreamNames.join(', ')}`);
  return name;
}

export async function putFixtureRecords(
  kinesis: KinesisClient,
  streamName: string,
  records: readonly object[],
): Promise<string[]> {
  const result = await kinesis.send(
    new PutRecordsCommand({
      StreamName: streamName,
      Records: records.map((record) => ({
        PartitionKey: 'one-shard',
        Data: Buffer.from(JSON.stringify(record)),
      })),
    }),
  );
  return (result.Records ?? []).map((record) => record.SequenceNumber ?? '');
}

/** The record ids of every batch the fixture consumer received from the stream, in order. */
export function batchesFrom(streamName: string): string[][] {
  return recorder()
    .calls.filter((call) => call.fn === 'stream-consumer')
    .map((call) => (call.event as KinesisStreamEvent).Records)
    .filter((records) => records[0]?.eventSourceARN.endsWith(`/${streamName}`))
    .map((records) =>
      records.map(
        (record) => (JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString()) as { id: string }).id,
      ),
    );
}

export type FixtureClients = ReturnType<typeof fixtureClients>;
