/**
 * The local runtime: synthesizes the CDK app, starts the emulators, creates the template's tables, streams and
 * buckets, runs the template's functions each in its own worker thread with its own environment, and serves the
 * REST API; Kinesis event source mappings, S3 notifications, state machines and Scheduler schedules are wired from
 * the same template, and Secrets Manager and EventBridge PutEvents answer on one local endpoint.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { ENV } from '../lambdas/config/env-names';
import type { SourceAccess } from '../lib/constructs/source-access';
import { resolveAdminKey, type AdminKeySource } from './admin-key';
import { lockDataDir } from './data-dir-lock';
import { createEmulatorClients } from './emulator-clients';
import { emulatorEnvironment, startEmulators, type EmulatorEndpoints } from './emulators';
import { createApiServer } from './http/api-server';
import { readRestApis } from './http/rest-api';
import { readWebAcls } from './http/web-acl';
import { FunctionHost } from './lambda/function-host';
import { RoleAccess } from './iam/role-access';
import { readFunctionRoles, readRoles } from './iam/role-policies';
import { startSecurityTokenService } from './iam/security-token-service';
import { readFunctions, type LocalFunction } from './lambda/local-function';
import { provisionResources, readResources } from './resources';
import { createRuntimeLog } from './runtime-log';
import { TemplateResolver } from './template/intrinsics';
import { synthesizeTemplates, type AppFactory } from './template/synthesize';
import { ensurePlatformKey } from '../lambdas/core/api-keys/api-keys';
import { DynamoApiKeyStore } from '../lambdas/adapters/dynamo-api-key-store';
import { startKinesisPollers } from './kinesis/event-source-poller';
import { readEventSourceMappings } from './kinesis/event-source-mapping';
import { startS3Notifications } from './s3-notifications';
import { startStepFunctions } from './step-functions/step-functions-service';
import { readSchedules } from './scheduler/schedules';
import { startSchedules } from './scheduler/schedule-runner';
import {
  secretsAndEventsEnvironment,
  startSecretsAndEvents,
} from './secrets-and-events/secrets-and-events-service';
import { readTemplateSecrets } from './secrets-and-events/template-secrets';

export const DEFAULT_PORT = 4100;
export const DEFAULT_DATA_DIR = '.tributary';
/** Under the data directory: each function's own writable directory (its `/tmp`), named after the function. */
const FUNCTION_TMP_DIR = 'function-tmp';
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface RuntimeOptions {
  /** 0 picks a free port. @default 4100 */
  readonly port?: number;
  /** @default `.tributary` in the working directory */
  readonly dataDir?: string;
  /** The bootstrap admin key; else the saved one, else a generated one. */
  readonly adminKey?: string;
  /** Until when the admin keys stored before this one stay valid: a rotation (see ensurePlatformKey). */
  readonly previousAdminKeyValidUntil?: Date;
  /** @default the Tributary CDK app */
  readonly appFactory?: AppFactory;
  /**
   * The buckets (of the S3 emulator) and role prefix S3 connections may read at all, as `tributary:sources` names
   * them for a deployment; sandboxes are then granted theirs with `PUT /sandboxes/{name}/source-access`. Only with
   * the Tributary app (a test app given as `appFactory` is built as it is). @default none
   */
  readonly sources?: SourceAccess;
  /**
   * CDK context added to cdk.json's, as `cdk deploy -c name=value` adds it (e.g. `hashedNamespaces=Email`), so the
   * runtime runs what that deployment would. Only with the Tributary app. @default none
   */
  readonly context?: Readonly<Record<string, unknown>>;
  /** Silence the runtime's own log lines (handlers still log through their loggers). */
  readonly quiet?: boolean;
  /** Where `tributary:handler` paths are relative to. @default the project root */
  readonly projectRoot?: string;
  /**
   * Milliseconds between the runs of every enabled rate schedule, replacing each schedule's own period (for tests
   * and demos: a `rate(1 hour)` dataflow runs every few seconds). @default each schedule's rate
   */
  readonly scheduleTickMs?: number;
  /**
   * File URLs of modules each function's execution environment imports before its handler, as a Lambda layer's
   * `--import` would: for tests that inject faults into the AWS SDK clients the functions use. @default none
   */
  readonly functionPreload?: readonly string[];
  /**
   * Milliseconds a function's execution environment may stay idle before it is reclaimed (the next invocation
   * cold-starts), as Lambda reclaims idle environments. @default IDLE_ENVIRONMENT_TIMEOUT_MS (5 minutes)
   */
  readonly functionIdleTimeoutMs?: number;
}

export interface RunningRuntime {
  readonly url: string;
  readonly adminKey: string;
  readonly adminKeyGenerated: boolean;
  readonly adminKeySource: AdminKeySource;
  /**
   * The emulators' and the local services' URLs, for tests that look behind the API (`secretsManager` and
   * `eventBridge` are one endpoint).
   */
  readonly endpoints: EmulatorEndpoints & {
    readonly sfn: string;
    readonly secretsManager: string;
    readonly eventBridge: string;
    readonly sts: string;
  };
  readonly dataDir: string;
  /** The template's functions as run here (each signs with `functionCredentials(stackName, logicalId)`). */
  readonly functions: readonly LocalFunction[];
  /** Milliseconds from the call to a serving API. */
  readonly startupMs: number;
  /**
   * The value the template's functions give this environment variable (e.g. a table's name), for tests that look
   * behind the API; undefined when no function sets it.
   */
  resourceVariable(name: string): string | undefined;
  stop(): Promise<void>;
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(readonly port: number) {
    super(`port ${port} is already in use`);
  }
}

/** The Tributary app with cdk-nag off (the CI synth runs it); imported on demand so test apps never load it. */
async function tributaryAppFactory(
  sources: SourceAccess | undefined,
  context: Readonly<Record<string, unknown>> | undefined,
): Promise<AppFactory> {
  const { createTributaryApp } = await import('../lib/tributary-app');
  return (props) =>
    createTributaryApp({
      app: new App({ ...props, context: { ...props.context, ...context } }),
      nag: false,
      ...(sources ? { sources } : {}),
    }).app;
}

/**
 * Emulator ports of the previous runtime in this process: a restart listens on them again, so SDK clients that
 * handler modules created once (and cached) keep reaching the emulators.
 */
let previousEmulatorPorts:
  Partial<Record<keyof EmulatorEndpoints | 'sfn' | 'secretsAndEvents' | 'sts', number>> | undefined;
/** Runtimes alive in this process: only a lone runtime may take the previous one's ports. */
let activeRuntimes = 0;

const portOf = (url: string): number => Number(new URL(url).port);

async function listen(server: Server, port: number): Promise<number> {
  return new Promise<number>((resolvePort, reject) => {
    const onError = (error: NodeJS.ErrnoException): void =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  await new Promise<void>((resolveClose) => {
    server.close(() => resolveClose());
    server.closeIdleConnections();
  });
}

/** Sets variables in process.env and returns how to put back what was there. */
function applyEnvironment(variables: Readonly<Record<string, string>>): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(variables)) {
    if (!previous.has(key)) previous.set(key, process.env[key]);
    process.env[key] = value;
  }
  return () => {
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

export async function startRuntime(options: RuntimeOptions = {}): Promise<RunningRuntime> {
  const started = performance.now();
  const { scheduleTickMs } = options;
  if (scheduleTickMs !== undefined && !(Number.isInteger(scheduleTickMs) && scheduleTickMs > 0))
    throw new RangeError(
      `scheduleTickMs must be a positive whole number of milliseconds, not ${scheduleTickMs}`,
    );
  const log = createRuntimeLog(options.quiet ?? false);
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });

  if (options.appFactory && (options.sources || options.context)) {
    throw new Error(
      'sources and context configure the Tributary app; a test app given as appFactory names its own',
    );
  }
  const templates = synthesizeTemplates(
    options.appFactory ?? (await tributaryAppFactory(options.sources, options.context)),
  );
  const synthesizedMs = performance.now() - started;
  const resolver = new TemplateResolver(templates);
  const functions = readFunctions(resolver);
  const resources = readResources(resolver);
  const apis = readRestApis(resolver);
  const webAcls = readWebAcls(resolver);
  const mappings = readEventSourceMappings(resolver, resources.streams);
  for (const { unsupported } of [...apis, ...webAcls])
    for (const problem of unsupported) log.info(`not emulated: ${problem}`);
  const schedules = readSchedules(resolver, log);
  const templateSecrets = readTemplateSecrets(resolver);

  const adminKey = resolveAdminKey(dataDir, options.adminKey);
  const releaseDataDir = lockDataDir(dataDir);
  const roles = readRoles(resolver);
  const access = new RoleAccess(readFunctionRoles(roles, resolver, functions), roles, log);
  let emulators: Awaited<ReturnType<typeof startEmulators>>;
  try {
    emulators = await startEmulators({
      dataDir,
      access,
      encryptionKeys: {
        buckets: new Map(resources.buckets.flatMap((b) => (b.kmsKeyArn ? [[b.name, b.kmsKeyArn]] : []))),
        streams: new Map(resources.streams.flatMap((st) => (st.kmsKeyArn ? [[st.arn, st.kmsKeyArn]] : []))),
      },
      ports: activeRuntimes === 0 ? previousEmulatorPorts : undefined,
    });
  } catch (error) {
    releaseDataDir();
    throw error;
  }
  activeRuntimes += 1;
  const cleanups: (() => Promise<void> | void)[] = [
    releaseDataDir,
    async () => {
      await emulators.stop();
      activeRuntimes -= 1;
    },
  ];
  const cleanUp = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const reusedSfnPort = previousEmulatorPorts?.sfn;
    const stepFunctions = await startStepFunctions({
      resolver,
      dataDir,
      log,
      access,
      ...(activeRuntimes === 1 && reusedSfnPort ? { port: reusedSfnPort } : {}),
    });
    cleanups.push(() => stepFunctions.stop());
    const reusedSecretsAndEventsPort = previousEmulatorPorts?.secretsAndEvents;
    const secretsAndEvents = await startSecretsAndEvents({
      dataDir,
      log,
      access,
      region: resolver.region,
      account: resolver.account,
      templateSecrets,
      ...(activeRuntimes === 1 && reusedSecretsAndEventsPort ? { port: reusedSecretsAndEventsPort } : {}),
    });
    cleanups.push(() => secretsAndEvents.stop());
    const reusedStsPort = previousEmulatorPorts?.sts;
    const sts = await startSecurityTokenService({
      access,
      ...(activeRuntimes === 1 && reusedStsPort ? { port: reusedStsPort } : {}),
    });
    cleanups.push(() => sts.stop());
    previousEmulatorPorts = {
      dynamodb: portOf(emulators.endpoints.dynamodb),
      kinesis: portOf(emulators.endpoints.kinesis),
      s3: portOf(emulators.endpoints.s3),
      sfn: portOf(stepFunctions.url),
      secretsAndEvents: portOf(secretsAndEvents.url),
      sts: portOf(sts.url),
    };
    const shared = {
      ...emulatorEnvironment(emulators.endpoints),
      AWS_ENDPOINT_URL_SFN: stepFunctions.url,
      AWS_ENDPOINT_URL_STS: sts.url,
      ...secretsAndEventsEnvironment(secretsAndEvents.url),
      // No X-Ray daemon locally: Powertools Tracer would otherwise try to send segments.
      POWERTOOLS_TRACE_ENABLED: 'false',
      // Locally the sources and webhooks a developer points at run on this machine: loopback must be reachable,
      // and a webhook receiver there speaks plain http.
      [ENV.httpSourceAllowPrivateHosts]: 'true',
      [ENV.webhookAllowPlainHttp]: 'true',
    };
    // The runtime's own clients (and tests behind the API) reach the same endpoints; functions get them in their own
    // environments.
    cleanups.push(applyEnvironment(shared));
    const clients = createEmulatorClients(emulators.direct);
    cleanups.push(() => clients.destroy());

    await provisionResources(clients, resources);
    const host = FunctionHost.load(functions, {
      projectRoot: options.projectRoot ?? PROJECT_ROOT,
      shared,
      tmpRoot: join(dataDir, FUNCTION_TMP_DIR),
      preload: options.functionPreload ?? [],
      ...(options.functionIdleTimeoutMs === undefined
        ? {}
        : { idleTimeoutMs: options.functionIdleTimeoutMs }),
    });
    stepFunctions.attach(host);
    const resourceVariable = (name: string): string | undefined =>
      functions.map((fn) => fn.environment[name]).find((value) => value !== undefined);

    const apiKeysTable = resourceVariable(ENV.apiKeysTable);
    if (apiKeysTable)
      await ensurePlatformKey(
        new DynamoApiKeyStore(clients.documents, apiKeysTable),
        adminKey.key,
        new Date(),
        {
          ...(options.previousAdminKeyValidUntil
            ? { previousValidUntil: options.previousAdminKeyValidUntil }
            : {}),
        },
      );

    const server = createApiServer({
      apis,
      webAcls,
      functions: host,
      log,
      region: resolver.region,
      account: resolver.account,
    });
    const port = await listen(server, options.port ?? DEFAULT_PORT);
    cleanups.push(async () => {
      await closeServer(server);
      await host.drain();
      await host.stop();
      server.closeAllConnections();
    });
    // Runs last-in first-out: executions are aborted before the functions drain, so a Task in flight is the last one
    // (a drained invocation must not let its execution go on to the next state while the runtime stops).
    cleanups.push(() => stepFunctions.stopExecutions());

    const pollers = startKinesisPollers({ mappings, host, clients, dataDir, log });
    cleanups.push(() => pollers.stop());
    const notifications = startS3Notifications({ resolver, host, s3Server: emulators.s3Server, log });
    cleanups.push(() => notifications.stop());
    const scheduler = startSchedules({
      schedules,
      host,
      log,
      ...(scheduleTickMs === undefined ? {} : { tickMs: scheduleTickMs }),
    });
    cleanups.push(() => scheduler.stop());

    const startupMs = Math.round(performance.now() - started);
    log.info(`started in ${startupMs} ms (synthesis ${Math.round(synthesizedMs)} ms), data in ${dataDir}`);
    return {
      url: `http://127.0.0.1:${port}`,
      adminKey: adminKey.key,
      adminKeyGenerated: adminKey.source === 'generated',
      adminKeySource: adminKey.source,
      endpoints: {
        ...emulators.endpoints,
        sfn: stepFunctions.url,
        secretsManager: secretsAndEvents.url,
        eventBridge: secretsAndEvents.url,
        sts: sts.url,
      },
      dataDir,
      functions,
      startupMs,
      resourceVariable,
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
