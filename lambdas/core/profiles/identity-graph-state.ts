/**
 * Pure state transitions of the identity graph protocol: ordering graphs, adding members and links with their
 * sources, absorbing a claimed graph (the cap and size budget are graph-budget.ts, a revert's split graph-split.ts).
 * No I/O here; identity-graph.ts decides when each result is written.
 */
import { fitGraph, MAX_EVICTION_RECORDS } from './graph-budget';
import { linkSources, memberSources, sourcesOf, storedSources, withSource } from './graph-sources';
import type { GraphState, StoredLink, StoredMember } from './graph-store';
import { identityKeyOf, type GraphView, type IdentityRef, type LinkSource } from './profile-ports';

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
  const sources = storedSources(sourcesOf(source));
  for (const other of rest) {
    links[linkKeyOf(hub, other, source.datasetId)] = {
      from: refOf(hub),
      to: refOf(other),
      source,
      ...sources,
    };
  }
  return links;
}

/** A member as a record (with its source) or a repair (without: its record adds the source when it comes again). */
export function memberOf(
  identity: IdentityRef,
  token: string,
  addedAt: string,
  source: LinkSource | undefined,
): StoredMember {
  return {
    namespace: identity.namespace,
    id: identity.id,
    addedAt,
    token,
    ...storedSources(sourcesOf(source)),
  };
}

export function emptyGraph(graphId: string, createdAt: string): GraphState {
  return { graphId, createdAt, version: 0, members: {}, links: {}, evictions: [], absorbed: [] };
}

export interface GraphChange {
  readonly graph: GraphState;
  readonly changed: boolean;
  /** Members removed by the cap or the size budget, whose pointers must be deleted (token-conditional) after it. */
  readonly evicted: readonly StoredMember[];
  /** False when the graph cannot hold the change within MAX_GRAPH_ITEM_BYTES: nothing may be written. */
  readonly fits: boolean;
}

/** A member or link with the sources of another added; the same object when that adds nothing. */
function mergedMember(current: StoredMember, added: StoredMember): StoredMember {
  const before = memberSources(current);
  const sources = withSource(before, memberSources(added));
  if (sources === before && current.token === added.token) return current;
  return { ...current, token: added.token, ...storedSources(sources) };
}

function mergedLink(current: StoredLink, added: StoredLink): StoredLink {
  const before = linkSources(current);
  const sources = withSource(before, linkSources(added));
  return sources === before ? current : { ...current, ...storedSources(sources) };
}

/**
 * Adds members (with their pointer tokens and sources) and links to a live graph, then fits it to the cap and the
 * size budget without evicting the identities just linked. `changed` is false when everything was already there
 * (sources included): the caller then writes nothing.
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
    const current = nextMembers[key];
    const next = current ? mergedMember(current, member) : member;
    if (next === current) continue;
    nextMembers[key] = next;
    changed = true;
  }
  for (const [key, link] of Object.entries(links)) {
    if (!nextMembers[identityKeyOf(link.from)] || !nextMembers[identityKeyOf(link.to)]) continue;
    const current = nextLinks[key];
    const next = current ? mergedLink(current, link) : link;
    if (next === current) continue;
    nextLinks[key] = next;
    changed = true;
  }
  if (!changed) return { graph, changed, evicted: [], fits: true };
  const grown = { ...graph, members: nextMembers, links: nextLinks, version: graph.version + 1 };
  const protectedKeys = new Set(members.map((member) => identityKeyOf(member)));
  return { ...fitGraph(grown, cap, protectedKeys, at), changed };
}

/** The root with a claimed (frozen) graph's content copied in: members, links, evictions and tombstones. */
export function mergedContent(root: GraphState, claimed: GraphState): GraphState {
  const members = { ...root.members };
  for (const [key, member] of Object.entries(claimed.members)) members[key] ??= member;
  return {
    ...root,
    version: root.version + 1,
    members,
    links: { ...claimed.links, ...root.links },
    evictions: [...root.evictions, ...claimed.evictions].slice(-MAX_EVICTION_RECORDS),
    absorbed: [...new Set([...root.absorbed, claimed.graphId, ...claimed.absorbed])],
  };
}

/**
 * Absorbs a claimed graph into the live root. The identities of the record that made the merge (the claim's
 * `keep`) are not evicted, and a merge always fits: it is an intent that others wait on, so it evicts whatever the
 * budget requires.
 */
export function absorbGraph(root: GraphState, claimed: GraphState, cap: number, at: string): GraphChange {
  const grown = mergedContent(root, claimed);
  return { ...fitGraph(grown, cap, new Set(claimed.keep ?? []), at, true), changed: true };
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
