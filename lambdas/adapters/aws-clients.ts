/**
 * The one place where AWS SDK clients are built. Endpoints come from the SDK's own `AWS_ENDPOINT_URL_<SERVICE>`
 * variables, so the same code talks to AWS or to the local emulators.
 */
import { createHash } from 'node:crypto';
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
import { SourceError } from '../core/connections/connection-types';
import type { S3SourceGrant } from '../core/connections/source-access';
import { sessionPolicyOf } from '../core/connections/source-session-policy';

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
 * S3 clients of granted sources, one per sandbox session (its rules), region and role: a warm function serving many
 * runs of the same sandbox reuses them and their assumed-role credentials. Bounded, oldest dropped first, as any
 * number of sandboxes and connections may pass through one container.
 */
const sourceS3Clients = new Map<string, S3Client>();
const MAX_SOURCE_S3_CLIENTS = 32;
/**
 * One hour: the most STS gives a chained role session (the function's own credentials are a role session already),
 * and far beyond a slice's 15 minutes; the SDK refreshes before expiry.
 */
const SOURCE_ROLE_SESSION_SECONDS = 3600;
/** STS's longest RoleSessionName; a session is named for its sandbox in the bucket owner's CloudTrail. */
const MAX_ROLE_SESSION_NAME = 64;

interface RoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

type CredentialsProvider = () => Promise<RoleCredentials>;

interface RoleSession {
  readonly roleArn: string;
  readonly sandbox: string;
  /** The inline session policy that limits the session. */
  readonly policy?: string;
  /** The confused-deputy guard a cross-account role's trust policy checks. */
  readonly externalId?: string;
  /** What the assumption failing means, for the error's message. */
  readonly advice: string;
}

/** A credentials provider; the client memoizes what it gives until shortly before `expiration`. */
function assumedRole(sts: STSClient, session: RoleSession): CredentialsProvider {
  return async () => {
    try {
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: session.roleArn,
          RoleSessionName: `tributary-${session.sandbox}`.slice(0, MAX_ROLE_SESSION_NAME),
          DurationSeconds: SOURCE_ROLE_SESSION_SECONDS,
          ...(session.policy !== undefined ? { Policy: session.policy } : {}),
          ...(session.externalId !== undefined ? { ExternalId: session.externalId } : {}),
        }),
      );
      const credentials = out.Credentials;
      if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
        throw new SourceError(
          'assume-role-failed',
          `assuming role ${session.roleArn} gave no credentials`,
          true,
        );
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
        `could not assume role ${session.roleArn} (${name}); ${session.advice}`,
        status === undefined || status >= 500,
      );
    }
  };
}

/**
 * The credentials a grant reads with: the deployment's source-reader role, assumed for the sandbox with the session
 * policy of its rules, and for a cross-account source the connection's role, assumed from that session with the
 * sandbox's ExternalId. Never the function's own credentials, which cannot read sources.
 */
function grantCredentials(grant: S3SourceGrant): CredentialsProvider {
  stsClient ??= new STSClient({});
  const readerArn = requiredEnv(ENV.sourceReaderRole);
  const reader = assumedRole(stsClient, {
    roleArn: readerArn,
    sandbox: grant.sandbox,
    policy: sessionPolicyOf(grant.rules, grant.partition),
    advice: "the deployment's source-reader role must trust this function's role",
  });
  if (grant.role === undefined) return reader;
  return assumedRole(new STSClient({ credentials: reader }), {
    roleArn: grant.role.arn,
    sandbox: grant.sandbox,
    externalId: grant.role.externalId,
    advice:
      `its trust policy must let ${readerArn} assume it with the sandbox's ExternalId ` +
      `(GET /sandboxes/${grant.sandbox}/source-access)`,
  });
}

const grantKey = (grant: S3SourceGrant) =>
  createHash('sha256')
    .update(JSON.stringify([grant.sandbox, grant.region, grant.role, grant.partition, grant.rules]))
    .digest('hex');

/**
 * An S3 client for a granted source: in the bucket's region (S3 also follows a wrong-region redirect), with the
 * grant's credentials (the local runtime serves STS and checks the session as IAM does).
 */
export function sourceS3(grant: S3SourceGrant): S3Client {
  const key = grantKey(grant);
  let client = sourceS3Clients.get(key);
  if (!client) {
    client = new S3Client({
      ...s3Options(),
      ...(grant.region !== undefined ? { region: grant.region } : {}),
      credentials: grantCredentials(grant),
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
