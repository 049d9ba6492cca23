/**
 * The storage port of the identity graph protocol (core/profiles/identity-graph.ts). Every write is ONE conditional
 * single-item write and answers false when its condition does not hold, so the protocol never needs a transaction.
 */
import type { IdentityRef, LinkSource } from './profile-ports';

/** An identity pointer: the authority on which graph an identity belongs to. */
export interface GraphPointer {
  readonly graphId: string;
  /**
   * Unique per creation of the pointer and never changed by re-pointing: deletions are conditional on it, so a late
   * eviction cannot delete a pointer that was deleted and created again in the meantime.
   */
  readonly token: string;
}

export interface StoredMember {
  readonly namespace: string;
  readonly id: string;
  readonly addedAt: string;
  /** The token of the member's pointer. */
  readonly token: string;
}

export interface StoredLink {
  readonly from: IdentityRef;
  readonly to: IdentityRef;
  readonly source: LinkSource;
}

export interface StoredEviction {
  readonly namespace: string;
  readonly id: string;
  readonly at: string;
  readonly reason: string;
  /** The token of the evicted pointer, which is deleted after the graph records the eviction. */
  readonly token: string;
}

export interface GraphState {
  readonly graphId: string;
  readonly createdAt: string;
  /** Bumped by every write of the graph: the optimistic lock of the protocol. */
  readonly version: number;
  /** By identity key (`identityKeyOf`). */
  readonly members: Readonly<Record<string, StoredMember>>;
  /** By link key (`linkKeyOf`): the pair of identities and the dataset that linked them. */
  readonly links: Readonly<Record<string, StoredLink>>;
  readonly evictions: readonly StoredEviction[];
  /** Set while this graph is being merged into the (older) graph named: the intent that anyone rolls forward. */
  readonly claim?: string;
  /** Set when the merge finished: this item is a tombstone forwarding to an older graph. */
  readonly mergedInto?: string;
  /** Every graph merged into this one, directly or transitively: the tombstones a removal deletes. */
  readonly absorbed: readonly string[];
}

export interface GraphStore {
  /** Strongly consistent batch read of pointers, by identity key; absent identities are missing from the map. */
  getPointers(sandbox: string, identities: readonly IdentityRef[]): Promise<Map<string, GraphPointer>>;
  /** Strongly consistent read of a graph item (live, claimed or tombstone). */
  getGraph(sandbox: string, graphId: string): Promise<GraphState | undefined>;
  /** Creates the pointer if the identity has none. */
  createPointer(sandbox: string, identity: IdentityRef, pointer: GraphPointer): Promise<boolean>;
  /** Points the identity at `toGraphId` if it still points at `fromGraphId`. */
  repoint(sandbox: string, identity: IdentityRef, fromGraphId: string, toGraphId: string): Promise<boolean>;
  /** Deletes the pointer if it still carries `token`. */
  deletePointer(sandbox: string, identity: IdentityRef, token: string): Promise<boolean>;
  /** Creates the graph item if none has its id. */
  createGraph(sandbox: string, graph: GraphState): Promise<boolean>;
  /**
   * Replaces a live graph item if it is still at `expectedVersion`, unclaimed and not merged (the new state carries
   * the next version).
   */
  putGraph(sandbox: string, graph: GraphState, expectedVersion: number): Promise<boolean>;
  /** Marks a live graph at `expectedVersion` as being merged into `targetGraphId`, bumping its version. */
  claimGraph(
    sandbox: string,
    graphId: string,
    expectedVersion: number,
    targetGraphId: string,
  ): Promise<boolean>;
  /** Turns a graph claimed by `claim` into a tombstone forwarding to `mergedInto`. */
  finishMerge(sandbox: string, graphId: string, claim: string, mergedInto: string): Promise<boolean>;
  /** Withdraws a claim whose target graph no longer exists (it was removed), bumping the version. */
  releaseClaim(sandbox: string, graphId: string, claim: string): Promise<boolean>;
  /** Deletes a graph item; answers whether it existed. */
  deleteGraph(sandbox: string, graphId: string): Promise<boolean>;
}
