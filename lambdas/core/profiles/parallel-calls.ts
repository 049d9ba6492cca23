/**
 * Bounded parallelism for the profile store's many small calls: applying a batch chunk and reverting a batch both
 * make one DynamoDB call per key, and run them a few at a time rather than one by one or all at once.
 */

/**
 * DynamoDB calls in flight per call: enough to hide round trips over a batch chunk, few enough to leave the SDK's
 * sockets (50 by default) to the rest of the function.
 */
export const PARALLEL_CALLS = 8;

/** Runs `work` on every value, at most `limit` at a time. */
export async function forEachLimited<T>(
  values: readonly T[],
  limit: number,
  work: (value: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < values.length) {
      const value = values[next] as T;
      next += 1;
      await work(value);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, values.length) }, worker));
}
