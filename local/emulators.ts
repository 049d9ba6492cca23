/**
 * The wire-protocol emulators, in this process: DynamoDB (dynalite), Kinesis (kinesalite) and S3 (s3rver, with
 * object versions kept for its versioned buckets: s3-versions.ts). With a data directory they persist on disk
 * (LevelDB and plain files); without one they live in memory (S3 then uses temporary folders removed on stop).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';
import S3rver from 's3rver';
import { dynamoDbAccessRequests } from './iam/actions/dynamodb';
import { kinesisAccessRequests } from './iam/actions/kinesis';
import { createJsonAccessGate } from './iam/json-access-gate';
import { checkS3Access } from './iam/s3-access-check';
import type { RoleAccess } from './iam/role-access';
import { checkPresignedSignatures } from './s3-presigned-urls';
import { LOCAL_ACCOUNT, LOCAL_PARTITION } from './template/cloudformation';
import { keepObjectVersions } from './s3-versions';

export interface EmulatorEndpoints {
  readonly dynamodb: string;
  readonly kinesis: string;
  readonly s3: string;
}

export interface RunningEmulators {
  /** What the handlers are given: the checking fronts when access is checked. */
  readonly endpoints: EmulatorEndpoints;
  /** The emulators themselves, for the runtime's own clients, which no role restricts. */
  readonly direct: EmulatorEndpoints;
  /** Emits S3-notification-shaped events for every object written or removed. */
  readonly s3Server: S3rver;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** Persist under this folder; in memory when absent. */
  readonly dataDir?: string;
  readonly host?: string;
  /** Listen on these ports (0 or absent: a free port), so a restart can keep the endpoints clients already hold. */
  readonly ports?: Partial<Record<keyof EmulatorEndpoints, number>>;
  /**
   * Checks each call signed by a function against its role: the endpoints are then checking fronts (on the
   * requested ports) before the emulators (on free ones).
   */
  readonly access?: RoleAccess;
  /** The KMS keys of encrypted buckets (by name) and streams (by ARN), whose use the access checks require. */
  readonly encryptionKeys?: EncryptionKeys;
}

export interface EncryptionKeys {
  readonly buckets: ReadonlyMap<string, string>;
  readonly streams: ReadonlyMap<string, string>;
}

/** Creation and deletion are instant locally: the emulators' default 500 ms delays only slow start-up. */
const INSTANT_MS = 0;

const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

async function listen(server: Server, host: string, requestedPort = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(requestedPort, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `http://${host}:${port}`;
}

async function close(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function startEmulators(options: EmulatorOptions = {}): Promise<RunningEmulators> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = options.dataDir;
  const dirs = dataDir
    ? {
        dynamodb: join(dataDir, 'dynamodb'),
        kinesis: join(dataDir, 'kinesis'),
        s3: join(dataDir, 's3'),
        s3Versions: join(dataDir, 's3-versions'),
      }
    : undefined;
  if (dirs) for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const s3Dir = dirs?.s3 ?? mkdtempSync(join(tmpdir(), 'tributary-s3-'));
  const s3VersionsDir = dirs?.s3Versions ?? mkdtempSync(join(tmpdir(), 'tributary-s3-versions-'));

  const dynamoServer: Server = dynalite({
    path: dirs?.dynamodb,
    createTableMs: INSTANT_MS,
    deleteTableMs: INSTANT_MS,
    updateTableMs: INSTANT_MS,
  });
  const kinesisServer: Server = kinesalite({
    path: dirs?.kinesis,
    createStreamMs: INSTANT_MS,
    deleteStreamMs: INSTANT_MS,
    updateStreamMs: INSTANT_MS,
    shardLimit: 100,
  });
  const s3Server = new S3rver({
    port: options.ports?.s3 ?? 0,
    address: host,
    directory: s3Dir,
    silent: true,
  });
  // Signatures first: a request S3 would refuse never reaches the versions.
  const signingSecrets = new Map([
    [S3_CREDENTIALS.accessKeyId, S3_CREDENTIALS.secretAccessKey],
    ...(options.access?.secrets() ?? []),
  ]);
  // Role sessions are handed out while the runtime runs: their URLs are checked as the functions' are.
  options.access?.onNewKey((accessKeyId, secret) => signingSecrets.set(accessKeyId, secret));
  checkPresignedSignatures(s3Server, signingSecrets);
  if (options.access)
    await checkS3Access(s3Server, options.access, (bucket) => options.encryptionKeys?.buckets.get(bucket));
  const versions = keepObjectVersions(s3Server, s3VersionsDir);

  const access = options.access;
  const scope = { partition: LOCAL_PARTITION, region: LOCAL_REGION, account: LOCAL_ACCOUNT };
  const [dynamoEmulator, kinesisEmulator, s3Address] = await Promise.all([
    listen(dynamoServer, host, access ? 0 : options.ports?.dynamodb),
    listen(kinesisServer, host, access ? 0 : options.ports?.kinesis),
    s3Server.run(),
  ]);
  const gates = access
    ? {
        dynamodb: createJsonAccessGate({
          target: dynamoEmulator,
          access,
          accessDeniedType: 'com.amazonaws.dynamodb.v20120810#AccessDeniedException',
          contentType: 'application/x-amz-json-1.0',
          requestsOf: (target, input) => dynamoDbAccessRequests(scope, target, input),
        }),
        kinesis: createJsonAccessGate({
          target: kinesisEmulator,
          access,
          accessDeniedType: 'AccessDeniedException',
          contentType: 'application/x-amz-json-1.1',
          requestsOf: (target, input) =>
            kinesisAccessRequests(scope, target, input, (stream) =>
              options.encryptionKeys?.streams.get(stream),
            ),
        }),
      }
    : undefined;
  const [dynamodb, kinesis] = gates
    ? await Promise.all([
        listen(gates.dynamodb.server, host, options.ports?.dynamodb),
        listen(gates.kinesis.server, host, options.ports?.kinesis),
      ])
    : [dynamoEmulator, kinesisEmulator];

  const s3 = `http://${host}:${s3Address.port}`;
  return {
    endpoints: { dynamodb, kinesis, s3 },
    direct: { dynamodb: dynamoEmulator, kinesis: kinesisEmulator, s3 },
    s3Server,
    async stop() {
      await versions.drain();
      gates?.dynamodb.destroy();
      gates?.kinesis.destroy();
      await Promise.all([
        close(dynamoServer),
        close(kinesisServer),
        s3Server.close(),
        ...(gates ? [close(gates.dynamodb.server), close(gates.kinesis.server)] : []),
      ]);
      if (!dirs) {
        rmSync(s3Dir, { recursive: true, force: true });
        rmSync(s3VersionsDir, { recursive: true, force: true });
      }
    },
  };
}

/** Environment that points the AWS SDK at the emulators (the SDK reads these when a client is built). */
export function emulatorEnvironment(endpoints: EmulatorEndpoints): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_KINESIS: endpoints.kinesis,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    S3_FORCE_PATH_STYLE: 'true',
  };
}
