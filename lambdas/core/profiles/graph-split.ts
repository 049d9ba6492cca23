/**
 * Taking a reverted batch out of one graph (pure): the batch leaves every link's and member's sources; a link no
 * source holds any more goes, and so does a member no source names and no link holds. What remains may have come
 * apart (`apart`, which a link's write applies too): the largest component keeps the graph (and so the profile id),
 * every other becomes a new graph through a split intent that identity-graph.ts finishes (docs/identity-graph.md,
 * "Reverting a batch").
 */
import { withoutMembers } from './graph-budget';
import { hasSources, linkSources, memberSources, storedSources, withoutBatch } from './graph-sources';
import type { GraphSeed, GraphState, StoredLink, StoredMember } from './graph-store';
import { identityKeyOf, type LinkSource } from './profile-ports';

/** Why an identity left a graph when a batch was reverted (in the graph's eviction records). */
export const REVERT_EVICTION_REASON = 'batch-reverted';

export interface BatchRemoval {
  /** The graph to write at the next version: what remains, with a split intent when it came apart. */
  readonly graph: GraphState;
  /** Members no source names any more: their pointers are deleted (token-conditional) after the write. */
  readonly removed: readonly StoredMember[];
}

/** A link's shown source once its own batch was reverted: a remaining batch, else "elsewhere" (no batch). */
function remainingSource(source: LinkSource, batches: readonly string[]): LinkSource {
  const { datasetId, messageId, at } = source;
  return {
    datasetId,
    ...(batches[0] !== undefined ? { batchId: batches[0] } : {}),
    ...(messageId !== undefined ? { messageId } : {}),
    at,
  };
}

/** The connected components of the members over the links, each as identity keys; largest first. */
function components(
  members: Readonly<Record<string, StoredMember>>,
  links: Readonly<Record<string, StoredLink>>,
): string[][] {
  const parent = new Map(Object.keys(members).map((key) => [key, key]));
  const find = (key: string): string => {
    let root = key;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(key, root);
    return root;
  };
  for (const link of Object.values(links)) {
    const [from, to] = [identityKeyOf(link.from), identityKeyOf(link.to)];
    if (parent.has(from) && parent.has(to)) parent.set(find(from), find(to));
  }
  const groups = new Map<string, string[]>();
  for (const key of parent.keys()) groups.set(find(key), [...(groups.get(find(key)) ?? []), key]);
  // Largest first; among equals the one holding the smallest identity key, so the choice is deterministic.
  return [...groups.values()]
    .map((group) => group.sort())
    .sort((a, b) => b.length - a.length || a[0]!.localeCompare(b[0]!));
}

function restrictedTo(
  keys: readonly string[],
  members: Readonly<Record<string, StoredMember>>,
  links: Readonly<Record<string, StoredLink>>,
) {
  const inside = new Set(keys);
  return {
    members: Object.fromEntries(keys.map((key) => [key, members[key]!])),
    links: Object.fromEntries(
      Object.entries(links).filter(
        ([, link]) => inside.has(identityKeyOf(link.from)) && inside.has(identityKeyOf(link.to)),
      ),
    ),
  };
}

/**
 * The graph without what only `batchId` made, or undefined when the batch made nothing in it (nothing to write).
 * `ids` name the graphs and the split that a coming-apart creates.
 */
export function removeBatch(
  graph: GraphState,
  batchId: string,
  at: string,
  ids: SplitIds,
): BatchRemoval | undefined {
  let touched = false;
  const links: Record<string, StoredLink> = {};
  for (const [key, link] of Object.entries(graph.links)) {
    const before = linkSources(link);
    const after = withoutBatch(before, batchId);
    if (after === before) {
      links[key] = link;
      continue;
    }
    touched = true;
    if (!hasSources(after)) continue;
    const source =
      link.source.batchId === batchId ? remainingSource(link.source, after.batches) : link.source;
    links[key] = { ...link, ...storedSources(after), source };
  }
  const members: Record<string, StoredMember> = {};
  for (const [key, member] of Object.entries(graph.members)) {
    const before = memberSources(member);
    const after = withoutBatch(before, batchId);
    touched ||= after !== before;
    members[key] = after === before ? member : { ...member, ...storedSources(after) };
  }
  if (!touched) return undefined;

  const linked = new Set(
    Object.values(links).flatMap((link) => [identityKeyOf(link.from), identityKeyOf(link.to)]),
  );
  const gone = Object.keys(members).filter(
    (key) => !linked.has(key) && !hasSources(memberSources(members[key]!)),
  );
  const reduced = withoutMembers(
    { ...graph, members, links, version: graph.version + 1 },
    gone,
    at,
    REVERT_EVICTION_REASON,
  );
  const removed = gone.map((key) => graph.members[key]!);
  return { graph: apart(reduced, at, ids), removed };
}

/** Names the graphs and the split that a coming-apart creates. */
export interface SplitIds {
  readonly graphId: () => string;
  readonly splitId: () => string;
}

/**
 * The graph as it is when its links connect all its members; otherwise the largest component keeps it and every
 * other component is written into a split intent, to become a graph of its own.
 */
export function apart(graph: GraphState, at: string, ids: SplitIds): GraphState {
  const [keeper, ...others] = components(graph.members, graph.links);
  if (!keeper || others.length === 0) return graph;
  const seeds: GraphSeed[] = others.map((keys) => ({
    graphId: ids.graphId(),
    createdAt: at,
    ...restrictedTo(keys, graph.members, graph.links),
  }));
  return {
    ...graph,
    ...restrictedTo(keeper, graph.members, graph.links),
    split: { id: ids.splitId(), graphs: seeds },
  };
}
