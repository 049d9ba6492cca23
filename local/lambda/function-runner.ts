/**
 * Runs inside a function's worker thread (see worker-boot.mjs): makes the file system read-only outside the
 * function's TMPDIR and bounds that by its EphemeralStorage, imports the handler module once (the cold start) and invokes it for each message, as one Lambda
 * execution environment does.
 */
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { createLambdaContext } from './lambda-context';
import type { LocalFunction } from './local-function';
import { restrictWritesTo } from './read-only-filesystem';
import { limitTmpStorage } from './tmp-storage-limit';
import type {
  InitializedMessage,
  InvocationReply,
  InvocationRequest,
  SerializedError,
} from './worker-protocol';

type Handler = (event: unknown, context: unknown) => unknown;

const BYTES_PER_MB = 1024 * 1024;

const { fn, modulePath, preload } = workerData as {
  fn: LocalFunction;
  modulePath: string;
  preload: readonly string[];
};
const port = parentPort!;

function serialize(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), properties: {} };
  const properties = JSON.parse(JSON.stringify({ ...error })) as Record<string, unknown>;
  return {
    name: error.name,
    message: error.message,
    ...(error.stack ? { stack: error.stack } : {}),
    properties,
  };
}

async function loadHandler(): Promise<Handler> {
  let module: Record<string, unknown>;
  // Before any module of the function loads: only its /tmp (TMPDIR) is writable, up to its EphemeralStorage size, as
  // in Lambda; the handler's named imports of fs then see the guarded functions.
  restrictWritesTo(tmpdir());
  await limitTmpStorage(tmpdir(), fn.ephemeralStorageMb * BYTES_PER_MB);
  syncBuiltinESMExports();
  try {
    for (const url of preload) await import(url);
    module = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  } catch (error) {
    throw Object.assign(
      new Error(`${fn.logicalId}: cannot load handler module ${fn.entry}: ${(error as Error).message}`),
      {
        name: 'Runtime.ImportModuleError',
      },
    );
  }
  const handler = module[fn.exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(
      new Error(`${fn.logicalId}: ${fn.entry} exports no function named '${fn.exportName}'`),
      {
        name: 'Runtime.HandlerNotFound',
      },
    );
  }
  return handler as Handler;
}

const handler = loadHandler();
// A failed import is reported with each invocation, not as an unhandled rejection; either way the init phase ends.
handler.then(
  () => port.postMessage({ initialized: true } satisfies InitializedMessage),
  () => port.postMessage({ initialized: true } satisfies InitializedMessage),
);

port.on('message', ({ id, payload, deadline }: InvocationRequest) => {
  void (async () => {
    let reply: InvocationReply;
    try {
      const result = await (await handler)(JSON.parse(payload), createLambdaContext(fn, deadline));
      // Lambda returns the result serialized as JSON (a promise resolving to nothing gives no payload here).
      reply = { id, ok: true, ...(result === undefined ? {} : { payload: JSON.stringify(result) }) };
    } catch (error) {
      reply = { id, ok: false, error: serialize(error) };
    }
    port.postMessage(reply);
  })();
});
