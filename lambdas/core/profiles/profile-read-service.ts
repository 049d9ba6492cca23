/**
 * The lookups of the profile API: an identity as a caller names it → its graph → the merged profile, the event
 * timeline or the graph itself. Identities are normalised (and hashed) exactly as the write side stores them, so a
 * caller looks a profile up by the value it sent. A graph none of whose identities holds a fragment or an event is
 * no profile (`not-found`): that is what is left of a person whose data was reverted or deleted; its graph still answers
 * while a link explains it.
 */
import { notFound, unprocessable } from '../errors/domain-error';
import { stitches, type MergePolicy, type MergePolicyService } from './merge-policies';
import type { MergedProfile } from './profile-read';
import { mergeProfile, selectFields } from './profile-read';
import {
  identityKeyOf,
  type EventPage,
  type Fragment,
  type GraphEviction,
  type GraphView,
  type IdentityGraph,
  type IdentityRef,
  type LinkSource,
  type ProfileDataStore,
} from './profile-ports';

/** An identity as a caller names it: Experience Platform's `entityId` and `entityIdNS`. */
export interface EntityRef {
  readonly entityId: string;
  readonly entityIdNS: string;
}

export interface IdentityLookup {
  /**
   * The identity as the write side stores it (canonical namespace code, normalised value, hashed where the
   * namespace is configured for it); an `invalid` error naming the parameter when the namespace is unknown or the value
   * cannot be an identity of it.
   */
  identityOf(sandbox: string, entity: EntityRef): Promise<IdentityRef>;
}

export interface GraphAnswer {
  readonly graphId: string;
  readonly nodes: { namespace: string; id: string; addedAt: string }[];
  readonly links: { from: IdentityRef; to: IdentityRef; source: LinkSource }[];
  readonly evictions: readonly GraphEviction[];
}

export interface EventQuery {
  /** Whose events: under a policy with `identityGraph: none`, only the identity's own (default: the sandbox's). */
  readonly mergePolicyId?: string;
  readonly limit: number;
  readonly start?: string;
  readonly startTime?: string;
  readonly endTime?: string;
}

export class ProfileReadService {
  constructor(
    private readonly deps: {
      readonly identities: IdentityLookup;
      readonly graph: IdentityGraph;
      readonly data: ProfileDataStore;
      readonly policies: MergePolicyService;
      readonly maxIdentitiesPerGraph: number;
    },
  ) {}

  async profile(
    sandbox: string,
    entity: EntityRef,
    options: { mergePolicyId?: string; fields?: readonly string[] } = {},
  ): Promise<MergedProfile> {
    // The policy first: an unknown policy is the caller's error whatever the identity.
    const policy = await this.deps.policies.forLookup(sandbox, options.mergePolicyId);
    const graph = await this.profileGraph(sandbox, entity, policy);
    const fragments = await this.deps.data.fragmentsOf(sandbox, identitiesOf(graph));
    if (!fragments.some(isLive) && !(await this.hasEvents(sandbox, graph))) throw missing(entity);
    const profile = mergeProfile(graph, fragments, policy);
    return options.fields ? selectFields(profile, options.fields) : profile;
  }

  async events(sandbox: string, entity: EntityRef, query: EventQuery): Promise<EventPage> {
    const { mergePolicyId, ...pageQuery } = query;
    const policy = await this.deps.policies.forLookup(sandbox, mergePolicyId);
    const graph = await this.profileGraph(sandbox, entity, policy);
    const page = await this.deps.data.eventsOf(sandbox, identitiesOf(graph), pageQuery);
    if (page.items.length === 0 && !(await this.holdsData(sandbox, graph))) throw missing(entity);
    return page;
  }

  /**
   * The identities whose fragments and events make the profile under the policy: the whole graph (within the cap),
   * or under `identityGraph: none` the identity looked up alone.
   */
  private async profileGraph(sandbox: string, entity: EntityRef, policy: MergePolicy): Promise<GraphView> {
    const { identity, graph } = await this.located(sandbox, entity);
    if (stitches(policy)) return withinCap(sandbox, graph, this.deps.maxIdentitiesPerGraph);
    const own = identityKeyOf(identity);
    return {
      ...graph,
      members: graph.members.filter((member) => identityKeyOf(member.identity) === own),
      links: [],
    };
  }

  async graph(sandbox: string, entity: EntityRef): Promise<GraphAnswer> {
    const graph = await this.resolve(sandbox, entity);
    if (graph.links.length === 0 && !(await this.holdsData(sandbox, graph))) throw missing(entity);
    return {
      graphId: graph.graphId,
      nodes: graph.members.map((member) => ({ ...member.identity, addedAt: member.addedAt })),
      links: graph.links.map((link) => ({ from: link.from, to: link.to, source: link.source })),
      evictions: graph.evictions,
    };
  }

  /** The graph of the identity the caller named, or `not-found` when no graph holds it. */
  async resolve(sandbox: string, entity: EntityRef): Promise<GraphView> {
    return (await this.located(sandbox, entity)).graph;
  }

  private async located(
    sandbox: string,
    entity: EntityRef,
  ): Promise<{ identity: IdentityRef; graph: GraphView }> {
    const identity = await this.deps.identities.identityOf(sandbox, entity);
    const graph = await this.deps.graph.resolve(sandbox, identity);
    if (!graph) throw missing(entity);
    return { identity, graph };
  }

  private async holdsData(sandbox: string, graph: GraphView): Promise<boolean> {
    const fragments = await this.deps.data.fragmentsOf(sandbox, identitiesOf(graph));
    return fragments.some(isLive) || (await this.hasEvents(sandbox, graph));
  }

  private async hasEvents(sandbox: string, graph: GraphView): Promise<boolean> {
    return (await this.deps.data.eventsOf(sandbox, identitiesOf(graph), { limit: 1 })).items.length > 0;
  }
}

/** A delete tombstone is no data: it only keeps an older record from coming back. */
const isLive = (fragment: Fragment): boolean => fragment.deleted !== true;

const missing = (entity: EntityRef) =>
  notFound('profile of identity', `${entity.entityIdNS}:${entity.entityId}`);

/** Reading a graph beyond the cap would merge more than the guardrail allows; the caller learns why. */
function withinCap(sandbox: string, graph: GraphView, cap: number): GraphView {
  const size = graph.members.length;
  if (size > cap) {
    throw unprocessable(
      'graph-too-large',
      `the identity graph '${graph.graphId}' in sandbox '${sandbox}' holds ${size} identities, more than the ` +
        `cap of ${cap}; look up its graph with GET /identities/graph`,
    );
  }
  return graph;
}

export const identitiesOf = (graph: GraphView): IdentityRef[] =>
  graph.members.map((member) => member.identity);
