/**
 * What the stream consumer's on-failure destination holds on a running local runtime: the objects Lambda wrote
 * (`aws/lambda/` in the quarantine bucket) and the parts a sandbox's admin sees pending — what every fault test
 * asserts is empty (nothing given up, or everything given up redriven).
 */
import { ENV } from '../../lambdas/config/env-names';
import { ON_FAILURE_PREFIX } from '../../lambdas/core/streaming/on-failure-record';
import { createEmulatorClients } from '../../local/emulator-clients';
import type { RunningRuntime } from '../../local/runtime';
import { call } from '../e2e/local-runtime';
import { resourceName } from './resource-name';
import { listKeys } from './streaming-lake';

export interface OnFailureState {
  readonly objects: string[];
  readonly pending: unknown[];
}

export async function onFailureState(runtime: RunningRuntime, adminKey: string): Promise<OnFailureState> {
  const bucket = resourceName(runtime, ENV.quarantineBucket);
  const clients = createEmulatorClients(runtime.endpoints);
  try {
    const objects = await listKeys(clients.s3, bucket, ON_FAILURE_PREFIX);
    const answer = await call(`${runtime.url}/streaming/failures`, { key: adminKey });
    if (answer.status !== 200) throw new Error(`GET /streaming/failures answered ${answer.status}`);
    const { items } = answer.body as { items: { status: string }[] };
    return { objects, pending: items.filter((item) => item.status === 'pending') };
  } finally {
    clients.destroy();
  }
}
