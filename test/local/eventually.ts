/** Polls until the check returns a value other than undefined (asynchronous delivery), failing after the deadline. */
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 50;
const DEADLINE_MS = 20_000;

export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}
