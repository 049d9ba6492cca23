/**
 * Each function runs as Lambda runs it: in its own execution environment that sees only its own variables, with
 * its Timeout, MemorySize and the 6 MB invoke payload enforced.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { functionCredentials } from '../../local/iam/function-credentials';
import {
  FunctionHost,
  MAX_ASYNC_INVOKE_PAYLOAD_BYTES,
  MAX_INVOKE_PAYLOAD_BYTES,
} from '../../local/lambda/function-host';
import { readFunctions, type LocalFunction } from '../../local/lambda/local-function';
import { TemplateResolver } from '../../local/template/intrinsics';
import { synthesizeTemplates } from '../../local/template/synthesize';
import { BATCH_WORKER_TMP_MIB } from '../../lambdas/core/files/parquet/parquet-file';
import { eventually } from './eventually';
import { createTributaryApp } from '../../lib/tributary-app';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Nothing listens here: a function that reaches for AWS fails fast with a connection error, not a missing variable. */
const UNREACHABLE = 'http://127.0.0.1:9';
const SHARED = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_ENDPOINT_URL: UNREACHABLE,
  AWS_MAX_ATTEMPTS: '1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

describe('every function of the Tributary app started with only its own environment', () => {
  let host: FunctionHost;
  let functions: LocalFunction[];
  let tmpRoot: string;

  beforeAll(() => {
    tmpRoot = mkdtempSync(join(tmpdir(), 'tributary-isolation-'));
    const templates = synthesizeTemplates(
      (props) => createTributaryApp({ app: new App(props), nag: false }).app,
    );
    functions = readFunctions(new TemplateResolver(templates));
    host = FunctionHost.load(functions, { projectRoot: PROJECT_ROOT, shared: SHARED, tmpRoot });
  });
  afterAll(async () => {
    await host.stop();
    rmSync(tmpRoot, { recursive: true, force: true });
  });

  it("reads each function's /tmp size from its EphemeralStorage, Lambda's 512 MB where the template sets none", () => {
    // Act
    const sizes = new Set(functions.map((fn) => fn.ephemeralStorageMb));

    // Assess
    expect(sizes).toEqual(new Set([512, BATCH_WORKER_TMP_MIB]));
  });

  it('finds every variable each handler requires in its own environment (the batch worker its state machine)', async () => {
    // Act: an empty event makes each handler build its dependencies from its environment, then fail on the event
    // or on the unreachable endpoint.
    const missing: string[] = [];
    for (const fn of functions) {
      try {
        await host.invoke(fn, {});
      } catch (error) {
        const message = (error as Error).message;
        if (/environment variable is not set|is not set/.test(message))
          missing.push(`${fn.logicalId}: ${message}`);
      }
    }

    // Assess
    expect(missing).toEqual([]);
  });
});

describe('a function in its own execution environment', () => {
  let host: FunctionHost;
  let tmpRoot: string;
  const limits = (name: string, settings: Partial<LocalFunction> = {}): LocalFunction => ({
    stackName: 'Limits',
    logicalId: name,
    name,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    entry: 'test/fixtures/handlers/limits.ts',
    exportName: 'handler',
    timeoutSeconds: 30,
    memoryMb: 128,
    ephemeralStorageMb: 512,
    environment: { OWN_TABLE: `${name}-table` },
    ...settings,
  });
  const own = limits('Own');
  const other = limits('Other');
  const quick = limits('Quick', { timeoutSeconds: 1 });
  const small = limits('Small', { memoryMb: 64 });
  /** A module that takes twice its Timeout to load: Lambda's init phase does not count toward the Timeout. */
  const slowInit = limits('SlowInit', {
    timeoutSeconds: 1,
    entry: 'test/fixtures/handlers/slow-init.ts',
    environment: { INIT_DELAY_MS: '2000' },
  });
  /** Lambda's smallest /tmp is 512 MB; 1 MB makes the bound quick to reach. */
  const cramped = limits('Cramped', { ephemeralStorageMb: 1 });
  const fresh = limits('Fresh');

  beforeAll(() => {
    tmpRoot = mkdtempSync(join(tmpdir(), 'tributary-limits-'));
    host = FunctionHost.load([own, other, quick, small, cramped, fresh, slowInit], {
      projectRoot: PROJECT_ROOT,
      shared: { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_DYNAMODB: UNREACHABLE },
      tmpRoot,
    });
  });
  afterEach(() => host.drain());
  afterAll(async () => {
    await host.stop();
    rmSync(tmpRoot, { recursive: true, force: true });
  });

  it("sees its own variables, Lambda's and the local endpoints, and no other function's nor the runtime's", async () => {
    // Act
    const { environment } = (await host.invoke(own, { action: 'environment' })) as {
      environment: Record<string, string>;
    };

    // Assess
    expect(environment).toMatchObject({
      OWN_TABLE: 'Own-table',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: UNREACHABLE,
      AWS_LAMBDA_FUNCTION_NAME: 'Own',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      LAMBDA_TASK_ROOT: PROJECT_ROOT,
      _HANDLER: 'limits.handler',
      TZ: ':UTC',
      TMPDIR: join(tmpRoot, 'Own'),
      AWS_ACCESS_KEY_ID: functionCredentials('Limits', 'Own').accessKeyId,
    });
    expect(environment).not.toHaveProperty('OTHER_TABLE');
    expect(Object.values(environment)).not.toContain('Other-table');
    expect(environment).not.toHaveProperty('VITEST');
  });

  it('ends an invocation at its timeout, and the next invocation starts a new environment', async () => {
    // Prepare: a warm environment.
    await host.invoke(quick, { action: 'sleep', ms: 0 });

    // Act
    const timedOut = await host.invoke(quick, { action: 'sleep', ms: 60_000 }).catch((error: Error) => error);
    const next = (await host.invoke(quick, { action: 'sleep', ms: 0 })) as { invocations: number };

    // Assess
    expect(timedOut).toMatchObject({
      name: 'Sandbox.Timedout',
      message: 'Task timed out after 1.00 seconds',
    });
    expect(next.invocations).toBe(1);
  });

  it("runs a cold start's module loading in an init phase of its own, not counted toward the Timeout", async () => {
    // Act
    const result = await host.invoke(slowInit, {});

    // Assess
    expect(result).toEqual({ loaded: true });
  });

  it('fails an invocation that outgrows its memory size with Runtime.OutOfMemory, and recovers', async () => {
    // Act
    const error = await host.invoke(small, { action: 'grow' }).catch((failure: Error) => failure);
    const next = (await host.invoke(small, { action: 'sleep', ms: 0 })) as { invocations: number };

    // Assess
    expect(error).toMatchObject({ name: 'Runtime.OutOfMemory' });
    expect(next.invocations).toBe(1);
  });

  it('refuses an event over 6 MB before the function runs, and a result over 6 MB after it', async () => {
    // Act
    const request = await host
      .invoke(own, { action: 'environment', padding: 'x'.repeat(MAX_INVOKE_PAYLOAD_BYTES) })
      .catch((error: Error) => error);
    const response = await host
      .invoke(own, { action: 'respond', bytes: MAX_INVOKE_PAYLOAD_BYTES })
      .catch((error: Error) => error);

    // Assess
    expect(request).toMatchObject({ name: 'RequestEntityTooLargeException' });
    expect(response).toMatchObject({ name: 'Function.ResponseSizeTooLarge' });
  });

  it('fails a write that would take its /tmp past its EphemeralStorage size with ENOSPC, and writes none of it', async () => {
    // Act: 60% of the 1 MB /tmp written, then each way of adding 60% more.
    const { outcomes, files } = (await host.invoke(cramped, {
      action: 'fill',
      bytes: 0.6 * 1024 * 1024,
    })) as { outcomes: Record<string, string>; files: string[] };

    // Assess
    expect(outcomes).toEqual({
      writeFileSync: 'ok',
      writeFileCallback: 'ENOSPC',
      appendFile: 'ENOSPC',
      copyFile: 'ENOSPC',
      fileHandleWrite: 'ENOSPC',
      overwriteLarger: 'ok',
      writeStream: 'ENOSPC',
      writeAfterRemoving: 'ok',
    });
    expect(files).toEqual(['handle', 'second']);
  });

  it('starts each new execution environment with an empty /tmp, which its warm invocations share', async () => {
    // Prepare: a file left in the function's TMPDIR by an earlier environment (or an earlier run of the runtime).
    mkdirSync(join(tmpRoot, 'Fresh'), { recursive: true });
    writeFileSync(join(tmpRoot, 'Fresh', 'leftover.txt'), 'old');

    // Act
    const cold = (await host.invoke(fresh, { action: 'tmp' })) as { before: string[] };
    const warm = (await host.invoke(fresh, { action: 'tmp' })) as { before: string[] };

    // Assess
    expect(cold.before).toEqual([]);
    expect(warm.before).toEqual(['invocation-1']);
  });

  it('refuses an asynchronous (Event) invocation over 1 MB, which a synchronous invocation of that size passes', async () => {
    // Prepare
    const event = { action: 'environment', padding: 'x'.repeat(MAX_ASYNC_INVOKE_PAYLOAD_BYTES) };

    // Act
    const asynchronous = await host.invoke(own, event, 'Event').catch((error: Error) => error);
    const synchronous = (await host.invoke(own, event)) as { invocations: number };

    // Assess
    expect(asynchronous).toMatchObject({ name: 'RequestEntityTooLargeException' });
    expect(synchronous.invocations).toBeGreaterThan(0);
  });

  it("refuses writes outside its TMPDIR with EROFS, as Lambda's read-only file system does, and allows them in it", async () => {
    // Prepare: a directory outside every function's TMPDIR holding a file, and the function's own TMPDIR (of a warm
    // environment: a cold start empties it).
    await host.invoke(own, { action: 'environment' });
    const outside = join(tmpRoot, 'outside');
    mkdirSync(outside, { recursive: true });
    const existingOutside = join(outside, 'existing.txt');
    writeFileSync(existingOutside, 'kept');
    const inside = join(tmpRoot, 'Own', 'work');
    mkdirSync(inside, { recursive: true });
    writeFileSync(join(inside, 'existing.txt'), 'mine');

    // Act
    const refused = (await host.invoke(own, {
      action: 'write',
      directory: outside,
      existing: existingOutside,
    })) as Record<string, string>;
    const allowed = (await host.invoke(own, {
      action: 'write',
      directory: inside,
      existing: join(inside, 'existing.txt'),
    })) as Record<string, string>;

    // Assess
    const { readExisting, ...writesOutside } = refused;
    expect(readExisting).toBe('ok');
    expect(Object.values(writesOutside)).toEqual(Object.values(writesOutside).map(() => 'EROFS'));
    expect(Object.keys(writesOutside)).toHaveLength(13);
    expect(readFileSync(existingOutside, 'utf8')).toBe('kept');
    expect(readdirSync(outside)).toEqual(['existing.txt']);
    expect(Object.values(allowed)).toEqual(Object.values(allowed).map(() => 'ok'));
  });
});

describe('an idle execution environment', () => {
  /** Short enough for a test; the runtime's default is IDLE_ENVIRONMENT_TIMEOUT_MS. */
  const IDLE_TIMEOUT_MS = 300;
  const idle: LocalFunction = {
    stackName: 'Limits',
    logicalId: 'Idle',
    name: 'Idle',
    arn: 'arn:aws:lambda:us-east-1:000000000000:function:Idle',
    entry: 'test/fixtures/handlers/limits.ts',
    exportName: 'handler',
    timeoutSeconds: 30,
    memoryMb: 128,
    ephemeralStorageMb: 512,
    environment: {},
  };
  let host: FunctionHost;
  let tmpRoot: string;

  beforeAll(() => {
    tmpRoot = mkdtempSync(join(tmpdir(), 'tributary-idle-'));
    host = FunctionHost.load([idle], {
      projectRoot: PROJECT_ROOT,
      shared: { AWS_REGION: 'us-east-1' },
      tmpRoot,
      idleTimeoutMs: IDLE_TIMEOUT_MS,
    });
  });
  afterEach(() => host.drain());
  afterAll(async () => {
    await host.stop();
    rmSync(tmpRoot, { recursive: true, force: true });
  });

  it('is reclaimed after the idle time, and the next invocation cold-starts without its module state', async () => {
    // Prepare: a warm environment that has served two invocations.
    await host.invoke(idle, { action: 'sleep', ms: 0 });
    const warm = (await host.invoke(idle, { action: 'sleep', ms: 0 })) as { invocations: number };

    // Act
    await eventually(() => (host.isWarm(idle) ? undefined : true), 'the idle environment reclaimed');
    const next = (await host.invoke(idle, { action: 'sleep', ms: 0 })) as { invocations: number };

    // Assess
    expect(warm.invocations).toBe(2);
    expect(next.invocations).toBe(1);
  });

  it('is never reclaimed while an invocation runs in it, however long', async () => {
    // Prepare: a warm environment.
    const first = (await host.invoke(idle, { action: 'sleep', ms: 0 })) as { invocations: number };

    // Act: an invocation several idle times long, then the next one at once.
    const long = (await host.invoke(idle, { action: 'sleep', ms: IDLE_TIMEOUT_MS * 4 })) as {
      invocations: number;
    };
    const next = (await host.invoke(idle, { action: 'sleep', ms: 0 })) as { invocations: number };

    // Assess: the same environment served all three.
    expect([long.invocations, next.invocations]).toEqual([first.invocations + 1, first.invocations + 2]);
  });
});
