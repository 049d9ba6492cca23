/**
 * Loads the handler modules of the template's functions into this process and invokes them as Lambda would:
 * a fresh context per invocation, the function's Timeout enforced, and every in-flight invocation tracked so a
 * shutdown can wait for them.
 */
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLambdaContext } from './lambda-context';
import { PER_FUNCTION_VARIABLES, type LocalFunction } from './local-function';

type Handler = (event: unknown, context: unknown) => unknown;

export class FunctionTimeoutError extends Error {
  override readonly name = 'Sandbox.Timedout';
}

interface LoadedFunction {
  readonly fn: LocalFunction;
  readonly handler: Handler;
}

export class FunctionHost {
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(private readonly loaded: ReadonlyMap<string, LoadedFunction>) {}

  /**
   * Imports every handler module, one after the other: variables Lambda scopes to one function are set while
   * that function's module is evaluated, as module-level code (a logger's service name) reads them then.
   */
  static async load(functions: readonly LocalFunction[], projectRoot: string): Promise<FunctionHost> {
    const loaded = new Map<string, LoadedFunction>();
    for (const fn of functions) {
      for (const [key, value] of Object.entries(fn.environment)) {
        if (PER_FUNCTION_VARIABLES.has(key)) process.env[key] = value;
      }
      process.env['AWS_LAMBDA_FUNCTION_NAME'] = fn.name;
      process.env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'] = String(fn.memoryMb);
      const path = isAbsolute(fn.entry) ? fn.entry : join(projectRoot, fn.entry);
      let module: Record<string, unknown>;
      try {
        module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
      } catch (error) {
        throw new Error(
          `${fn.logicalId}: cannot load handler module ${fn.entry}: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      const handler = module[fn.exportName];
      if (typeof handler !== 'function') {
        throw new Error(`${fn.logicalId}: ${fn.entry} exports no function named '${fn.exportName}'`);
      }
      loaded.set(fn.arn, { fn, handler: handler as Handler });
    }
    return new FunctionHost(loaded);
  }

  get functions(): LocalFunction[] {
    return [...this.loaded.values()].map(({ fn }) => fn);
  }

  /** The function with this ARN (a qualifier such as `:$LATEST` is ignored), or its name. */
  find(arnOrName: string): LocalFunction | undefined {
    const unqualified = arnOrName.replace(/^(arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+):.*$/, '$1');
    return (
      this.loaded.get(unqualified)?.fn ??
      this.functions.find((fn) => fn.name === arnOrName || fn.logicalId === arnOrName)
    );
  }

  /** Invokes the function synchronously (RequestResponse): resolves with its result, rejects with its error. */
  invoke(fn: LocalFunction, event: unknown): Promise<unknown> {
    const loaded = this.loaded.get(fn.arn);
    if (!loaded) return Promise.reject(new Error(`no local function ${fn.arn}`));
    const timeoutMs = fn.timeoutSeconds * 1000;
    const context = createLambdaContext(fn, Date.now() + timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(new FunctionTimeoutError(`Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`)),
        timeoutMs,
      );
    });
    const invocation = Promise.race([
      Promise.resolve().then(() => loaded.handler(event, context)),
      timeout,
    ]).finally(() => {
      clearTimeout(timer);
      this.inFlight.delete(invocation);
    });
    this.inFlight.add(invocation);
    return invocation;
  }

  /** Resolves once no invocation is running (those started meanwhile included). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
