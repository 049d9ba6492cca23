/**
 * Whether the stream consumer of a running local runtime is done with every record put on the stream since a time:
 * every window since then closed but for its clock (core/streaming/stream-progress.ts) — a drain criterion that does
 * not guess from counts standing still.
 */
import { DynamoItems } from '../../lambdas/adapters/dynamo-items';
import { DynamoStreamProgress } from '../../lambdas/adapters/dynamo-stream-progress';
import { ENV } from '../../lambdas/config/env-names';
import { STREAMING_BATCH_WINDOW_MINUTES, windowStartOf } from '../../lambdas/core/streaming/stream-message';
import { windowClosed } from '../../lambdas/core/streaming/stream-progress';
import { createEmulatorClients } from '../../local/emulator-clients';
import type { RunningRuntime } from '../../local/runtime';
import { resourceName } from './resource-name';

/** A time after every window's end and horizon: only the puts and the consumption decide. */
const END_OF_TIME = new Date(8.64e15);

export function streamCaughtUp(runtime: RunningRuntime, since: Date): () => Promise<boolean> {
  return async () => {
    const table = resourceName(runtime, ENV.batchesTable);
    const clients = createEmulatorClients(runtime.endpoints);
    try {
      const progress = new DynamoStreamProgress(new DynamoItems(clients.documents, table));
      const windowMs = STREAMING_BATCH_WINDOW_MINUTES * 60_000;
      for (let start = windowStartOf(since.toISOString()).getTime(); start <= Date.now(); start += windowMs) {
        if (!(await windowClosed(progress, new Date(start).toISOString(), END_OF_TIME))) return false;
      }
      return true;
    } finally {
      clients.destroy();
    }
  };
}
