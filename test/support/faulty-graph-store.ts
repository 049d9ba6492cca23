/**
 * Wraps a GraphStore so that writes fail the way a crashing writer does: the write is not made (crash before) or
 * is made but the caller never learns it (crash after). Reads pass through. Also a wrapper that delays every call
 * by a few turns of the event loop, so that concurrent writers on the in-memory store interleave differently.
 */
import type { GraphStore } from '../../lambdas/core/profiles/graph-store';

export class InjectedCrash extends Error {
  constructor(readonly when: 'before' | 'after') {
    super(`injected crash ${when} a write`);
    this.name = 'InjectedCrash';
  }
}

/** Decides, for each write in turn, whether to crash before it, after it, or not at all. */
export type CrashPlan = () => 'before' | 'after' | undefined;

/** Crashes exactly once, before or after the Nth write (1-based) made through the wrapper. */
export function crashAtWrite(n: number, when: 'before' | 'after'): CrashPlan {
  let count = 0;
  return () => {
    count += 1;
    return count === n ? when : undefined;
  };
}

/** Crashes with the given probability per write, half before and half after, from a seeded generator. */
export function randomCrashes(probability: number, random: () => number): CrashPlan {
  return () => {
    if (random() >= probability) return undefined;
    return random() < 0.5 ? 'before' : 'after';
  };
}

const WRITES = [
  'createPointer',
  'repoint',
  'deletePointer',
  'createGraph',
  'putGraph',
  'claimGraph',
  'finishMerge',
  'releaseClaim',
  'finishSplit',
  'deleteGraph',
] as const satisfies readonly (keyof GraphStore)[];

export function faultyGraphStore(store: GraphStore, plan: CrashPlan): GraphStore {
  const faulty: GraphStore = {
    getPointers: (...args) => store.getPointers(...args),
    getGraph: (...args) => store.getGraph(...args),
  } as GraphStore;
  for (const name of WRITES) {
    const write = store[name].bind(store) as (...args: unknown[]) => Promise<boolean>;
    (faulty as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const crash = plan();
      if (crash === 'before') throw new InjectedCrash('before');
      const result = await write(...args);
      if (crash === 'after') throw new InjectedCrash('after');
      return result;
    };
  }
  return faulty;
}

/** Every call waits up to `MAX_JITTER_TURNS` turns of the event loop first, as many as `random` says. */
const MAX_JITTER_TURNS = 2;

export function jitteredGraphStore(store: GraphStore, random: () => number): GraphStore {
  const jittered = {} as Record<string, unknown>;
  for (const name of ['getPointers', 'getGraph', ...WRITES] as const) {
    const call = store[name].bind(store) as (...args: unknown[]) => Promise<unknown>;
    jittered[name] = async (...args: unknown[]) => {
      const turns = Math.floor(random() * (MAX_JITTER_TURNS + 1));
      for (let turn = 0; turn < turns; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      return call(...args);
    };
  }
  return jittered as unknown as GraphStore;
}
