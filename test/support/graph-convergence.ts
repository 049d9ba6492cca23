/**
 * Checks of the identity graph's end state shared by the unit and property tests: expected components from
 * union-find, and the invariants every settled graph must satisfy.
 */
import type { GraphState } from '../../lambdas/core/profiles/graph-store';
import { identityKeyOf, type GraphView, type IdentityRef } from '../../lambdas/core/profiles/profile-ports';

/** The connected components of the records' identities, each as a sorted list of identity keys. */
export function componentsOf(records: readonly (readonly IdentityRef[])[]): string[][] {
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    const up = parent.get(key) ?? key;
    if (up === key) return key;
    const root = find(up);
    parent.set(key, root);
    return root;
  };
  for (const record of records) {
    const [first, ...rest] = record.map(identityKeyOf);
    if (first === undefined) continue;
    if (!parent.has(first)) parent.set(first, first);
    for (const key of rest) {
      if (!parent.has(key)) parent.set(key, key);
      parent.set(find(key), find(first));
    }
  }
  const groups = new Map<string, string[]>();
  for (const key of parent.keys()) groups.set(find(key), [...(groups.get(find(key)) ?? []), key]);
  return [...groups.values()].map((group) => group.sort()).sort((a, b) => a[0]!.localeCompare(b[0]!));
}

export const memberKeys = (view: GraphView | undefined): string[] =>
  (view?.members ?? []).map((member) => identityKeyOf(member.identity)).sort();

/**
 * Problems in a settled state (empty when none): every identity resolves to a graph whose members are the
 * identities resolving to it, every live graph has members, and no merge or split is left pending. With
 * `emptyUnreachable`, a live graph without members that nothing resolves to is allowed: what a revert that crashed
 * between deleting an emptied graph's pointers and the graph leaves (docs/identity-graph.md, known limits).
 */
export function settledProblems(
  resolved: ReadonlyMap<string, GraphView | undefined>,
  graphs: readonly GraphState[],
  options: { readonly emptyUnreachable?: 'allowed' } = {},
) {
  const problems: string[] = [];
  const resolvingTo = new Map<string, string[]>();
  for (const [key, view] of resolved) {
    if (!view) continue;
    resolvingTo.set(view.graphId, [...(resolvingTo.get(view.graphId) ?? []), key]);
  }
  for (const [key, view] of resolved) {
    if (view && !memberKeys(view).includes(key))
      problems.push(`${key} resolves to ${view.graphId} not listing it`);
  }
  for (const graph of graphs) {
    if (graph.claim !== undefined) problems.push(`graph ${graph.graphId} has a pending claim`);
    if (graph.split !== undefined) problems.push(`graph ${graph.graphId} has a pending split`);
    if (graph.claim !== undefined || graph.mergedInto !== undefined) continue;
    const listed = Object.keys(graph.members).sort();
    const pointing = (resolvingTo.get(graph.graphId) ?? []).sort();
    const garbage = options.emptyUnreachable === 'allowed' && pointing.length === 0;
    if (listed.length === 0 && !garbage) problems.push(`live graph ${graph.graphId} has no members`);
    if (JSON.stringify(listed) !== JSON.stringify(pointing)) {
      problems.push(
        `graph ${graph.graphId} lists ${listed.join(',')} but ${pointing.join(',')} resolve to it`,
      );
    }
  }
  return problems;
}
