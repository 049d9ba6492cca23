/**
 * The one place where AWS SDK clients are built. Endpoints come from the SDK's own `AWS_ENDPOINT_URL_<SERVICE>`
 * variables, so the same code talks to AWS or to the local emulators.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ENV } from '../config/env-names';

let documentClient: DynamoDBDocumentClient | undefined;
let kinesisClient: KinesisClient | undefined;
let s3Client: S3Client | undefined;
let sfnClient: SFNClient | undefined;

export function dynamoDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return documentClient;
}

export function kinesis(): KinesisClient {
  // HTTP/1.1: PutRecords and GetRecords need nothing of HTTP/2, and the Kinesis emulator speaks only HTTP/1.1.
  kinesisClient ??= new KinesisClient({ requestHandler: new NodeHttpHandler() });
  return kinesisClient;
}

export function s3(): S3Client {
  s3Client ??= new S3Client({
    forcePathStyle: process.env[ENV.s3ForcePathStyle] === 'true',
    // Checksums only where S3 requires them: the emulator would store aws-chunked framing as object bytes.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return s3Client;
}

export function stepFunctions(): SFNClient {
  sfnClient ??= new SFNClient({});
  return sfnClient;
}

/** Reads a required variable, failing at start-up with its name rather than later with an undefined table. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} environment variable is not set`);
  return value;
}
