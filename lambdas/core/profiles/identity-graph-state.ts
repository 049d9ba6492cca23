/**
 * Pure state transitions of the identity graph protocol: ordering graphs, adding members and links, absorbing a
 * claimed graph, and the identity cap. No I/O here; identity-graph.ts decides when each result is written.
 */
import type { GraphState, StoredEviction, StoredLink, StoredMember } from './graph-store';
import { identityKeyOf, type GraphView, type IdentityRef, type LinkSource } from './profile-ports';

export const CAP_EVICTION_REASON = 'graph-cap';

/**
 * Eviction records a graph keeps (newest last). They explain the graph and let a reader recognise a pointer whose
 * deletion after an eviction was interrupted; the bound keeps the graph item far below DynamoDB's 400 KB limit.
 */
export const MAX_EVICTION_RECORDS = 100;

export const refOf = (entry: { namespace: string; id: string }): IdentityRef => ({
  namespace: entry.namespace,
  id: entry.id,
});

/** The total order of graphs: older first, ties broken by id. Merges always go into the oldest graph. */
export function compareGraphs(a: GraphState, b: GraphState): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  if (a.graphId === b.graphId) return 0;
  return a.graphId < b.graphId ? -1 : 1;
}

/** One link per unordered pair and dataset: redelivering or repeating a record adds nothing. */
export function linkKeyOf(a: IdentityRef, b: IdentityRef, datasetId: string): string {
  const [first, second] = [identityKeyOf(a), identityKeyOf(b)].sort();
  return JSON.stringify([first, second, datasetId]);
}

/** A record's identities linked as a star from its first identity: enough to connect them, n − 1 links. */
export function starLinks(
  identities: readonly IdentityRef[],
  source: LinkSource,
): Record<string, StoredLink> {
  const [hub, ...rest] = identities;
  const links: Record<string, StoredLink> = {};
  if (!hub) return links;
  for (const other of rest) {
    links[linkKeyOf(hub, other, source.datasetId)] = { from: refOf(hub), to: refOf(other), source };
  }
  return links;
}

export function emptyGraph(graphId: string, createdAt: string): GraphState {
  return { graphId, createdAt, version: 0, members: {}, links: {}, evictions: [], absorbed: [] };
}

export interface GraphChange {
  readonly graph: GraphState;
  readonly changed: boolean;
  /** Members removed by the cap, whose pointers must be deleted (conditional on their tokens) after the write. */
  readonly evicted: readonly StoredMember[];
}

/**
 * The time that keeps a member in a capped graph: its newest link, or when it joined if it has none. The cap
 * removes the members whose newest link is oldest, i.e. the oldest links go first.
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

function applyCap(
  graph: GraphState,
  cap: number,
  protectedKeys: ReadonlySet<string>,
  at: string,
): { graph: GraphState; evicted: StoredMember[] } {
  const excess = Object.keys(graph.members).length - cap;
  if (excess <= 0) return { graph, evicted: [] };
  const seen = lastSeen(graph);
  const victims = Object.keys(graph.members)
    .filter((key) => !protectedKeys.has(key))
    .sort((a, b) => {
      const byTime = (seen.get(a) ?? '').localeCompare(seen.get(b) ?? '');
      return byTime !== 0 ? byTime : a.localeCompare(b);
    })
    .slice(0, excess);
  const gone = new Set(victims);
  const members = Object.fromEntries(Object.entries(graph.members).filter(([key]) => !gone.has(key)));
  const links = Object.fromEntries(
    Object.entries(graph.links).filter(
      ([, link]) => !gone.has(identityKeyOf(link.from)) && !gone.has(identityKeyOf(link.to)),
    ),
  );
  const evicted = victims.map((key) => graph.members[key]!);
  const records: StoredEviction[] = evicted.map((member) => ({
    namespace: member.namespace,
    id: member.id,
    at,
    reason: CAP_EVICTION_REASON,
    token: member.token,
  }));
  const evictions = [...graph.evictions, ...records].slice(-MAX_EVICTION_RECORDS);
  return { graph: { ...graph, members, links, evictions }, evicted };
}

/**
 * Adds members (with their pointer tokens) and links to a live graph, then applies the cap without evicting the
 * identities just linked. `changed` is false when everything was already there: the caller then writes nothing.
 */
export function addToGraph(
  graph: GraphState,
  members: readonly StoredMember[],
  links: Readonly<Record<string, StoredLink>>,
  cap: number,
  at: string,
): GraphChange {
  const nextMembers = { ...graph.members };
  const nextLinks = { ...graph.links };
  let changed = false;
  for (const member of members) {
    const key = identityKeyOf(member);
    if (nextMembers[key]?.token === member.token) continue;
    nextMembers[key] = { ...member, addedAt: nextMembers[key]?.addedAt ?? member.addedAt };
    changed = true;
  }
  for (const [key, link] of Object.entries(links)) {
    if (nextLinks[key] || !nextMembers[identityKeyOf(link.from)] || !nextMembers[identityKeyOf(link.to)])
      continue;
    nextLinks[key] = link;
    changed = true;
  }
  if (!changed) return { graph, changed, evicted: [] };
  const grown = { ...graph, members: nextMembers, links: nextLinks, version: graph.version + 1 };
  const protectedKeys = new Set(members.map((member) => identityKeyOf(member)));
  return { ...applyCap(grown, cap, protectedKeys, at), changed };
}

/** Absorbs a claimed (frozen) graph into the live root: its members, links, evictions and tombstones. */
export function absorbGraph(root: GraphState, claimed: GraphState, cap: number, at: string): GraphChange {
  const members = { ...root.members };
  for (const [key, member] of Object.entries(claimed.members)) members[key] ??= member;
  const grown: GraphState = {
    ...root,
    version: root.version + 1,
    members,
    links: { ...claimed.links, ...root.links },
    evictions: [...root.evictions, ...claimed.evictions].slice(-MAX_EVICTION_RECORDS),
    absorbed: [...new Set([...root.absorbed, claimed.graphId, ...claimed.absorbed])],
  };
  return { ...applyCap(grown, cap, new Set(), at), changed: true };
}

/** True when `token` is the pointer of an identity the graph evicted: the pointer is a leftover to delete. */
export function wasEvicted(graph: GraphState, key: string, token: string): boolean {
  return graph.evictions.some((eviction) => eviction.token === token && identityKeyOf(eviction) === key);
}

export function viewOf(graph: GraphState): GraphView {
  return {
    graphId: graph.graphId,
    createdAt: graph.createdAt,
    members: Object.values(graph.members).map((member) => ({
      identity: refOf(member),
      addedAt: member.addedAt,
    })),
    links: Object.values(graph.links).map((link) => ({ from: link.from, to: link.to, source: link.source })),
    evictions: graph.evictions.map((eviction) => ({
      identity: refOf(eviction),
      at: eviction.at,
      reason: eviction.reason,
    })),
  };
}
