/**
 * The bounds of one graph item: at most `maxIdentitiesPerGraph` members, and an item well under DynamoDB's 400 KB
 * limit. Both are kept by the same eviction: the members whose newest link is oldest go first, never one the caller
 * protects (the identities of the record being linked).
 */
import type { GraphState, StoredEviction, StoredMember } from './graph-store';
import { identityKeyOf } from './profile-ports';

export const CAP_EVICTION_REASON = 'graph-cap';
/** An identity the graph could not hold within MAX_GRAPH_ITEM_BYTES. */
export const SIZE_EVICTION_REASON = 'graph-size';

/**
 * Eviction records a graph keeps (newest last). They explain the graph and let a reader recognise a pointer whose
 * deletion after an eviction was interrupted; the bound keeps them a small part of the item.
 */
export const MAX_EVICTION_RECORDS = 100;

/**
 * The largest graph item written. DynamoDB refuses items over 400 KB; the margin covers merges that race a size
 * check (a merge under way is always finished, see `fitGraph`'s `force`) and the estimate's approximations.
 */
export const MAX_GRAPH_ITEM_BYTES = 300 * 1024;

/** Bytes of the key attributes (`pk`, `sk` and their names) beside the graph's own attributes. */
const KEY_OVERHEAD_BYTES = 200;

/**
 * The item's size as JSON text, which is never below DynamoDB's own measure for these items (strings count their
 * UTF-8 bytes in both; JSON adds quotes and separators where DynamoDB adds a byte per map entry).
 */
export const itemBytes = (graph: GraphState): number =>
  Buffer.byteLength(JSON.stringify(graph), 'utf8') + KEY_OVERHEAD_BYTES;

/**
 * The time that keeps a member in a full graph: its newest link, or when it joined if it has none. Eviction removes
 * the members whose newest link is oldest, i.e. the oldest links go first.
 */
function lastSeen(graph: GraphState): Map<string, string> {
  const seen = new Map<string, string>();
  for (const [key, member] of Object.entries(graph.members)) seen.set(key, member.addedAt);
  for (const link of Object.values(graph.links)) {
    for (const end of [identityKeyOf(link.from), identityKeyOf(link.to)]) {
      const current = seen.get(end);
      if (current !== undefined && link.source.at > current) seen.set(end, link.source.at);
    }
  }
  return seen;
}

/** The members in the order eviction takes them: oldest newest link first, ties by identity key. */
function evictionOrder(graph: GraphState, keys: readonly string[]): string[] {
  const seen = lastSeen(graph);
  return [...keys].sort((a, b) => {
    const byTime = (seen.get(a) ?? '').localeCompare(seen.get(b) ?? '');
    return byTime !== 0 ? byTime : a.localeCompare(b);
  });
}

/** The graph without these members and their links, with an eviction record for each. */
export function withoutMembers(
  graph: GraphState,
  keys: readonly string[],
  at: string,
  reason: string,
): GraphState {
  if (keys.length === 0) return graph;
  const gone = new Set(keys);
  const records: StoredEviction[] = keys.map((key) => {
    const member = graph.members[key]!;
    return { namespace: member.namespace, id: member.id, at, reason, token: member.token };
  });
  return {
    ...graph,
    members: Object.fromEntries(Object.entries(graph.members).filter(([key]) => !gone.has(key))),
    links: Object.fromEntries(
      Object.entries(graph.links).filter(
        ([, link]) => !gone.has(identityKeyOf(link.from)) && !gone.has(identityKeyOf(link.to)),
      ),
    ),
    evictions: [...graph.evictions, ...records].slice(-MAX_EVICTION_RECORDS),
  };
}

export interface Fitted {
  readonly graph: GraphState;
  /** Members removed, whose pointers must be deleted (conditional on their tokens) after the write. */
  readonly evicted: readonly StoredMember[];
  /** False when the graph could not be brought under MAX_GRAPH_ITEM_BYTES: the caller must not write it. */
  readonly fits: boolean;
}

/**
 * Brings a graph within the identity cap, then within the size budget: first older eviction records go (they only
 * explain), then members in eviction order. Protected members stay unless `force` (a merge under way must be
 * written whatever it holds: it is an intent others are waiting on).
 */
export function fitGraph(
  graph: GraphState,
  cap: number,
  protectedKeys: ReadonlySet<string>,
  at: string,
  force = false,
): Fitted {
  const original = graph;
  const evictable = evictionOrder(
    graph,
    Object.keys(graph.members).filter((key) => !protectedKeys.has(key)),
  );
  const excess = Math.max(0, Object.keys(graph.members).length - cap);
  const overCap = evictable.slice(0, excess);
  let fitted = withoutMembers(graph, overCap, at, CAP_EVICTION_REASON);
  let bytes = itemBytes(fitted);
  const kept = new Set(fitted.evictions.slice(fitted.evictions.length - overCap.length));
  while (bytes > MAX_GRAPH_ITEM_BYTES && fitted.evictions.some((record) => !kept.has(record))) {
    const oldest = fitted.evictions.findIndex((record) => !kept.has(record));
    fitted = { ...fitted, evictions: fitted.evictions.filter((_, index) => index !== oldest) };
    bytes = itemBytes(fitted);
  }
  const more = [
    ...evictable.slice(overCap.length),
    ...(force
      ? evictionOrder(
          graph,
          [...protectedKeys].filter((key) => graph.members[key]),
        )
      : []),
  ];
  for (const key of more) {
    if (bytes <= MAX_GRAPH_ITEM_BYTES) break;
    fitted = withoutMembers(fitted, [key], at, SIZE_EVICTION_REASON);
    bytes = itemBytes(fitted);
  }
  const evicted = Object.keys(original.members)
    .filter((key) => !fitted.members[key])
    .map((key) => original.members[key]!);
  return { graph: fitted, evicted, fits: bytes <= MAX_GRAPH_ITEM_BYTES };
}
