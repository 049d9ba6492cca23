/**
 * Runs the template's functions as Lambda does, each in its own execution environment: a worker thread per
 * function, started on the function's first invocation (a cold start) and kept warm afterwards until it has been
 * idle for IDLE_ENVIRONMENT_TIMEOUT_MS (then reclaimed, as Lambda reclaims idle environments), whose `process.env`
 * is exactly the function's own (see function-environment.ts) and whose heap is bounded by its MemorySize. The
 * Timeout ends an invocation and the environment with it (the next invocation starts a new one, as Lambda does),
 * Lambda's payload limits apply (6 MB to a synchronous invocation's event and result, 1 MB to an asynchronous
 * one's event), and every in-flight invocation is tracked so a shutdown can wait for them.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { functionEnvironment, type SharedEnvironment } from './function-environment';
import type { LocalFunction } from './local-function';
import type { SerializedError, WorkerMessage } from './worker-protocol';

/** Lambda's quota for a synchronous invocation: 6 MB of request payload and 6 MB of response payload. */
export const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Lambda's quota for an asynchronous (Event) invocation's payload: 1 MB (256 KB until October 2025). */
export const MAX_ASYNC_INVOKE_PAYLOAD_BYTES = 1024 * 1024;

/**
 * How long an execution environment may stay idle before it is reclaimed (its worker ended, its heap freed; the next
 * invocation cold-starts). Lambda reclaims idle environments after an undocumented while, observed as 5 to 15
 * minutes; 5 minutes keeps a long `npm start` from holding every function's heap once the work is done.
 */
export const IDLE_ENVIRONMENT_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * Lambda's init phase (the handler module's import in a new environment) has its own 10 s and does not count toward
 * the invocation's Timeout; an init that outlasts it goes on in the invocation, whose Timeout then counts it.
 */
export const INIT_PHASE_LIMIT_MS = 10_000;

/**
 * How a function is invoked: synchronously (the API, the authorizer, Step Functions, Kinesis pollers), or
 * asynchronously as S3 notifications and Scheduler invoke it (locally the caller still awaits the run, standing in
 * for Lambda's event queue and its retries).
 */
export type InvocationType = 'RequestResponse' | 'Event';

const BOOT_URL = new URL('./worker-boot.mjs', import.meta.url);
const RUNNER_URL = new URL('./function-runner.ts', import.meta.url).href;

export class FunctionTimeoutError extends Error {
  override readonly name = 'Sandbox.Timedout';
}

/** An invocation refused or failed by Lambda itself rather than by the handler; `name` is Lambda's error type. */
export class LambdaServiceError extends Error {
  constructor(
    override readonly name:
      | 'RequestEntityTooLargeException'
      | 'Function.ResponseSizeTooLarge'
      | 'Runtime.OutOfMemory'
      | 'Runtime.ExitError',
    message: string,
  ) {
    super(message);
  }
}

export interface FunctionHostOptions {
  /** Where `tributary:handler` paths are relative to (Lambda's task root). */
  readonly projectRoot: string;
  /** Region, credentials and local endpoints every function sees. */
  readonly shared: SharedEnvironment;
  /** Under which each function gets its own writable directory, its TMPDIR. */
  readonly tmpRoot: string;
  /** File URLs of modules each environment imports before the handler (see RuntimeOptions.functionPreload). */
  readonly preload?: readonly string[];
  /** Idle time after which an environment is reclaimed. @default IDLE_ENVIRONMENT_TIMEOUT_MS */
  readonly idleTimeoutMs?: number;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface ExecutionEnvironment {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Settles when the init phase ends: resolved once the handler module is loaded, rejected if the environment ends. */
  readonly initialized: Promise<void>;
  readonly initFailed: (error: Error) => void;
  /** Armed while no invocation runs in the environment: reclaims it when it fires. */
  idleTimer?: NodeJS.Timeout;
}

/** Lambda refused the invocation before the function ran (an event over the payload quota): retrying cannot help. */
export function isInvokeRefusal(error: unknown): boolean {
  return error instanceof LambdaServiceError && error.name === 'RequestEntityTooLargeException';
}

function rebuild(error: SerializedError): Error {
  const rebuilt = Object.assign(new Error(error.message), error.properties, { name: error.name });
  if (error.stack) rebuilt.stack = error.stack;
  return rebuilt;
}

export class FunctionHost {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly environments = new Map<string, ExecutionEnvironment>();
  private nextInvocationId = 1;

  private constructor(
    private readonly byArn: ReadonlyMap<string, LocalFunction>,
    private readonly options: FunctionHostOptions,
  ) {}

  /**
   * Checks that every handler module exists (a missing one stops the start, as a failed deployment would); the
   * modules themselves are imported in each function's worker on its first invocation.
   */
  static load(functions: readonly LocalFunction[], options: FunctionHostOptions): FunctionHost {
    for (const fn of functions) {
      if (!existsSync(modulePathOf(fn, options.projectRoot)))
        throw new Error(`${fn.logicalId}: cannot load handler module ${fn.entry}: no such file`);
    }
    return new FunctionHost(new Map(functions.map((fn) => [fn.arn, fn])), options);
  }

  get functions(): LocalFunction[] {
    return [...this.byArn.values()];
  }

  /** The function with this ARN (a qualifier such as `:$LATEST` is ignored), or its name. */
  find(arnOrName: string): LocalFunction | undefined {
    const unqualified = arnOrName.replace(/^(arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+):.*$/, '$1');
    return (
      this.byArn.get(unqualified) ??
      this.functions.find((fn) => fn.name === arnOrName || fn.logicalId === arnOrName)
    );
  }

  /** Whether the function has a warm execution environment (one started and not yet ended or reclaimed). */
  isWarm(fn: LocalFunction): boolean {
    return this.environments.has(fn.arn);
  }

  /** The variables the function's handler sees. */
  environmentOf(fn: LocalFunction): Record<string, string> {
    return functionEnvironment(fn, this.options.shared, {
      taskRoot: this.options.projectRoot,
      tmpDir: join(this.options.tmpRoot, fn.name),
    });
  }

  /**
   * Invokes the function: resolves with its result (nothing for an `Event` invocation, whose result Lambda
   * discards), rejects with its error or with Lambda's refusal of the event.
   */
  invoke(fn: LocalFunction, event: unknown, type: InvocationType = 'RequestResponse'): Promise<unknown> {
    if (!this.byArn.has(fn.arn)) return Promise.reject(new Error(`no local function ${fn.arn}`));
    const invocation = this.run(fn, event, type).finally(() => this.inFlight.delete(invocation));
    this.inFlight.add(invocation);
    return invocation;
  }

  /** Resolves once no invocation is running (those started meanwhile included). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Ends every execution environment. */
  async stop(): Promise<void> {
    const environments = [...this.environments.values()];
    this.environments.clear();
    for (const { idleTimer } of environments) clearTimeout(idleTimer);
    await Promise.all(environments.map(({ worker }) => worker.terminate()));
  }

  private async run(fn: LocalFunction, event: unknown, type: InvocationType): Promise<unknown> {
    const payload = JSON.stringify(event ?? null);
    const limit = type === 'Event' ? MAX_ASYNC_INVOKE_PAYLOAD_BYTES : MAX_INVOKE_PAYLOAD_BYTES;
    if (Buffer.byteLength(payload) > limit)
      throw new LambdaServiceError(
        'RequestEntityTooLargeException',
        `${fn.name}: the request payload of ${Buffer.byteLength(payload)} bytes exceeds Lambda's ${limit} for ${type} invocations`,
      );
    const environment = this.environmentFor(fn);
    await this.initPhase(environment);
    clearTimeout(environment.idleTimer);
    const id = this.nextInvocationId++;
    const timeoutMs = fn.timeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    const reply = new Promise<unknown>((resolve, reject) => {
      environment.pending.set(id, { resolve, reject });
      timer = setTimeout(() => {
        reject(new FunctionTimeoutError(`Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`));
        environment.pending.delete(id);
        this.end(fn, environment, 'another invocation of the environment timed out');
      }, timeoutMs);
    });
    environment.worker.postMessage({ id, payload, deadline: Date.now() + timeoutMs });
    try {
      const result = (await reply) as string | undefined;
      if (type === 'Event') return undefined;
      if (result !== undefined && Buffer.byteLength(result) > MAX_INVOKE_PAYLOAD_BYTES)
        throw new LambdaServiceError(
          'Function.ResponseSizeTooLarge',
          `${fn.name}: the response payload of ${Buffer.byteLength(result)} bytes exceeds Lambda's ${MAX_INVOKE_PAYLOAD_BYTES}`,
        );
      return result === undefined ? undefined : (JSON.parse(result) as unknown);
    } finally {
      clearTimeout(timer);
      this.reclaimWhenIdle(fn, environment);
    }
  }

  /** Waits for the environment's init phase, for at most Lambda's init limit (the rest counts in the invocation). */
  private async initPhase(environment: ExecutionEnvironment): Promise<void> {
    let limit: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        environment.initialized,
        new Promise<void>((resolve) => {
          limit = setTimeout(resolve, INIT_PHASE_LIMIT_MS);
        }),
      ]);
    } finally {
      clearTimeout(limit);
    }
  }

  /** Once no invocation runs in the environment, reclaims it after the idle time, as Lambda does. */
  private reclaimWhenIdle(fn: LocalFunction, environment: ExecutionEnvironment): void {
    if (environment.pending.size > 0 || this.environments.get(fn.arn) !== environment) return;
    environment.idleTimer = setTimeout(
      () => this.end(fn, environment, 'the idle execution environment was reclaimed'),
      this.options.idleTimeoutMs ?? IDLE_ENVIRONMENT_TIMEOUT_MS,
    );
    // An idle environment's reclaim does not keep the process alive; stop() clears it.
    environment.idleTimer.unref();
  }

  private environmentFor(fn: LocalFunction): ExecutionEnvironment {
    const warm = this.environments.get(fn.arn);
    if (warm) return warm;
    const env = this.environmentOf(fn);
    // A new execution environment starts with an empty /tmp, as in Lambda: nothing of an ended environment (or of an
    // earlier run of the runtime) is left in it or counts against its EphemeralStorage.
    rmSync(env['TMPDIR']!, { recursive: true, force: true });
    mkdirSync(env['TMPDIR']!, { recursive: true });
    const worker = new Worker(BOOT_URL, {
      env,
      workerData: {
        runnerUrl: RUNNER_URL,
        transpileCacheDir: tmpdir(),
        fn,
        modulePath: modulePathOf(fn, this.options.projectRoot),
        preload: this.options.preload ?? [],
      },
      resourceLimits: { maxOldGenerationSizeMb: fn.memoryMb },
    });
    // An idle warm environment does not keep the process alive; stop() ends them all.
    worker.unref();
    let initDone: () => void = () => undefined;
    let initFailed: (error: Error) => void = () => undefined;
    const initialized = new Promise<void>((resolve, reject) => {
      initDone = resolve;
      initFailed = reject;
    });
    // An environment that ends before its first invocation leaves nobody to hear its failed init.
    initialized.catch(() => undefined);
    const environment: ExecutionEnvironment = { worker, pending: new Map(), initialized, initFailed };
    worker.on('message', (message: WorkerMessage) => {
      if ('initialized' in message) return initDone();
      const pending = environment.pending.get(message.id);
      if (!pending) return;
      environment.pending.delete(message.id);
      if (message.ok) pending.resolve(message.payload);
      else pending.reject(rebuild(message.error));
    });
    worker.on('error', (error: NodeJS.ErrnoException) =>
      this.end(
        fn,
        environment,
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new LambdaServiceError(
              'Runtime.OutOfMemory',
              `${fn.name}: the function ran out of its ${fn.memoryMb} MB`,
            )
          : error.message,
      ),
    );
    worker.on('exit', () => this.end(fn, environment, 'the execution environment exited'));
    this.environments.set(fn.arn, environment);
    return environment;
  }

  /** Discards the environment (the next invocation cold-starts) and fails what was still running in it. */
  private end(
    fn: LocalFunction,
    environment: ExecutionEnvironment,
    reason: string | LambdaServiceError,
  ): void {
    if (this.environments.get(fn.arn) === environment) this.environments.delete(fn.arn);
    clearTimeout(environment.idleTimer);
    const error =
      typeof reason === 'string'
        ? new LambdaServiceError('Runtime.ExitError', `${fn.name}: ${reason}`)
        : reason;
    environment.initFailed(error);
    for (const { reject } of environment.pending.values()) reject(error);
    environment.pending.clear();
    void environment.worker.terminate();
  }
}

function modulePathOf(fn: LocalFunction, projectRoot: string): string {
  return isAbsolute(fn.entry) ? fn.entry : join(projectRoot, fn.entry);
}
