/**
 * SDK clients of the runtime itself (provisioning, polling, notifications), pointed at the emulators explicitly
 * rather than through the environment, so they never depend on what the handlers' environment holds.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_REGION, type EmulatorEndpoints } from './emulators';

/** The emulators accept any credentials but S3's, which wants its own; they work everywhere. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface EmulatorClients {
  readonly dynamodb: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  destroy(): void;
}

export function createEmulatorClients(endpoints: EmulatorEndpoints): EmulatorClients {
  const common = { region: LOCAL_REGION, credentials: CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...common, endpoint: endpoints.dynamodb });
  // The Kinesis emulator speaks HTTP/1.1 only; the SDK's default HTTP/2 handler fails with "Protocol error".
  const kinesis = new KinesisClient({
    ...common,
    endpoint: endpoints.kinesis,
    requestHandler: new NodeHttpHandler(),
  });
  const s3 = new S3Client({
    ...common,
    endpoint: endpoints.s3,
    forcePathStyle: true,
    // Streamed uploads would otherwise be stored with their aws-chunked framing.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const documents = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    dynamodb,
    documents,
    kinesis,
    s3,
    destroy() {
      dynamodb.destroy();
      kinesis.destroy();
      s3.destroy();
    },
  };
}
