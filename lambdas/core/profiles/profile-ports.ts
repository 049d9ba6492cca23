/**
 * The contracts between the parts of the profile store: identities, the identity graph, the fragment and event
 * store, and the read side. Each part is plain TypeScript behind these ports; DynamoDB adapters implement them.
 *
 * Storage (one ProfilesTable, keys in config/env-names.ts PROFILES_KEYS, every key starting with the sandbox):
 *   identity  pk `{sandbox}#identity#{namespace}#{id}`  sk `identity`   → which graph the identity belongs to
 *   graph     pk `{sandbox}#graph#{graphId}`            sk `graph`      → members, links with sources, evictions
 *   fragment  pk `{sandbox}#fragment#{namespace}#{id}`  sk `{datasetId}` → a record's changes (gzipped JSON)
 *   event     pk `{sandbox}#event#{namespace}#{id}`     sk `{datasetId}#{eventId}` → the event (gzipped JSON);
 *             LSI `by-time` on `eventTime`
 * Fragments and events are keyed by identity, never by graph, so merging graphs moves nothing but pointers.
 */

/** An identity after normalisation (and hashing, where the namespace is configured for it). */
export interface IdentityRef {
  /** A namespace code (`Email`, `ECID`, a custom code); codes never contain `#`. */
  readonly namespace: string;
  readonly id: string;
}

export const identityKeyOf = (identity: IdentityRef): string => `${identity.namespace}#${identity.id}`;

/** What made a link or a fragment: the dataset, the batch or streamed message, and when. */
export interface LinkSource {
  readonly datasetId: string;
  readonly batchId?: string;
  readonly messageId?: string;
  /** ISO 8601 time the link was observed (the record's time, else its arrival). */
  readonly at: string;
}

export interface GraphLink {
  readonly from: IdentityRef;
  readonly to: IdentityRef;
  readonly source: LinkSource;
}

export interface GraphMember {
  readonly identity: IdentityRef;
  /** When the identity first joined this graph (or the graph it was merged from). */
  readonly addedAt: string;
}

export interface GraphEviction {
  readonly identity: IdentityRef;
  readonly at: string;
  readonly reason: string;
}

/** A connected component of identities, as a lookup sees it. */
export interface GraphView {
  readonly graphId: string;
  readonly createdAt: string;
  readonly members: readonly GraphMember[];
  readonly links: readonly GraphLink[];
  readonly evictions: readonly GraphEviction[];
}

export interface LinkOutcome {
  readonly graphId: string;
  /** False when every identity and link was already there (no write was made). */
  readonly changed: boolean;
  /** Graphs absorbed into `graphId` by this call. */
  readonly merged: readonly string[];
  readonly evicted: readonly IdentityRef[];
}

export interface GraphRemoval {
  readonly graphId: string;
  readonly identities: readonly IdentityRef[];
  /** Graph items removed: the live graph and the tombstones of graphs merged into it. */
  readonly graphs: number;
}

/** What taking a reverted batch out of the identity graph changed. */
export interface UnlinkOutcome {
  /** Graphs written: links or member sources of the batch taken out. */
  readonly graphs: number;
  /** Identities that no remaining source named: removed from their graph, with their pointers. */
  readonly removed: readonly IdentityRef[];
  /** Graphs created for the parts of a graph that no remaining link connects to the rest. */
  readonly split: number;
}

/** The identity graph's side of reverting a file batch. */
export interface BatchUnlinking {
  /**
   * Takes the batch out of the graphs of these identities (those of the batch's records): links and members only
   * the batch made go, and a graph that no longer hangs together splits into its components. Idempotent.
   */
  unlinkBatch(sandbox: string, identities: readonly IdentityRef[], batchId: string): Promise<UnlinkOutcome>;
}

/** The identity graph: linking under concurrency, lookups, and privacy removal. */
export interface IdentityGraph {
  /** Links the identities seen together in one record or event (one identity alone still gets a graph). */
  link(sandbox: string, identities: readonly IdentityRef[], source: LinkSource): Promise<LinkOutcome>;
  /** The graph the identity belongs to now, or undefined when the identity is unknown. */
  resolve(sandbox: string, identity: IdentityRef): Promise<GraphView | undefined>;
  /** Removes the graph, its tombstones and every identity pointer of it; fragments and events are the caller's. */
  remove(sandbox: string, graphId: string): Promise<GraphRemoval>;
}

/** A stored record fragment: one dataset's view of one primary identity. */
export interface Fragment {
  readonly datasetId: string;
  readonly identity: IdentityRef;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** The record's own time: last writer wins on it. */
  readonly timestamp: string;
  readonly source: LinkSource;
  /** Set by a `delete` upsert: a tombstone that keeps older redeliveries from bringing the record back. */
  readonly deleted?: boolean;
}

export interface ProfileEvent {
  readonly datasetId: string;
  readonly identity: IdentityRef;
  readonly eventId: string;
  readonly timestamp: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly source: LinkSource;
}

export interface EventPage {
  readonly items: ProfileEvent[];
  readonly next?: string;
}

/** Why a store cannot hold an item, whatever the retries: its size, or any other refusal of its content. */
export type RefusalKind = 'too-large' | 'refused';

/**
 * Thrown by a store's adapter when the store refuses an item for what it holds (DynamoDB's 400 KB item limit, or
 * another refusal of the item's content), as opposed to throttling, server and network errors, which a retry may
 * cure. The pipeline fails the record that made the item, without retrying it, instead of blocking the records after it.
 */
export class StoreRefusal extends Error {
  constructor(
    readonly kind: RefusalKind,
    message: string,
    /** A more precise code than the kind's, for the record's result (the identity graph's refusals name theirs). */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'StoreRefusal';
  }
}

/** Fragments and events, keyed by identity. */
export interface ProfileDataStore {
  fragmentsOf(sandbox: string, identities: readonly IdentityRef[]): Promise<Fragment[]>;
  /** The timeline of these identities, newest first, between the optional bounds (inclusive). */
  eventsOf(
    sandbox: string,
    identities: readonly IdentityRef[],
    query: { limit: number; start?: string; startTime?: string; endTime?: string },
  ): Promise<EventPage>;
  /** Removes every fragment and event of these identities; answers how many of each. */
  removeAll(
    sandbox: string,
    identities: readonly IdentityRef[],
  ): Promise<{ fragments: number; events: number }>;
}

/** Guardrails of the profile store, from configuration (defaults are Experience Platform's documented numbers). */
export interface ProfileGuardrails {
  readonly maxIdentitiesPerGraph: number;
  readonly maxIdentitiesPerRecord: number;
  readonly maxRecordBytes: number;
  readonly maxEventBytes: number;
  readonly maxIdentityLength: number;
}

export const DEFAULT_PROFILE_GUARDRAILS: ProfileGuardrails = {
  maxIdentitiesPerGraph: 50,
  maxIdentitiesPerRecord: 20,
  maxRecordBytes: 100 * 1024,
  maxEventBytes: 10 * 1024,
  maxIdentityLength: 1024,
};
