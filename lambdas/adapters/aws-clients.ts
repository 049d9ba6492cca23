/**
 * The one place where AWS SDK clients are built. Endpoints come from the SDK's own `AWS_ENDPOINT_URL_<SERVICE>`
 * variables, so the same code talks to AWS or to the local emulators.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ENV } from '../config/env-names';
import { SourceError, type S3SourceParams } from '../core/connections/connection-types';

let documentClient: DynamoDBDocumentClient | undefined;
let kinesisClient: KinesisClient | undefined;
let s3Client: S3Client | undefined;
let sfnClient: SFNClient | undefined;
let secretsManagerClient: SecretsManagerClient | undefined;
let eventBridgeClient: EventBridgeClient | undefined;
let stsClient: STSClient | undefined;

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

const s3Options = () => ({
  forcePathStyle: process.env[ENV.s3ForcePathStyle] === 'true',
  // Checksums only where S3 requires them: the emulator would store aws-chunked framing as object bytes.
  requestChecksumCalculation: 'WHEN_REQUIRED' as const,
  responseChecksumValidation: 'WHEN_REQUIRED' as const,
});

export function s3(): S3Client {
  s3Client ??= new S3Client(s3Options());
  return s3Client;
}

/**
 * S3 clients of source connections, one per (region, role): a warm function serving many runs of the same
 * connections reuses them and their assumed-role credentials. Bounded, oldest dropped first, as any number of
 * connections may pass through one container.
 */
const sourceS3Clients = new Map<string, S3Client>();
const MAX_SOURCE_S3_CLIENTS = 32;
/** Names the sessions in the bucket owner's CloudTrail, so they can tell our reads apart. */
const SOURCE_ROLE_SESSION_NAME = 'tributary-source';
/** One hour, STS's default and the most a role allows unless its owner raised it; the SDK refreshes before expiry. */
const SOURCE_ROLE_SESSION_SECONDS = 3600;

/** The local runtime points S3 at an emulator and has no STS: a role there could only fail, later and obscurely. */
const hasNoSts = () =>
  process.env.AWS_ENDPOINT_URL_S3 !== undefined && process.env.AWS_ENDPOINT_URL_STS === undefined;

interface RoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** A credentials provider; the client memoizes what it gives until shortly before `expiration`. */
function assumedRole(roleArn: string): () => Promise<RoleCredentials> {
  return async () => {
    stsClient ??= new STSClient({});
    try {
      const out = await stsClient.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: SOURCE_ROLE_SESSION_NAME,
          DurationSeconds: SOURCE_ROLE_SESSION_SECONDS,
        }),
      );
      const credentials = out.Credentials;
      if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
        throw new SourceError('assume-role-failed', `assuming role ${roleArn} gave no credentials`, true);
      }
      return {
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretAccessKey,
        ...(credentials.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
        ...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
      };
    } catch (error) {
      if (error instanceof SourceError) throw error;
      const name = error instanceof Error ? error.name : 'an unknown error';
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      throw new SourceError(
        'assume-role-failed',
        `could not assume role ${roleArn} (${name}); its trust policy must let this deployment's functions assume it`,
        status === undefined || status >= 500,
      );
    }
  };
}

/**
 * An S3 client for a source connection: in the bucket's region (S3 also follows a wrong-region redirect), with the
 * credentials of the connection's role when it names one (cross-account reads), else the function's own.
 */
export function sourceS3(params: Pick<S3SourceParams, 'region' | 'roleArn'>): S3Client {
  if (params.region === undefined && params.roleArn === undefined) return s3();
  if (params.roleArn !== undefined && hasNoSts()) {
    throw new SourceError(
      'role-not-supported',
      "this runtime has no STS to assume the connection's roleArn with; remove roleArn to read with its own credentials",
      false,
    );
  }
  const key = `${params.region ?? ''}|${params.roleArn ?? ''}`;
  let client = sourceS3Clients.get(key);
  if (!client) {
    client = new S3Client({
      ...s3Options(),
      ...(params.region !== undefined ? { region: params.region } : {}),
      ...(params.roleArn !== undefined ? { credentials: assumedRole(params.roleArn) } : {}),
      followRegionRedirects: true,
    });
    // Dropped, not destroyed: a request still in flight on it (the local runtime serves many at once) finishes.
    const oldest = sourceS3Clients.keys().next().value;
    if (sourceS3Clients.size >= MAX_SOURCE_S3_CLIENTS && oldest !== undefined) sourceS3Clients.delete(oldest);
    sourceS3Clients.set(key, client);
  }
  return client;
}

export function secretsManager(): SecretsManagerClient {
  secretsManagerClient ??= new SecretsManagerClient({});
  return secretsManagerClient;
}

export function eventBridge(): EventBridgeClient {
  eventBridgeClient ??= new EventBridgeClient({});
  return eventBridgeClient;
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
