/**
 * An in-memory GraphStore with the same conditions as the DynamoDB adapter, and a fault injector that makes any
 * store throw before or after its Nth write (a crash of the writer between two writes).
 */
import type { GraphPointer, GraphState, GraphStore } from '../../../lambdas/core/profiles/graph-store';
import { identityKeyOf, type IdentityRef } from '../../../lambdas/core/profiles/profile-ports';

/**
 * Stored graphs are frozen instead of copied: the protocol only ever builds new states, so a write it made to an
 * object it had read or written would throw here instead of passing unnoticed (and copying would dominate the
 * volume tests' time).
 */
function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) frozen(child);
  }
  return value;
}

export class MemoryGraphStore implements GraphStore {
  readonly pointers = new Map<string, GraphPointer>();
  readonly graphs = new Map<string, GraphState>();
  writes = 0;

  private pointerKey = (sandbox: string, identity: IdentityRef) => `${sandbox}#${identityKeyOf(identity)}`;

  getPointers(sandbox: string, identities: readonly IdentityRef[]): Promise<Map<string, GraphPointer>> {
    const found = new Map<string, GraphPointer>();
    for (const identity of identities) {
      const pointer = this.pointers.get(this.pointerKey(sandbox, identity));
      if (pointer) found.set(identityKeyOf(identity), { ...pointer });
    }
    return Promise.resolve(found);
  }

  getGraph(sandbox: string, graphId: string): Promise<GraphState | undefined> {
    const graph = this.graphs.get(`${sandbox}#${graphId}`);
    return Promise.resolve(graph);
  }

  createPointer(sandbox: string, identity: IdentityRef, pointer: GraphPointer): Promise<boolean> {
    return this.write(() => {
      const key = this.pointerKey(sandbox, identity);
      if (this.pointers.has(key)) return false;
      this.pointers.set(key, { ...pointer });
      return true;
    });
  }

  repoint(sandbox: string, identity: IdentityRef, fromGraphId: string, toGraphId: string): Promise<boolean> {
    return this.write(() => {
      const key = this.pointerKey(sandbox, identity);
      const pointer = this.pointers.get(key);
      if (pointer?.graphId !== fromGraphId) return false;
      this.pointers.set(key, { ...pointer, graphId: toGraphId });
      return true;
    });
  }

  deletePointer(sandbox: string, identity: IdentityRef, token: string): Promise<boolean> {
    return this.write(() => {
      const key = this.pointerKey(sandbox, identity);
      if (this.pointers.get(key)?.token !== token) return false;
      return this.pointers.delete(key);
    });
  }

  createGraph(sandbox: string, graph: GraphState): Promise<boolean> {
    return this.write(() => {
      const key = `${sandbox}#${graph.graphId}`;
      if (this.graphs.has(key)) return false;
      this.graphs.set(key, frozen(graph));
      return true;
    });
  }

  putGraph(sandbox: string, graph: GraphState, expectedVersion: number): Promise<boolean> {
    return this.write(() => {
      const key = `${sandbox}#${graph.graphId}`;
      const current = this.graphs.get(key);
      if (
        !current ||
        current.version !== expectedVersion ||
        current.claim ||
        current.split ||
        current.mergedInto
      )
        return false;
      this.graphs.set(key, frozen(graph));
      return true;
    });
  }

  claimGraph(
    sandbox: string,
    graphId: string,
    expectedVersion: number,
    targetGraphId: string,
    keep: readonly string[],
  ): Promise<boolean> {
    return this.update(sandbox, graphId, (graph) =>
      graph.version === expectedVersion && !graph.claim && !graph.split && !graph.mergedInto
        ? { ...graph, claim: targetGraphId, keep: [...keep], version: graph.version + 1 }
        : undefined,
    );
  }

  finishMerge(sandbox: string, graphId: string, claim: string, mergedInto: string): Promise<boolean> {
    return this.update(sandbox, graphId, ({ claim: current, graphId: id, createdAt, version }) =>
      current === claim
        ? { graphId: id, createdAt, version, members: {}, links: {}, evictions: [], absorbed: [], mergedInto }
        : undefined,
    );
  }

  releaseClaim(sandbox: string, graphId: string, claim: string): Promise<boolean> {
    return this.update(sandbox, graphId, ({ claim: current, keep: _keep, ...graph }) =>
      current === claim ? { ...graph, version: graph.version + 1 } : undefined,
    );
  }

  finishSplit(sandbox: string, graphId: string, splitId: string): Promise<boolean> {
    return this.update(sandbox, graphId, ({ split, ...graph }) =>
      split?.id === splitId ? { ...graph, version: graph.version + 1 } : undefined,
    );
  }

  deleteGraph(sandbox: string, graphId: string, expectedVersion?: number): Promise<boolean> {
    return this.write(() => {
      const key = `${sandbox}#${graphId}`;
      const current = this.graphs.get(key);
      if (expectedVersion !== undefined && current?.version !== expectedVersion) return false;
      return this.graphs.delete(key);
    });
  }

  private update(
    sandbox: string,
    graphId: string,
    next: (graph: GraphState) => GraphState | undefined,
  ): Promise<boolean> {
    return this.write(() => {
      const key = `${sandbox}#${graphId}`;
      const current = this.graphs.get(key);
      const updated = current && next(current);
      if (!updated) return false;
      this.graphs.set(key, frozen(updated));
      return true;
    });
  }

  private write(apply: () => boolean): Promise<boolean> {
    this.writes += 1;
    return Promise.resolve(apply());
  }
}
