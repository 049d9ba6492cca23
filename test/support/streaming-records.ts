/**
 * Stream records for the consumer's fault tests and benchmark: StreamMessages of an event dataset as Kinesis would
 * deliver them (one shard, increasing sequence numbers), in both the Lambda event shape the local poller's delivery
 * works on and the decoded shape the consumer core takes.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import type { StreamRecord } from '../../lambdas/core/streaming/consume-ports';
import type { StreamMessage } from '../../lambdas/core/streaming/stream-message';
import { seededRandom } from './streaming-messages';

export const TEST_SHARD = 'shardId-000000000000';
/** Kinesis sequence numbers are decimal strings of up to 56 digits that sort as numbers; padding keeps that. */
const SEQUENCE_DIGITS = 56;

export interface PlannedRecord {
  readonly message: StreamMessage;
  /** `valid`: must land in the lake once; `invalid`: in the quarantine; `duplicate`: counted, not stored again. */
  readonly fate: 'valid' | 'invalid' | 'duplicate';
}

export interface RecordOptions {
  readonly seed: number;
  readonly sandbox: string;
  readonly datasetId: string;
  readonly schemaId: string;
  readonly count: number;
  readonly people: number;
  /** One record in `invalidEvery` breaks the schema (a string where an integer belongs). */
  readonly invalidEvery: number;
  /** One record in `duplicateEvery` repeats an earlier valid record's `_id` (a producer duplicate). */
  readonly duplicateEvery: number;
  /** ISO receive time of every message (one streaming batch). */
  readonly receivedAt: string;
}

/** Event messages (the STREAM_EVENT_SCHEMA shape) with their fates, in stream order. */
export function plannedRecords(options: RecordOptions): PlannedRecord[] {
  const random = seededRandom(options.seed);
  const planned: PlannedRecord[] = [];
  for (let i = 0; i < options.count; i += 1) {
    const earlier = planned.filter((record) => record.fate === 'valid');
    const fate: PlannedRecord['fate'] =
      i > 0 && i % options.duplicateEvery === 0 && earlier.length > 0
        ? 'duplicate'
        : i % options.invalidEvery === options.invalidEvery - 1
          ? 'invalid'
          : 'valid';
    const record =
      fate === 'duplicate'
        ? earlier[Math.floor(random() * earlier.length)]!.message.record
        : {
            _id: `evt-${options.seed}-${i}`,
            timestamp: new Date(Date.UTC(2024, 5, 1) + i * 1000).toISOString(),
            email: `person${Math.floor(random() * options.people)}@example.com`,
            page: `/page/${i % 17}`,
            durationMs: fate === 'invalid' ? 'long' : Math.floor(random() * 60_000),
          };
    planned.push({
      fate,
      message: {
        v: 1,
        sandbox: options.sandbox,
        inletId: 'inlet-faults',
        datasetId: options.datasetId,
        schemaId: options.schemaId,
        messageId: `request-${options.seed}:${i}`,
        receivedAt: options.receivedAt,
        origin: 'collection',
        record,
      },
    });
  }
  return planned;
}

export const sequenceNumber = (position: number): string =>
  String(position + 1).padStart(SEQUENCE_DIGITS, '0');

/** Lambda's Kinesis event records, as the local poller hands them to a function. */
export function kinesisRecords(
  messages: readonly StreamMessage[],
  streamArn: string,
  shardId = TEST_SHARD,
): KinesisStreamRecord[] {
  return messages.map((message, position) => ({
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: String((message.record as { email?: string }).email ?? message.messageId),
      sequenceNumber: sequenceNumber(position),
      data: Buffer.from(JSON.stringify(message), 'utf8').toString('base64'),
      approximateArrivalTimestamp: new Date(message.receivedAt).getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber(position)}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/stream-consumer',
    awsRegion: 'us-east-1',
    eventSourceARN: streamArn,
  }));
}

/** What the stream consumer's handler hands the core: the payload decoded from base64. */
export function toStreamRecords(records: readonly KinesisStreamRecord[]): StreamRecord[] {
  return records.map((record) => ({
    shardId: record.eventID.slice(0, record.eventID.lastIndexOf(':')),
    sequenceNumber: record.kinesis.sequenceNumber,
    data: Buffer.from(record.kinesis.data, 'base64'),
    approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
  }));
}
