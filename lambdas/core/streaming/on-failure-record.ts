/**
 * What Lambda writes to an Amazon S3 on-failure destination when a Kinesis event source mapping gives up on records
 * (retries or record age exhausted): one JSON object per discarded batch, holding the invocation metadata and the
 * whole invocation event — every record's data — under `payload` (only S3 destinations carry the payload). Its key:
 * `aws/lambda/<mapping UUID>/<shardId>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>`.
 * The local runtime writes exactly this (local/kinesis), and the on-failure recorder and the redrive read it.
 */
import { decodeStreamMessage } from './consume-decode';
import type { StreamMessage } from './stream-message';

/** Every object Lambda writes to an S3 on-failure destination starts with this. */
export const ON_FAILURE_PREFIX = 'aws/lambda/';

export type OnFailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/** A record of the invocation event, as much of Lambda's Kinesis event record as a redrive reads. */
export interface PayloadRecord {
  readonly kinesis: {
    readonly partitionKey: string;
    readonly sequenceNumber: string;
    /** Base64. */
    readonly data: string;
    readonly approximateArrivalTimestamp: number;
  };
  readonly eventID: string;
}

export interface OnFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: OnFailureCondition;
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError?: string;
  };
  readonly version: '1.0';
  /** ISO 8601, milliseconds, UTC. */
  readonly timestamp: string;
  readonly KinesisBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly approximateArrivalOfFirstRecord: string;
    readonly approximateArrivalOfLastRecord: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
  /** The invocation event itself (an object, not its JSON text). */
  readonly payload: { readonly Records: readonly PayloadRecord[] };
}

/** Lambda's key for an on-failure object (the time is the failure's, UTC). */
export function onFailureObjectKey(mappingId: string, shardId: string, at: Date, uuid: string): string {
  const iso = at.toISOString();
  const day = iso.slice(0, 10).replaceAll('-', '/');
  return `${ON_FAILURE_PREFIX}${mappingId}/${shardId}/${day}/${iso.slice(0, 19).replaceAll(':', '.')}-${uuid}`;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The object's record, or why it is not one Lambda wrote. */
export function parseOnFailureRecord(text: string): OnFailureRecord | { readonly invalid: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { invalid: 'not JSON' };
  }
  if (!isObject(parsed) || !isObject(parsed['KinesisBatchInfo']))
    return { invalid: 'no KinesisBatchInfo: not a Kinesis invocation record' };
  const payload = parsed['payload'];
  if (!isObject(payload) || !Array.isArray(payload['Records']))
    return { invalid: 'no payload.Records: the destination is not S3, or the record was cut' };
  return parsed as unknown as OnFailureRecord;
}

/** One record Lambda gave up on, as the redrive needs it. */
export interface GivenUpRecord {
  /** The sandbox it belongs to: the message's, or the one an undecodable record names, else none. */
  readonly sandbox?: string;
  readonly datasetId?: string;
  readonly message?: StreamMessage;
  /** The record's bytes as they were on the stream. */
  readonly data: Buffer;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
}

export function givenUpRecords(record: OnFailureRecord): GivenUpRecord[] {
  return record.payload.Records.map((source) => {
    const data = Buffer.from(source.kinesis.data, 'base64');
    const decoded = decodeStreamMessage(data);
    const common = {
      data,
      partitionKey: source.kinesis.partitionKey,
      sequenceNumber: source.kinesis.sequenceNumber,
    };
    if (decoded.ok) {
      const { message } = decoded;
      return { ...common, sandbox: message.sandbox, datasetId: message.datasetId, message };
    }
    return { ...common, ...(decoded.sandbox === undefined ? {} : { sandbox: decoded.sandbox }) };
  });
}

/**
 * How long on-failure objects (and their ledger entries) are kept when nobody redrives them: as long as the
 * quarantine keeps failed records, for the same reason — after a quarter nobody replays them, and they are PII.
 */
export const ON_FAILURE_RETENTION_DAYS = 90;
