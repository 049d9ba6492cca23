/**
 * The read model: the merged profile of one identity graph under a merge policy. Every attribute (a leaf path of
 * a fragment's attributes; arrays count as one value) comes from exactly one fragment, and the answer says which.
 *
 * Both policies reduce to an order of the fragments: the first fragment in that order that has an attribute
 * supplies it. `timestamp` orders newest first; `datasetPrecedence` orders by the policy's list, then (datasets not
 * in the list) newest first. Ties fall back to dataset id and identity, so the same data always merges the same way.
 */
import { setOwn } from '../own-property';
import type { MergePolicy } from './merge-policies';
import type { Fragment, GraphView, IdentityRef } from './profile-ports';
import { identityKeyOf } from './profile-ports';

export interface AttributeProvenance {
  readonly datasetId: string;
  readonly identity: IdentityRef;
  readonly timestamp: string;
  readonly batchId?: string;
  readonly messageId?: string;
}

export interface MergedProfile {
  /** The graph's id: stable while the graph only grows. */
  readonly profileId: string;
  readonly identities: IdentityRef[];
  readonly attributes: Record<string, unknown>;
  /** Per attribute, by its dotted path: the fragment that supplied it. */
  readonly provenance: Record<string, AttributeProvenance>;
  readonly lastUpdated: string;
  readonly mergePolicy: { readonly id: string; readonly attributeMerge: MergePolicy['attributeMerge'] };
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The leaf paths of an attribute tree with their values; `null` counts as absent, as in Experience Platform. */
function leavesOf(attributes: Readonly<Json>, prefix: readonly string[] = []): [string[], unknown][] {
  return Object.entries(attributes).flatMap(([name, value]): [string[], unknown][] => {
    const path = [...prefix, name];
    if (value === null || value === undefined) return [];
    return isObject(value) ? leavesOf(value, path) : [[path, value]];
  });
}

const newestFirst = (a: Fragment, b: Fragment): number =>
  a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0;

/** Code-unit order, not locale order: the merge must not depend on the runtime's locale. */
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const stableTieBreak = (a: Fragment, b: Fragment): number =>
  compareText(a.datasetId, b.datasetId) || compareText(identityKeyOf(a.identity), identityKeyOf(b.identity));

/** The fragments in the order in which they supply attributes under the policy. */
export function precedenceOrder(fragments: readonly Fragment[], policy: MergePolicy): Fragment[] {
  const rank = new Map(
    (policy.attributeMerge === 'datasetPrecedence' ? (policy.datasets ?? []) : []).map(
      (id, index) => [id, index] as const,
    ),
  );
  const rankOf = (fragment: Fragment): number => rank.get(fragment.datasetId) ?? rank.size;
  return [...fragments].sort((a, b) => rankOf(a) - rankOf(b) || newestFirst(a, b) || stableTieBreak(a, b));
}

function setPath(target: Json, path: readonly string[], value: unknown): void {
  let node = target;
  for (const name of path.slice(0, -1)) {
    const child = Object.hasOwn(node, name) ? node[name] : undefined;
    if (isObject(child)) node = child;
    else {
      const created: Json = {};
      setOwn(node, name, created);
      node = created;
    }
  }
  setOwn(node, path[path.length - 1]!, value);
}

/**
 * Takes each leaf from the first fragment that has it. A path already taken as a leaf blocks its descendants, and
 * a path with taken descendants blocks a leaf value there, so an object and a scalar never overwrite each other.
 */
function mergeAttributes(ordered: readonly Fragment[]): {
  attributes: Json;
  provenance: Record<string, AttributeProvenance>;
} {
  const attributes: Json = {};
  const provenance: Record<string, AttributeProvenance> = {};
  const takenLeaves = new Set<string>();
  const takenBranches = new Set<string>();
  for (const fragment of ordered) {
    if (fragment.deleted) continue;
    for (const [path, value] of leavesOf(fragment.attributes)) {
      const dotted = path.join('.');
      const ancestors = path.slice(0, -1).map((_, index) => path.slice(0, index + 1).join('.'));
      if (takenLeaves.has(dotted) || takenBranches.has(dotted)) continue;
      if (ancestors.some((ancestor) => takenLeaves.has(ancestor))) continue;
      takenLeaves.add(dotted);
      for (const ancestor of ancestors) takenBranches.add(ancestor);
      setPath(attributes, path, value);
      setOwn(provenance, dotted, {
        datasetId: fragment.datasetId,
        identity: fragment.identity,
        timestamp: fragment.timestamp,
        ...(fragment.source.batchId !== undefined ? { batchId: fragment.source.batchId } : {}),
        ...(fragment.source.messageId !== undefined ? { messageId: fragment.source.messageId } : {}),
      });
    }
  }
  return { attributes, provenance };
}

/** The profile of the graph under the policy, from the fragments of its members (tombstones included or not). */
export function mergeProfile(
  graph: GraphView,
  fragments: readonly Fragment[],
  policy: MergePolicy,
): MergedProfile {
  const { attributes, provenance } = mergeAttributes(precedenceOrder(fragments, policy));
  // A delete changes the profile too, so tombstones count for the last update.
  const lastUpdated = fragments.reduce(
    (latest, fragment) => (fragment.timestamp > latest ? fragment.timestamp : latest),
    graph.createdAt,
  );
  return {
    profileId: graph.graphId,
    identities: graph.members.map((member) => member.identity),
    attributes,
    provenance,
    lastUpdated,
    mergePolicy: { id: policy.id, attributeMerge: policy.attributeMerge },
  };
}

/** Whether `path` is one of the requested fields or lies below one. */
const covered = (path: string, fields: readonly string[]): boolean =>
  fields.some((field) => path === field || path.startsWith(`${field}.`));

function pickAttributes(node: Json, fields: readonly string[], prefix: string): Json {
  const picked: Json = {};
  for (const [name, value] of Object.entries(node)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    if (covered(path, fields)) setOwn(picked, name, value);
    else if (isObject(value) && fields.some((field) => field.startsWith(`${path}.`))) {
      const child = pickAttributes(value, fields, path);
      if (Object.keys(child).length > 0) setOwn(picked, name, child);
    }
  }
  return picked;
}

/** The profile limited to the given dotted paths (`fields=` of Experience Platform's lookup), attributes and provenance. */
export function selectFields(profile: MergedProfile, fields: readonly string[]): MergedProfile {
  return {
    ...profile,
    attributes: pickAttributes(profile.attributes, fields, ''),
    provenance: Object.fromEntries(
      Object.entries(profile.provenance).filter(([path]) => covered(path, fields)),
    ),
  };
}
