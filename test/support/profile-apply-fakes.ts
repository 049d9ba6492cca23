/**
 * In-memory stand-ins for the pipeline entry point's unit tests: an identity graph that unions what it is given
 * (no concurrency protocol — the graph's own tests cover that) and a fragment and event store that counts one write
 * unit per write, as a small item costs in DynamoDB.
 */
import type { EventWrites } from '../../lambdas/core/profiles/events';
import type { FragmentWrites, StoredFragment, WriteResult } from '../../lambdas/core/profiles/fragments';
import { GRAPH_REFUSAL_CODES, GraphRefusedError } from '../../lambdas/core/profiles/identity-graph';
import type {
  GraphRemoval,
  GraphView,
  IdentityGraph,
  IdentityRef,
  LinkOutcome,
  LinkSource,
  ProfileEvent,
} from '../../lambdas/core/profiles/profile-ports';
import { identityKeyOf, StoreRefusal } from '../../lambdas/core/profiles/profile-ports';

export class MemoryGraph implements IdentityGraph {
  /** Identity key → graph id. */
  readonly graphOf = new Map<string, string>();
  readonly links: { identities: IdentityRef[]; source: LinkSource }[] = [];
  private readonly pairs = new Set<string>();
  private nextId = 1;
  failOn?: string;
  /** A record linking this identity is refused for good, as the real graph refuses one its item cannot hold. */
  refuseOn?: string;

  async link(_sandbox: string, identities: readonly IdentityRef[], source: LinkSource): Promise<LinkOutcome> {
    const keys = identities.map(identityKeyOf);
    if (this.failOn && keys.includes(this.failOn)) throw new Error('graph unavailable');
    if (this.refuseOn && keys.includes(this.refuseOn)) {
      throw new GraphRefusedError(GRAPH_REFUSAL_CODES.tooLarge, 'the graph item cannot hold the record');
    }
    const graphs = [...new Set(keys.map((key) => this.graphOf.get(key)).filter((id) => id !== undefined))];
    const graphId = graphs[0] ?? `g${this.nextId++}`;
    const newPairs = keys
      .slice(1)
      .map((key) => `${keys[0]}|${key}`)
      .filter((pair) => !this.pairs.has(pair));
    const newIdentities = keys.filter((key) => !this.graphOf.has(key));
    const changed = graphs.length > 1 || newPairs.length > 0 || newIdentities.length > 0;
    for (const [key, id] of this.graphOf) if (graphs.includes(id)) this.graphOf.set(key, graphId);
    for (const key of keys) this.graphOf.set(key, graphId);
    newPairs.forEach((pair) => this.pairs.add(pair));
    if (changed) this.links.push({ identities: [...identities], source });
    return { graphId, changed, merged: graphs.slice(1), evicted: [] };
  }

  async resolve(): Promise<GraphView | undefined> {
    throw new Error('not used by the pipeline entry point');
  }

  async remove(): Promise<GraphRemoval> {
    throw new Error('not used by the pipeline entry point');
  }
}

export const fragmentKey = (sandbox: string, datasetId: string, identity: IdentityRef) =>
  `${sandbox}|${datasetId}|${identityKeyOf(identity)}`;
export const eventKey = (sandbox: string, datasetId: string, identity: IdentityRef, eventId: string) =>
  `${sandbox}|${datasetId}|${identityKeyOf(identity)}|${eventId}`;

export class MemoryProfileData implements FragmentWrites, EventWrites {
  readonly fragments = new Map<string, StoredFragment>();
  readonly events = new Map<string, ProfileEvent>();
  writes = 0;
  failOn?: string;
  /** Refuses, as too large, every write of a fragment whose attributes hold this field. */
  refuseField?: string;
  /** Refuses, as too large, every write of a fragment whose history holds more changes than this. */
  maxChanges?: number;
  /** Runs once, between the next fragment read and its write: a concurrent writer's change. */
  interleave?: () => void;

  async getFragment(sandbox: string, datasetId: string, identity: IdentityRef) {
    if (this.failOn === identityKeyOf(identity)) throw new Error('store unavailable');
    const stored = this.fragments.get(fragmentKey(sandbox, datasetId, identity));
    const interleave = this.interleave;
    this.interleave = undefined;
    interleave?.();
    return stored;
  }

  async putFragment(
    sandbox: string,
    fragment: StoredFragment,
    expected: string | undefined,
  ): Promise<WriteResult> {
    const key = fragmentKey(sandbox, fragment.datasetId, fragment.identity);
    if (this.refuseField && Object.hasOwn(fragment.attributes, this.refuseField)) {
      throw new StoreRefusal('too-large', `the fragment holds ${this.refuseField}`);
    }
    const changes = fragment.history.merges.length + (fragment.history.base ? 1 : 0);
    if (changes > (this.maxChanges ?? Infinity)) {
      throw new StoreRefusal('too-large', `the fragment holds ${changes} changes`);
    }
    this.writes += 1;
    if (this.fragments.get(key)?.version !== expected) return { written: false, writeUnits: 1 };
    this.fragments.set(key, fragment);
    return { written: true, writeUnits: 1 };
  }

  async storedEventSource(sandbox: string, datasetId: string, identity: IdentityRef, eventId: string) {
    return this.events.get(eventKey(sandbox, datasetId, identity, eventId))?.source;
  }

  async putEventIfAbsent(sandbox: string, event: ProfileEvent): Promise<WriteResult> {
    return this.putEvent(sandbox, event, (stored) => stored === undefined);
  }

  async putEventOverBatch(sandbox: string, event: ProfileEvent, batchId: string): Promise<WriteResult> {
    return this.putEvent(sandbox, event, (stored) => stored?.source.batchId === batchId);
  }

  private putEvent(sandbox: string, event: ProfileEvent, condition: (stored?: ProfileEvent) => boolean) {
    const key = eventKey(sandbox, event.datasetId, event.identity, event.eventId);
    this.writes += 1;
    if (!condition(this.events.get(key))) return { written: false, writeUnits: 1 };
    this.events.set(key, event);
    return { written: true, writeUnits: 1 };
  }
}
