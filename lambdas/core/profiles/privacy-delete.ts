/**
 * Privacy delete of a profile: everything stored of every identity in its graph, then the graph.
 *
 * The order makes the operation restartable without a transaction: fragments and events are removed while the
 * graph still says whose they are; the graph (and with it every identity pointer) goes last. A crash half-way
 * leaves the graph in place, so repeating the call finds the same members and finishes the job. Removing the graph
 * first would orphan fragments no lookup could ever find again.
 */
import type { IdentityGraph, ProfileDataStore } from './profile-ports';
import type { EntityRef, ProfileReadService } from './profile-read-service';
import { identitiesOf } from './profile-read-service';

export interface PrivacyDeletion {
  readonly profileId: string;
  readonly identities: number;
  readonly fragments: number;
  readonly events: number;
  readonly graphs: number;
}

export async function privacyDelete(
  deps: {
    readonly reads: Pick<ProfileReadService, 'resolve'>;
    readonly data: ProfileDataStore;
    readonly graph: IdentityGraph;
  },
  sandbox: string,
  entity: EntityRef,
): Promise<PrivacyDeletion> {
  const graph = await deps.reads.resolve(sandbox, entity);
  const removed = await deps.data.removeAll(sandbox, identitiesOf(graph));
  const removal = await deps.graph.remove(sandbox, graph.graphId);
  return {
    profileId: graph.graphId,
    identities: removal.identities.length,
    fragments: removed.fragments,
    events: removed.events,
    graphs: removal.graphs,
  };
}
