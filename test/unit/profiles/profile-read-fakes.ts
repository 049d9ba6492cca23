/** In-memory parts for the read side's unit tests: a fixed identity graph, fragments and events, merge policies. */
import { invalid } from '../../../lambdas/core/errors/domain-error';
import type { Page, PageRequest } from '../../../lambdas/core/page';
import type { MergePolicy, MergePolicyStore } from '../../../lambdas/core/profiles/merge-policies';
import type {
  EventPage,
  Fragment,
  GraphRemoval,
  GraphView,
  IdentityGraph,
  IdentityRef,
  ProfileDataStore,
  ProfileEvent,
} from '../../../lambdas/core/profiles/profile-ports';
import { identityKeyOf } from '../../../lambdas/core/profiles/profile-ports';

export const SANDBOX = 'prod';
export const T0 = '2024-01-01T00:00:00.000Z';

export const email = (id: string): IdentityRef => ({ namespace: 'Email', id });
export const crm = (id: string): IdentityRef => ({ namespace: 'CRMID', id });

export function graphOf(graphId: string, identities: readonly IdentityRef[]): GraphView {
  return {
    graphId,
    createdAt: T0,
    members: identities.map((identity) => ({ identity, addedAt: T0 })),
    links: identities.slice(1).map((identity) => ({
      from: identities[0]!,
      to: identity,
      source: { datasetId: 'ds-link', at: T0 },
    })),
    evictions: [],
  };
}

export function fragment(
  datasetId: string,
  identity: IdentityRef,
  timestamp: string,
  attributes: Record<string, unknown>,
  extra: Partial<Fragment> = {},
): Fragment {
  return { datasetId, identity, timestamp, attributes, source: { datasetId, at: timestamp }, ...extra };
}

/** Graphs given up front; `remove` can be told to fail once, to stand for a crash half-way. */
export class FixedGraph implements IdentityGraph {
  readonly calls: string[] = [];
  failNextRemove = false;

  constructor(readonly graphs: GraphView[]) {}

  link(): never {
    throw new Error('the read side never links');
  }

  async resolve(_sandbox: string, identity: IdentityRef): Promise<GraphView | undefined> {
    this.calls.push(`resolve ${identityKeyOf(identity)}`);
    return this.graphs.find((graph) =>
      graph.members.some((member) => identityKeyOf(member.identity) === identityKeyOf(identity)),
    );
  }

  async remove(_sandbox: string, graphId: string): Promise<GraphRemoval> {
    this.calls.push(`remove ${graphId}`);
    if (this.failNextRemove) {
      this.failNextRemove = false;
      throw new Error('crash before the graph was removed');
    }
    const graph = this.graphs.find((candidate) => candidate.graphId === graphId);
    this.graphs.splice(this.graphs.indexOf(graph!), 1);
    return {
      graphId,
      identities: graph?.members.map((member) => member.identity) ?? [],
      graphs: graph ? 1 : 0,
    };
  }
}

export class MemoryProfileData implements ProfileDataStore {
  readonly calls: string[] = [];

  constructor(
    readonly fragments: Fragment[] = [],
    readonly events: ProfileEvent[] = [],
  ) {}

  private static has(identities: readonly IdentityRef[], identity: IdentityRef): boolean {
    return identities.some((candidate) => identityKeyOf(candidate) === identityKeyOf(identity));
  }

  async fragmentsOf(_sandbox: string, identities: readonly IdentityRef[]): Promise<Fragment[]> {
    return this.fragments.filter((item) => MemoryProfileData.has(identities, item.identity));
  }

  async eventsOf(
    _sandbox: string,
    identities: readonly IdentityRef[],
    query: { limit: number; start?: string; startTime?: string; endTime?: string },
  ): Promise<EventPage> {
    const matching = this.events
      .filter((event) => MemoryProfileData.has(identities, event.identity))
      .filter(
        (event) => (query.startTime ?? '') <= event.timestamp && event.timestamp <= (query.endTime ?? '~'),
      )
      .sort((a, b) => b.timestamp.localeCompare(a.timestamp));
    const from = query.start === undefined ? 0 : Number(query.start);
    const items = matching.slice(from, from + query.limit);
    const next = from + query.limit < matching.length ? String(from + query.limit) : undefined;
    return { items, ...(next ? { next } : {}) };
  }

  async removeAll(
    _sandbox: string,
    identities: readonly IdentityRef[],
  ): Promise<{ fragments: number; events: number }> {
    this.calls.push(`removeAll ${identities.map(identityKeyOf).join(',')}`);
    const keep = <T extends { identity: IdentityRef }>(items: T[]): number => {
      const before = items.length;
      const kept = items.filter((item) => !MemoryProfileData.has(identities, item.identity));
      items.splice(0, items.length, ...kept);
      return before - kept.length;
    };
    return { fragments: keep(this.fragments), events: keep(this.events) };
  }
}

export class MemoryMergePolicyStore implements MergePolicyStore {
  readonly policies: MergePolicy[] = [];
  readonly defaults = new Map<string, string>();

  async get(sandbox: string, id: string): Promise<MergePolicy | undefined> {
    return this.policies.find((policy) => policy.sandbox === sandbox && policy.id === id);
  }

  async create(policy: MergePolicy): Promise<boolean> {
    if (await this.get(policy.sandbox, policy.id)) return false;
    this.policies.push(policy);
    return true;
  }

  async list(sandbox: string, page: PageRequest): Promise<Page<MergePolicy>> {
    const all = this.policies.filter((policy) => policy.sandbox === sandbox);
    const from = page.start === undefined ? 0 : Number(page.start);
    const next = from + page.limit < all.length ? String(from + page.limit) : undefined;
    return { items: all.slice(from, from + page.limit), ...(next ? { next } : {}) };
  }

  async defaultId(sandbox: string): Promise<string | undefined> {
    return this.defaults.get(sandbox);
  }

  async setDefault(sandbox: string, id: string): Promise<void> {
    this.defaults.set(sandbox, id);
  }
}

/** Datasets that exist; any other id is the 400 the dataset service answers. */
export class KnownDatasets {
  constructor(private readonly ids: readonly string[]) {}

  async require(sandbox: string, id: string, pointer: string): Promise<unknown> {
    if (this.ids.includes(id)) return { id };
    const message = `dataset '${id}' does not exist in sandbox '${sandbox}'`;
    throw invalid('unknown-reference', message, [{ pointer, keyword: 'exists', message }]);
  }
}
