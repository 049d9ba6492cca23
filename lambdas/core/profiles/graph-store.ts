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

/**
 * What made a link or named a member, as far as reverting a batch needs to know (docs/identity-graph.md, "Sources").
 * Absent `batches` marks an entry written before sources were kept: its sources are unknown.
 */
export interface SourceSet {
  /** The file batches that made it, oldest first, at most MAX_SOURCE_BATCHES. */
  readonly batches?: readonly string[];
  /** Also made by what no batch revert takes away: a streamed message, or more batches than `batches` holds. */
  readonly elsewhere?: boolean;
}

export interface StoredMember extends SourceSet {
  readonly namespace: string;
  readonly id: string;
  readonly addedAt: string;
  /** The token of the member's pointer. */
  readonly token: string;
}

export interface StoredLink extends SourceSet {
  readonly from: IdentityRef;
  readonly to: IdentityRef;
  /** The first source that made the link (a remaining one once that source's batch is reverted). */
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

/** A graph a split creates: the members and links of one component that leaves the splitting graph. */
export interface GraphSeed {
  readonly graphId: string;
  readonly createdAt: string;
  readonly members: Readonly<Record<string, StoredMember>>;
  readonly links: Readonly<Record<string, StoredLink>>;
}

/** The intent of a split: the graphs to create and move the members to, finished by whoever meets it. */
export interface GraphSplit {
  readonly id: string;
  readonly graphs: readonly GraphSeed[];
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
  /** With a claim: identity keys of the record that made the merge, which the merge must not evict. */
  readonly keep?: readonly string[];
  /** Set while components that lost their connection leave this graph: the intent anyone finishes. */
  readonly split?: GraphSplit;
  /** Set when the merge finished: this item is a tombstone forwarding to an older graph. */
  readonly mergedInto?: string;
  /**
   * Graphs merged into this one, directly or transitively, that may still be claimed or that a removal deletes.
   * Pruned once they are tombstones (MAX_ABSORBED_GRAPHS).
   */
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
   * Replaces a live graph item if it is still at `expectedVersion`, unclaimed, not splitting and not merged (the new
   * state carries the next version).
   */
  putGraph(sandbox: string, graph: GraphState, expectedVersion: number): Promise<boolean>;
  /**
   * Marks a live graph at `expectedVersion` as being merged into `targetGraphId`, bumping its version; `keep` are
   * the identities the merge must not evict.
   */
  claimGraph(
    sandbox: string,
    graphId: string,
    expectedVersion: number,
    targetGraphId: string,
    keep: readonly string[],
  ): Promise<boolean>;
  /**
   * Turns a graph claimed by `claim` into a tombstone forwarding to `mergedInto`, dropping its content (members,
   * links, evictions, absorbed): the root holds it now, and a tombstone keeps no identity.
   */
  finishMerge(sandbox: string, graphId: string, claim: string, mergedInto: string): Promise<boolean>;
  /** Withdraws a claim whose target graph no longer exists (it was removed), bumping the version. */
  releaseClaim(sandbox: string, graphId: string, claim: string): Promise<boolean>;
  /** Clears the split `splitId` once its graphs exist and its members moved, bumping the version. */
  finishSplit(sandbox: string, graphId: string, splitId: string): Promise<boolean>;
  /** Deletes a graph item (only at `expectedVersion` when given); answers whether it was deleted. */
  deleteGraph(sandbox: string, graphId: string, expectedVersion?: number): Promise<boolean>;
}
