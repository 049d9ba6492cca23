/**
 * The identity graph protocol on conditional single-item writes (docs/identity-graph.md argues its correctness).
 * Identity pointers are the authority on membership; a graph item lists its members and links. A merge first CLAIMS
 * each younger graph for the oldest one (an intent stored in the claimed item), then rolls it forward: copy into the
 * root, re-point the members, turn the claimed item into a tombstone. Whoever meets a claim finishes it first, so a
 * crash between any two writes leaves state that the next link or resolve repairs.
 * Named for the store it was designed for (DynamoDB conditional writes); it speaks only to the GraphStore port.
 */
import { randomUUID } from 'node:crypto';
import type { GraphPointer, GraphState, GraphStore, StoredMember } from './graph-store';
import {
  absorbGraph,
  addToGraph,
  compareGraphs,
  emptyGraph,
  refOf,
  starLinks,
  viewOf,
  wasEvicted,
} from './identity-graph-state';
import {
  identityKeyOf,
  type GraphRemoval,
  type GraphView,
  type IdentityGraph,
  type IdentityRef,
  type LinkOutcome,
  type LinkSource,
  type ProfileGuardrails,
} from './profile-ports';

/** Attempts of one operation under contention before giving up with a retryable error (the caller redelivers). */
export const MAX_GRAPH_ATTEMPTS = 40;
/** Backoff after a lost conditional write: full jitter up to base × 2^attempt, capped so a retry stays prompt. */
export const BACKOFF_BASE_MS = 2;
export const BACKOFF_CAP_MS = 200;
/**
 * Forwarding chains only point to strictly older graphs, so they are finite; this bound only turns corrupted data
 * (a hand-edited cycle) into an error instead of a hang.
 */
export const MAX_FORWARDING_HOPS = 1000;

/** Raised when an operation kept losing conditional writes to concurrent writers; retrying later is safe. */
export class GraphContentionError extends Error {
  readonly retryable = true;
  constructor(operation: string, sandbox: string) {
    super(`identity graph ${operation} in sandbox ${sandbox} kept losing to concurrent writers; retry later`);
    this.name = 'GraphContentionError';
  }
}

export interface IdentityGraphOptions {
  readonly store: GraphStore;
  readonly guardrails: Pick<ProfileGuardrails, 'maxIdentitiesPerGraph'>;
  readonly now?: () => Date;
  readonly newGraphId?: () => string;
}

/** The outcome of one settled attempt: the live root after the write and what happened on the way. */
interface Settled {
  readonly root: GraphState;
  readonly outcome: LinkOutcome;
}

const RETRY = Symbol('retry');
type Attempt = Settled | undefined | typeof RETRY;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function dedupe(identities: readonly IdentityRef[]): IdentityRef[] {
  const seen = new Map<string, IdentityRef>();
  for (const identity of identities) seen.set(identityKeyOf(identity), refOf(identity));
  return [...seen.values()];
}

export class DynamoIdentityGraph implements IdentityGraph {
  private readonly store: GraphStore;
  private readonly cap: number;
  private readonly now: () => Date;
  private readonly newGraphId: () => string;

  constructor(options: IdentityGraphOptions) {
    this.store = options.store;
    this.cap = options.guardrails.maxIdentitiesPerGraph;
    this.now = options.now ?? (() => new Date());
    this.newGraphId = options.newGraphId ?? (() => randomUUID());
  }

  async link(sandbox: string, identities: readonly IdentityRef[], source: LinkSource): Promise<LinkOutcome> {
    const unique = dedupe(identities);
    if (unique.length === 0) throw new RangeError('a link needs at least one identity');
    const settled = await this.retrying('link', sandbox, () => this.attempt(sandbox, unique, source));
    if (!settled) throw new Error('a link always settles on a graph');
    return settled.outcome;
  }

  async resolve(sandbox: string, identity: IdentityRef): Promise<GraphView | undefined> {
    const settled = await this.retrying('resolve', sandbox, () => this.attempt(sandbox, [refOf(identity)]));
    return settled && viewOf(settled.root);
  }

  async remove(sandbox: string, graphId: string): Promise<GraphRemoval> {
    const root = await this.liveRoot(sandbox, graphId);
    if (!root) return { graphId, identities: [], graphs: 0 };
    // Pointers first, the graph item last: a crash part-way leaves the graph, so calling remove again finishes.
    await Promise.all(
      Object.values(root.members).map((member) => this.store.deletePointer(sandbox, member, member.token)),
    );
    let graphs = 0;
    for (const tombstone of [...root.absorbed, root.graphId]) {
      if (await this.store.deleteGraph(sandbox, tombstone)) graphs += 1;
    }
    return { graphId: root.graphId, identities: Object.values(root.members).map(refOf), graphs };
  }

  private async retrying(operation: string, sandbox: string, attempt: () => Promise<Attempt>) {
    for (let round = 0; round < MAX_GRAPH_ATTEMPTS; round += 1) {
      const result = await attempt();
      if (result !== RETRY) return result;
      await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** round));
    }
    throw new GraphContentionError(operation, sandbox);
  }

  private timestamp(): string {
    return this.now().toISOString();
  }

  /**
   * One pass of link (with a source) or resolve (without: no pointer is created and an unknown identity answers
   * undefined). Any lost condition answers RETRY: everything written so far is either complete or an intent that
   * the next pass (or anyone else) finishes.
   */
  private async attempt(sandbox: string, identities: IdentityRef[], source?: LinkSource): Promise<Attempt> {
    const pointers = await this.store.getPointers(sandbox, identities);
    if (!source && pointers.size < identities.length) return undefined;

    const rootByPointer = new Map<string, GraphState>();
    for (const pointer of new Set([...pointers.values()].map((p) => p.graphId))) {
      const root = await this.liveRoot(sandbox, pointer);
      if (!root) {
        // A pointer created just before its new graph: adopt the graph id (an empty graph); the next pass adds
        // the identity to it as it does for any pointer its graph does not list.
        await this.store.createGraph(sandbox, emptyGraph(pointer, this.timestamp()));
        return RETRY;
      }
      rootByPointer.set(pointer, root);
    }
    for (const [key, pointer] of pointers) {
      const root = rootByPointer.get(pointer.graphId)!;
      if (!root.members[key] && wasEvicted(root, key, pointer.token)) {
        // An eviction whose pointer deletion was interrupted: finish it; the identity is then unknown (or new).
        await this.store.deletePointer(
          sandbox,
          identities.find((i) => identityKeyOf(i) === key)!,
          pointer.token,
        );
        return RETRY;
      }
    }

    const roots = [...new Map([...rootByPointer.values()].map((root) => [root.graphId, root])).values()].sort(
      compareGraphs,
    );
    const fresh = identities.filter((identity) => !pointers.has(identityKeyOf(identity)));
    const [oldest, ...younger] = roots;
    if (!oldest) return this.createGraphOf(sandbox, identities, source);

    const merged: string[] = [];
    for (const graph of younger) {
      if (!(await this.store.claimGraph(sandbox, graph.graphId, graph.version, oldest.graphId))) return RETRY;
      await this.rollForward(sandbox, { ...graph, claim: oldest.graphId, version: graph.version + 1 });
      merged.push(graph.graphId);
    }
    const tokens = new Map([...pointers].map(([key, pointer]) => [key, pointer.token]));
    for (const identity of fresh) {
      const token = randomUUID();
      if (!(await this.store.createPointer(sandbox, identity, { graphId: oldest.graphId, token })))
        return RETRY;
      tokens.set(identityKeyOf(identity), token);
    }
    const target = merged.length > 0 ? await this.store.getGraph(sandbox, oldest.graphId) : oldest;
    if (!target || target.claim !== undefined || target.mergedInto !== undefined) return RETRY;

    const at = this.timestamp();
    const members = identities.map((identity) => this.memberOf(identity, tokens, at));
    const change = addToGraph(target, members, source ? starLinks(identities, source) : {}, this.cap, at);
    if (change.changed && !(await this.store.putGraph(sandbox, change.graph, target.version))) return RETRY;
    await this.deletePointers(sandbox, change.evicted);
    await this.compressPointers(
      sandbox,
      identities,
      pointers,
      new Set([target.graphId, ...merged]),
      target.graphId,
    );
    return {
      root: change.graph,
      outcome: {
        graphId: target.graphId,
        changed: change.changed || merged.length > 0 || fresh.length > 0,
        merged,
        evicted: change.evicted.map(refOf),
      },
    };
  }

  /** A brand-new graph: pointers first, then the graph that lists them (a crash in between is adopted later). */
  private async createGraphOf(
    sandbox: string,
    identities: IdentityRef[],
    source: LinkSource | undefined,
  ): Promise<Attempt> {
    if (!source) return undefined;
    const graphId = this.newGraphId();
    const tokens = new Map<string, string>();
    for (const identity of identities) {
      const token = randomUUID();
      if (!(await this.store.createPointer(sandbox, identity, { graphId, token }))) return RETRY;
      tokens.set(identityKeyOf(identity), token);
    }
    const at = this.timestamp();
    const members = identities.map((identity) => this.memberOf(identity, tokens, at));
    const change = addToGraph(emptyGraph(graphId, at), members, starLinks(identities, source), this.cap, at);
    const graph = { ...change.graph, version: 0 };
    if (!(await this.store.createGraph(sandbox, graph))) return RETRY;
    return { root: graph, outcome: { graphId, changed: true, merged: [], evicted: [] } };
  }

  private memberOf(identity: IdentityRef, tokens: Map<string, string>, addedAt: string): StoredMember {
    return {
      namespace: identity.namespace,
      id: identity.id,
      addedAt,
      token: tokens.get(identityKeyOf(identity))!,
    };
  }

  /**
   * The live graph a graph id leads to, finishing every merge met on the way. Undefined when the item does not
   * exist (never created, or removed).
   */
  private async liveRoot(sandbox: string, graphId: string): Promise<GraphState | undefined> {
    let id = graphId;
    for (let hop = 0; hop < MAX_FORWARDING_HOPS; hop += 1) {
      const graph = await this.store.getGraph(sandbox, id);
      if (!graph) return undefined;
      if (graph.claim !== undefined) {
        await this.rollForward(sandbox, graph);
        continue;
      }
      if (graph.mergedInto === undefined) return graph;
      id = graph.mergedInto;
    }
    throw new Error(`graph ${graphId} in sandbox ${sandbox} forwards in a cycle`);
  }

  /**
   * Finishes the merge of a claimed graph (frozen since its claim) into the live root its claim leads to. Every
   * step is idempotent, so any number of helpers may run it concurrently or after a crash.
   */
  private async rollForward(sandbox: string, claimed: GraphState): Promise<void> {
    const claim = claimed.claim!;
    for (let round = 0; round < MAX_GRAPH_ATTEMPTS; round += 1) {
      const root = await this.liveRoot(sandbox, claim);
      if (!root) {
        // The target was removed (a privacy delete): the claimed graph stays a graph of its own.
        await this.store.releaseClaim(sandbox, claimed.graphId, claim);
        return;
      }
      let target = root;
      if (!root.absorbed.includes(claimed.graphId)) {
        const change = absorbGraph(root, claimed, this.cap, this.timestamp());
        if (!(await this.store.putGraph(sandbox, change.graph, root.version))) {
          await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** round));
          continue;
        }
        target = change.graph;
        await this.deletePointers(sandbox, change.evicted);
      }
      // Tombstone first, re-point after: once it forwards, a pointer left at the tombstone still leads to the
      // root, whereas a claim whose members were all re-pointed already would never be met again.
      await this.store.finishMerge(sandbox, claimed.graphId, claim, target.graphId);
      await this.repointMembers(sandbox, claimed, target);
      return;
    }
    throw new GraphContentionError('merge', sandbox);
  }

  /** Moves the claimed graph's members that still point at it to the root (or deletes those the root evicted). */
  private async repointMembers(sandbox: string, claimed: GraphState, root: GraphState): Promise<void> {
    const members = Object.entries(claimed.members);
    if (members.length === 0) return;
    const pointers = await this.store.getPointers(
      sandbox,
      members.map(([, member]) => refOf(member)),
    );
    await Promise.all(
      members.map(async ([key, member]) => {
        const pointer = pointers.get(key);
        if (pointer?.token !== member.token) return;
        if (root.members[key]?.token === member.token) {
          if (pointer.graphId === claimed.graphId) {
            await this.store.repoint(sandbox, member, claimed.graphId, root.graphId);
          }
        } else if (wasEvicted(root, key, member.token)) {
          await this.store.deletePointer(sandbox, member, member.token);
        }
      }),
    );
  }

  private async deletePointers(sandbox: string, members: readonly StoredMember[]): Promise<void> {
    await Promise.all(members.map((member) => this.store.deletePointer(sandbox, member, member.token)));
  }

  /** Points the record's identities that still point at tombstones straight at the root (saves hops later). */
  private async compressPointers(
    sandbox: string,
    identities: IdentityRef[],
    pointers: Map<string, GraphPointer>,
    handled: ReadonlySet<string>,
    rootId: string,
  ): Promise<void> {
    await Promise.all(
      identities.map(async (identity) => {
        const pointer = pointers.get(identityKeyOf(identity));
        if (pointer && !handled.has(pointer.graphId)) {
          await this.store.repoint(sandbox, identity, pointer.graphId, rootId);
        }
      }),
    );
  }
}
