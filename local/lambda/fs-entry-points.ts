/**
 * What read-only-filesystem.ts and tmp-storage-limit.ts share to guard the `fs` module inside a function's worker
 * thread: wrapping one entry point in whichever form it has (callback, Sync or promise) so that a refused call fails
 * as Node's own would — thrown, rejected, or passed to the callback on the next tick — and does nothing.
 */
import { fileURLToPath } from 'node:url';

export type Form = 'callback' | 'sync' | 'promise';
/** The error a call must fail with, or undefined to let it run; `self` is the call's `this` (a FileHandle). */
export type Refusal = (args: readonly unknown[], self: unknown) => NodeJS.ErrnoException | undefined;

type AnyFunction = (...args: unknown[]) => unknown;

export function guardEntryPoint(
  target: Record<string, unknown>,
  name: string,
  form: Form,
  refusal: Refusal,
): void {
  const original = target[name];
  if (typeof original !== 'function') return;
  const guarded = function (this: unknown, ...args: unknown[]): unknown {
    const error = refusal(args, this);
    if (!error) return (original as AnyFunction).apply(this, args);
    if (form === 'sync') throw error;
    if (form === 'promise') return Promise.reject(error);
    const callback = args.at(-1);
    if (typeof callback === 'function') process.nextTick(() => (callback as AnyFunction)(error));
    return undefined;
  };
  target[name] = Object.defineProperties(guarded, {
    name: { value: name },
    length: { value: (original as AnyFunction).length },
  });
}

/** A path argument as a string; undefined for a file descriptor or a FileHandle. */
export function pathOf(argument: unknown): string | undefined {
  if (typeof argument === 'string') return argument;
  if (Buffer.isBuffer(argument)) return argument.toString();
  if (argument instanceof URL) return fileURLToPath(argument);
  return undefined;
}
