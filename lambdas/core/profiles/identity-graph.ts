/**
 * The identity graph protocol on conditional single-item writes (docs/identity-graph.md argues its correctness).
 * Identity pointers are the authority on membership; a graph item lists its members and links. A merge first CLAIMS
 * each younger graph for the oldest one (an intent stored in the claimed item), then rolls it forward: copy into the
 * root, re-point the members, turn the claimed item into a tombstone. Reverting a batch may SPLIT a graph, again
 * through an intent stored in the item (identity-graph-split.ts). Whoever meets an intent finishes it first, so a
 * crash between any two writes leaves state that the next link or resolve repairs.
 * Named for the store it was designed for (DynamoDB conditional writes); it speaks only to the GraphStore port.
 */
import { randomUUID } from 'node:crypto';
import { MAX_GRAPH_ITEM_BYTES } from './graph-budget';
import { apart, removeBatch, type BatchRemoval, type SplitIds } from './graph-split';
import type { GraphPointer, GraphState, GraphStore, StoredLink, StoredMember } from './graph-store';
import { finishSplit } from './identity-graph-split';
import {
  absorbGraph,
  addToGraph,
  compareGraphs,
  emptyGraph,
  memberOf,
  mergedContent,
  refOf,
  starLinks,
  viewOf,
  wasEvicted,
  type GraphChange,
} from './identity-graph-state';
import { forEachLimited, PARALLEL_CALLS } from './parallel-calls';
import {
  identityKeyOf,
  StoreRefusal,
  type BatchUnlinking,
  type GraphRemoval,
  type GraphView,
  type IdentityGraph,
  type IdentityRef,
  type LinkOutcome,
  type LinkSource,
  type ProfileGuardrails,
  type UnlinkOutcome,
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
/**
 * Absorbed graphs a graph lists before it reads them and forgets those that became tombstones: about one read per
 * merge, and a list of at most this many ids (plus merges under way) in the item.
 */
export const MAX_ABSORBED_GRAPHS = 50;

/** Raised when an operation kept losing conditional writes to concurrent writers; retrying later is safe. */
export class GraphContentionError extends Error {
  readonly retryable = true;
  constructor(operation: string, sandbox: string) {
    super(`identity graph ${operation} in sandbox ${sandbox} kept losing to concurrent writers; retry later`);
    this.name = 'GraphContentionError';
  }
}

/** Codes of the records the graph refuses for good (the pipelines keep them in the lake and count them). */
export const GRAPH_REFUSAL_CODES = {
  /** The record alone names more identities than a graph may hold. */
  overCap: 'profile-identities-over-graph-cap',
  /** The graph item cannot hold the record's identities and links within MAX_GRAPH_ITEM_BYTES. */
  tooLarge: 'profile-graph-too-large',
} as const;

/** Raised when the graph cannot take a record at all: nothing was written, and retrying cannot change the answer. */
export class GraphRefusedError extends StoreRefusal {
  constructor(
    override readonly code: (typeof GRAPH_REFUSAL_CODES)[keyof typeof GRAPH_REFUSAL_CODES],
    message: string,
  ) {
    super(code === GRAPH_REFUSAL_CODES.tooLarge ? 'too-large' : 'refused', message, code);
    this.name = 'GraphRefusedError';
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
/** An unlink pass that finished what a crashed one left: the next pass checks again. */
const REPAIRED = Symbol('repaired');
type Attempt = Settled | undefined | typeof RETRY;

/** A live root met by an unlink pass, with the batch's identities whose pointers lead to it. */
interface MetRoot {
  readonly root: GraphState;
  readonly pointing: readonly { readonly identity: IdentityRef; readonly token: string }[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const backoff = (round: number) =>
  sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** round));

const samePointers = (a: ReadonlyMap<string, GraphPointer>, b: ReadonlyMap<string, GraphPointer>): boolean =>
  a.size === b.size &&
  [...a].every(
    ([key, pointer]) => b.get(key)?.graphId === pointer.graphId && b.get(key)?.token === pointer.token,
  );

/** The roots met, each with the identities whose pointers lead there. */
function metRoots(
  identities: readonly IdentityRef[],
  pointers: ReadonlyMap<string, GraphPointer>,
  roots: ReadonlyMap<string, GraphState>,
): Map<string, MetRoot> {
  const met = new Map<string, MetRoot>();
  for (const identity of identities) {
    const pointer = pointers.get(identityKeyOf(identity));
    const root = pointer && roots.get(pointer.graphId);
    if (!pointer || !root) continue;
    const pointing = met.get(root.graphId)?.pointing ?? [];
    met.set(root.graphId, { root, pointing: [...pointing, { identity, token: pointer.token }] });
  }
  return met;
}

function dedupe(identities: readonly IdentityRef[]): IdentityRef[] {
  const seen = new Map<string, IdentityRef>();
  for (const identity of identities) seen.set(identityKeyOf(identity), refOf(identity));
  return [...seen.values()];
}

export class DynamoIdentityGraph implements IdentityGraph, BatchUnlinking {
  private readonly store: GraphStore;
  private readonly cap: number;
  private readonly now: () => Date;
  private readonly newGraphId: () => string;
  private readonly splitIds: SplitIds;

  constructor(options: IdentityGraphOptions) {
    this.store = options.store;
    this.cap = options.guardrails.maxIdentitiesPerGraph;
    this.now = options.now ?? (() => new Date());
    this.newGraphId = options.newGraphId ?? (() => randomUUID());
    this.splitIds = { graphId: this.newGraphId, splitId: () => randomUUID() };
  }

  async link(sandbox: string, identities: readonly IdentityRef[], source: LinkSource): Promise<LinkOutcome> {
    const unique = dedupe(identities);
    if (unique.length === 0) throw new RangeError('a link needs at least one identity');
    if (unique.length > this.cap) {
      // Linking it would have to evict identities of the very record: refused rather than half-linked.
      throw new GraphRefusedError(
        GRAPH_REFUSAL_CODES.overCap,
        `the record links ${unique.length} identities; a graph holds at most ${this.cap}`,
      );
    }
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
    await this.deletePointers(sandbox, Object.values(root.members));
    let graphs = 0;
    for (const tombstone of [...root.absorbed, root.graphId]) {
      if (await this.store.deleteGraph(sandbox, tombstone)) graphs += 1;
    }
    return { graphId: root.graphId, identities: Object.values(root.members).map(refOf), graphs };
  }

  async unlinkBatch(
    sandbox: string,
    identities: readonly IdentityRef[],
    batchId: string,
  ): Promise<UnlinkOutcome> {
    const unique = dedupe(identities);
    const outcome = { graphs: 0, removed: [] as IdentityRef[], split: 0 };
    // A pass that changed something is followed by one that checks: a concurrent split or merge may have carried
    // the batch's links into a graph this pass did not visit.
    for (let round = 0; round < MAX_GRAPH_ATTEMPTS; round += 1) {
      let settled = true;
      let lost = false;
      const met = await this.rootsOf(sandbox, unique);
      await forEachLimited([...met.values()], PARALLEL_CALLS, async ({ root, pointing }) => {
        const result = await this.unlinkRoot(sandbox, root, pointing, batchId);
        if (result === undefined) return;
        settled = false;
        if (result === RETRY) lost = true;
        else if (result !== REPAIRED) {
          outcome.graphs += 1;
          outcome.removed.push(...result.removed.map(refOf));
          outcome.split += result.graph.split?.graphs.length ?? 0;
        }
      });
      if (settled) return outcome;
      if (lost) await backoff(round);
    }
    throw new GraphContentionError('unlink', sandbox);
  }

  private async retrying(operation: string, sandbox: string, attempt: () => Promise<Attempt>) {
    for (let round = 0; round < MAX_GRAPH_ATTEMPTS; round += 1) {
      const result = await attempt();
      if (result !== RETRY) return result;
      await backoff(round);
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
        await this.adopt(sandbox, identities, pointer);
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
    for (const root of roots) {
      const unanchored = this.unanchored(identities, pointers, rootByPointer, root);
      if (unanchored.length > 0) {
        await this.detach(sandbox, root, unanchored, pointers);
        return RETRY;
      }
    }
    const fresh = identities.filter((identity) => !pointers.has(identityKeyOf(identity)));
    const at = this.timestamp();
    const tokens = new Map([...pointers].map(([key, pointer]) => [key, pointer.token]));
    for (const identity of fresh) tokens.set(identityKeyOf(identity), randomUUID());
    const members = identities.map((identity) =>
      memberOf(identity, tokens.get(identityKeyOf(identity))!, at, source),
    );
    const links = source ? starLinks(identities, source) : {};
    const [oldest, ...younger] = roots;
    if (!oldest) return this.createGraphOf(sandbox, members, links, source);

    // Checked before the first write, so that a refusal leaves nothing behind (no claim, no pointer).
    const keep = identities.map(identityKeyOf);
    let change = younger.length === 0 ? addToGraph(oldest, members, links, this.cap, at) : undefined;
    const preview = change ?? addToGraph(younger.reduce(mergedContent, oldest), members, links, this.cap, at);
    if (!preview.fits) throw this.tooLarge(sandbox);

    const merged: string[] = [];
    for (const graph of younger) {
      if (!(await this.store.claimGraph(sandbox, graph.graphId, graph.version, oldest.graphId, keep)))
        return RETRY;
      await this.rollForward(sandbox, { ...graph, claim: oldest.graphId, keep, version: graph.version + 1 });
      merged.push(graph.graphId);
    }
    for (const identity of fresh) {
      const token = tokens.get(identityKeyOf(identity))!;
      if (!(await this.store.createPointer(sandbox, identity, { graphId: oldest.graphId, token })))
        return RETRY;
    }
    const target = merged.length > 0 ? await this.store.getGraph(sandbox, oldest.graphId) : oldest;
    if (!target || target.claim !== undefined || target.mergedInto !== undefined || target.split)
      return RETRY;

    // A merge that raced the check above may leave no room: the next pass refuses before writing anything.
    change ??= addToGraph(target, members, links, this.cap, at);
    if (!change.fits) return RETRY;
    const leading = new Set([target.graphId, ...merged]);
    for (const [graphId, root] of rootByPointer) if (root.graphId === target.graphId) leading.add(graphId);
    if (!(await this.pointersLeadTo(sandbox, target, identities, pointers, leading))) return RETRY;
    // A graph stays a connected component of its links: a merge that a revert made pointless meanwhile (the record
    // no longer connects what its claim joined), a hub the cap evicted, leave parts that split off in this write.
    const written = change.changed ? apart(change.graph, at, this.splitIds) : change.graph;
    if (change.changed && !(await this.store.putGraph(sandbox, written, target.version))) return RETRY;
    await this.deletePointers(sandbox, change.evicted);
    if (written.split) await this.finishSplitOf(sandbox, written);
    await this.compressPointers(
      sandbox,
      identities,
      pointers,
      new Set([target.graphId, ...merged]),
      target.graphId,
    );
    const [first] = identities.map(identityKeyOf);
    const seed = written.split?.graphs.find((graph) => graph.members[first!]);
    return {
      root: seed ? { ...emptyGraph(seed.graphId, seed.createdAt), ...seed } : written,
      outcome: {
        graphId: seed?.graphId ?? target.graphId,
        changed: change.changed || merged.length > 0 || fresh.length > 0,
        merged,
        evicted: change.evicted.map(refOf),
      },
    };
  }

  /**
   * The record's pointers to `root` when the root lists none of the record's identities but holds others: pointers
   * an interrupted pass created while one of the record's identities was a member, which has left since (a revert
   * removed it, the cap evicted it). Nothing links them to the root's members any more.
   */
  private unanchored(
    identities: readonly IdentityRef[],
    pointers: ReadonlyMap<string, GraphPointer>,
    rootByPointer: ReadonlyMap<string, GraphState>,
    root: GraphState,
  ): StoredMember[] {
    if (Object.keys(root.members).length === 0) return [];
    const here = identities.filter((identity) => {
      const pointer = pointers.get(identityKeyOf(identity));
      return pointer !== undefined && rootByPointer.get(pointer.graphId)?.graphId === root.graphId;
    });
    const anchored = here.some(
      (identity) =>
        root.members[identityKeyOf(identity)]?.token === pointers.get(identityKeyOf(identity))!.token,
    );
    if (anchored) return [];
    const at = this.timestamp();
    return here.map((identity) =>
      memberOf(identity, pointers.get(identityKeyOf(identity))!.token, at, undefined),
    );
  }

  /**
   * Moves unanchored pointers out of a root into a graph of their own, through a split intent on the root. Only
   * while they are where this pass read them, read again after the root: a split of the root finished in between
   * may have moved them already (and its write changed the root's version, which this write is conditional on).
   */
  private async detach(
    sandbox: string,
    root: GraphState,
    members: readonly StoredMember[],
    pointers: ReadonlyMap<string, GraphPointer>,
  ): Promise<void> {
    const current = await this.store.getPointers(sandbox, members);
    const moved = members.some((member) => {
      const [read, now] = [pointers.get(identityKeyOf(member)), current.get(identityKeyOf(member))];
      return now?.token !== read?.token || now?.graphId !== read?.graphId;
    });
    if (moved) return;
    const seed = {
      graphId: this.newGraphId(),
      createdAt: this.timestamp(),
      members: Object.fromEntries(members.map((member) => [identityKeyOf(member), member])),
      links: {},
    };
    const splitting = { ...root, version: root.version + 1, split: { id: randomUUID(), graphs: [seed] } };
    if (await this.store.putGraph(sandbox, splitting, root.version)) {
      await this.finishSplitOf(sandbox, splitting);
    }
  }

  /**
   * Turns the graphs the root absorbed but that are still claimed (a helper stopped between the absorb and the
   * tombstone) into tombstones, before a revert deletes pointers: otherwise the last pointers leading to such a
   * graph could go, leaving its claim where nobody meets it (a split's moves do the same, identity-graph-split.ts).
   * The root absorbed them, so the root is where their claims lead (a later merge changes the root's version and
   * the caller's write fails).
   */
  private async finishAbsorbed(sandbox: string, root: GraphState): Promise<void> {
    await forEachLimited(root.absorbed, PARALLEL_CALLS, async (id) => {
      const absorbed = await this.store.getGraph(sandbox, id);
      if (absorbed?.claim !== undefined) {
        await this.store.finishMerge(sandbox, id, absorbed.claim, root.graphId);
      }
    });
  }

  private tooLarge(sandbox: string): GraphRefusedError {
    return new GraphRefusedError(
      GRAPH_REFUSAL_CODES.tooLarge,
      `the identity graph in sandbox ${sandbox} cannot hold the record's identities and links within ` +
        `${MAX_GRAPH_ITEM_BYTES} bytes`,
    );
  }

  /**
   * A pointer to a graph that does not exist is a new graph's pointer written before its graph (a crash in
   * between): adopt the id (an empty graph); the next pass adds the identity as for any pointer its graph does not
   * list. Only while the pointer still names it: a removal deletes pointers before their graph, so a graph seen
   * missing after a removal finds its pointers gone when read again.
   */
  private async adopt(sandbox: string, identities: IdentityRef[], graphId: string): Promise<void> {
    const pointers = await this.store.getPointers(sandbox, identities);
    if ([...pointers.values()].some((pointer) => pointer.graphId === graphId)) {
      await this.store.createGraph(sandbox, emptyGraph(graphId, this.timestamp()));
    }
  }

  /**
   * Whether every identity that the target does not list under its pointer's token still has that pointer, on a
   * graph leading to the target, and is not one the target records as evicted or removed (its pointer is a leftover
   * to delete, not a member to add back). Read after the target: a split that moved one away, or an eviction that
   * deleted it, finished before the target was read (a later one changes the target's version, so its write fails).
   */
  private async pointersLeadTo(
    sandbox: string,
    target: GraphState,
    identities: readonly IdentityRef[],
    pointers: ReadonlyMap<string, GraphPointer>,
    leading: ReadonlySet<string>,
  ): Promise<boolean> {
    const unlisted = identities.filter((identity) => {
      const key = identityKeyOf(identity);
      const pointer = pointers.get(key);
      return pointer !== undefined && target.members[key]?.token !== pointer.token;
    });
    if (unlisted.length === 0) return true;
    const evicted = unlisted.some((identity) =>
      wasEvicted(target, identityKeyOf(identity), pointers.get(identityKeyOf(identity))!.token),
    );
    if (evicted) return false;
    const current = await this.store.getPointers(sandbox, unlisted);
    return unlisted.every((identity) => {
      const key = identityKeyOf(identity);
      const now = current.get(key);
      return now !== undefined && now.token === pointers.get(key)?.token && leading.has(now.graphId);
    });
  }

  /** A brand-new graph: pointers first, then the graph that lists them (a crash in between is adopted later). */
  private async createGraphOf(
    sandbox: string,
    members: readonly StoredMember[],
    links: Readonly<Record<string, StoredLink>>,
    source: LinkSource | undefined,
  ): Promise<Attempt> {
    if (!source) return undefined;
    const graphId = this.newGraphId();
    const at = members[0]!.addedAt;
    const change = addToGraph(emptyGraph(graphId, at), members, links, this.cap, at);
    if (!change.fits) throw this.tooLarge(sandbox);
    for (const member of members) {
      if (!(await this.store.createPointer(sandbox, member, { graphId, token: member.token }))) return RETRY;
    }
    const graph = { ...change.graph, version: 0 };
    if (!(await this.store.createGraph(sandbox, graph))) return RETRY;
    return { root: graph, outcome: { graphId, changed: true, merged: [], evicted: [] } };
  }

  /**
   * The live roots of these identities' graphs (helping every claim and split met), with the pointers met. The
   * pointers are read again after the roots, until they no longer change: a split finished on the way moves some
   * of them, and their part of the graph must be visited too.
   */
  private async rootsOf(sandbox: string, identities: readonly IdentityRef[]): Promise<Map<string, MetRoot>> {
    if (identities.length === 0) return new Map();
    let pointers = await this.store.getPointers(sandbox, identities);
    for (let round = 0; round < MAX_GRAPH_ATTEMPTS; round += 1) {
      const graphIds = [...new Set([...pointers.values()].map((pointer) => pointer.graphId))];
      const roots = new Map<string, GraphState>();
      await forEachLimited(graphIds, PARALLEL_CALLS, async (graphId) => {
        const root = await this.liveRoot(sandbox, graphId);
        if (root) roots.set(graphId, root);
      });
      const again = await this.store.getPointers(sandbox, identities);
      if (samePointers(pointers, again)) return metRoots(identities, pointers, roots);
      pointers = again;
    }
    throw new GraphContentionError('unlink', sandbox);
  }

  /**
   * Takes the batch out of one live graph: one conditional write of what remains (with a split intent when it
   * came apart), then the removed identities' pointers, then the split finished — or, when nothing remains, the
   * graph deleted after its pointers. Undefined when the batch made nothing in it; REPAIRED when it only finished
   * what a crashed revert left (pointers of removed identities, an emptied graph).
   */
  private async unlinkRoot(
    sandbox: string,
    root: GraphState,
    pointing: MetRoot['pointing'],
    batchId: string,
  ): Promise<BatchRemoval | typeof RETRY | typeof REPAIRED | undefined> {
    const leftovers = pointing.filter(
      ({ identity, token }) =>
        !root.members[identityKeyOf(identity)] && wasEvicted(root, identityKeyOf(identity), token),
    );
    await Promise.all(
      leftovers.map(({ identity, token }) => this.store.deletePointer(sandbox, identity, token)),
    );
    if (Object.keys(root.members).length === 0 && leftovers.length === pointing.length) {
      await this.deleteEmptied(sandbox, root);
      return REPAIRED;
    }
    const removal = removeBatch(root, batchId, this.timestamp(), this.splitIds);
    if (!removal) return leftovers.length > 0 ? REPAIRED : undefined;
    if (removal.removed.length > 0) await this.finishAbsorbed(sandbox, root);
    if (!(await this.store.putGraph(sandbox, removal.graph, root.version))) return RETRY;
    await this.deletePointers(sandbox, removal.removed);
    if (Object.keys(removal.graph.members).length === 0) await this.deleteEmptied(sandbox, removal.graph);
    else if (removal.graph.split) await this.finishSplitOf(sandbox, removal.graph);
    return removal;
  }

  /**
   * Deletes a graph a revert emptied and its tombstones, after every pointer it records as removed (a crashed
   * revert may have left some, and nothing would lead to their removal record once the graph is gone) — only at the
   * version read: a record may have linked a new identity into it meanwhile.
   */
  private async deleteEmptied(sandbox: string, graph: GraphState): Promise<void> {
    const records = graph.evictions.map((record) => ({ identity: refOf(record), token: record.token }));
    const pointers =
      records.length > 0
        ? await this.store.getPointers(
            sandbox,
            records.map((record) => record.identity),
          )
        : new Map<string, GraphPointer>();
    await Promise.all(
      records
        .filter(({ identity, token }) => pointers.get(identityKeyOf(identity))?.token === token)
        .map(({ identity, token }) => this.store.deletePointer(sandbox, identity, token)),
    );
    if (await this.store.deleteGraph(sandbox, graph.graphId, graph.version)) {
      await Promise.all(graph.absorbed.map((id) => this.store.deleteGraph(sandbox, id)));
    }
  }

  private async finishSplitOf(sandbox: string, graph: GraphState): Promise<void> {
    const limits = { attempts: MAX_GRAPH_ATTEMPTS, hops: MAX_FORWARDING_HOPS };
    if (!(await finishSplit(this.store, sandbox, graph, limits)))
      throw new GraphContentionError('split', sandbox);
  }

  /**
   * The live graph a graph id leads to, finishing every merge and split met on the way. Undefined when the item
   * does not exist (never created, or removed).
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
      if (graph.split !== undefined) {
        await this.finishSplitOf(sandbox, graph);
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
        // Read after the root: a graph leaves `absorbed` only once it is a tombstone, so a graph still claimed now
        // was not absorbed by the root as read. Without this a helper holding an old copy could absorb it twice.
        const current = await this.store.getGraph(sandbox, claimed.graphId);
        if (current?.claim !== claim) return;
        const change = await this.pruneAbsorbed(
          sandbox,
          absorbGraph(root, claimed, this.cap, this.timestamp()),
          claimed.graphId,
        );
        if (!(await this.store.putGraph(sandbox, change.graph, root.version))) {
          await backoff(round);
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

  /**
   * Forgets the absorbed graphs that are tombstones once the list outgrows MAX_ABSORBED_GRAPHS: a tombstone is
   * never claimed again, so no helper needs to find it in the list (a graph still claimed stays listed, as does the
   * one being absorbed). A forgotten tombstone holds no identity and is not deleted by a removal; it forwards any
   * pointer that was never re-pointed.
   */
  private async pruneAbsorbed(sandbox: string, change: GraphChange, absorbing: string): Promise<GraphChange> {
    const { absorbed } = change.graph;
    if (absorbed.length <= MAX_ABSORBED_GRAPHS) return change;
    const listed = new Set([absorbing]);
    await forEachLimited(
      absorbed.filter((id) => id !== absorbing),
      PARALLEL_CALLS,
      async (id) => {
        const graph = await this.store.getGraph(sandbox, id);
        if (graph && graph.mergedInto === undefined) listed.add(id);
      },
    );
    return { ...change, graph: { ...change.graph, absorbed: absorbed.filter((id) => listed.has(id)) } };
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
