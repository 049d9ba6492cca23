import { describe, expect, it } from 'vitest';
import { privacyDelete } from '../../../lambdas/core/profiles/privacy-delete';
import type { EntityRef } from '../../../lambdas/core/profiles/profile-read-service';
import { notFound } from '../../../lambdas/core/errors/domain-error';
import type { GraphView } from '../../../lambdas/core/profiles/profile-ports';
import { identityKeyOf } from '../../../lambdas/core/profiles/profile-ports';
import {
  crm,
  email,
  FixedGraph,
  fragment,
  graphOf,
  MemoryProfileData,
  SANDBOX,
  T0,
} from './profile-read-fakes';

const ALICE = email('alice@example.com');
const ALICE_CRM = crm('C-1');
const BOB = email('bob@example.com');
const ENTITY: EntityRef = { entityId: 'C-1', entityIdNS: 'CRMID' };

function setup() {
  const graph = new FixedGraph([graphOf('g-alice', [ALICE, ALICE_CRM]), graphOf('g-bob', [BOB])]);
  const data = new MemoryProfileData(
    [
      fragment('ds-crm', ALICE_CRM, T0, { name: 'Alice' }),
      fragment('ds-web', ALICE, T0, { city: 'Paris' }),
      fragment('ds-web', BOB, T0, { city: 'Oslo' }),
    ],
    [
      {
        datasetId: 'ds-ev',
        identity: ALICE,
        eventId: 'e1',
        timestamp: T0,
        body: {},
        source: { datasetId: 'ds-ev', at: T0 },
      },
      {
        datasetId: 'ds-ev',
        identity: BOB,
        eventId: 'e2',
        timestamp: T0,
        body: {},
        source: { datasetId: 'ds-ev', at: T0 },
      },
    ],
  );
  // Identities are already normalised in these tests; the lookup maps the entity straight to its identity.
  const reads = {
    async resolve(sandbox: string, entity: EntityRef): Promise<GraphView> {
      const found = await graph.resolve(sandbox, { namespace: entity.entityIdNS, id: entity.entityId });
      if (!found) throw notFound('profile of identity', entity.entityId);
      return found;
    },
  };
  return { graph, data, deps: { reads, graph, data } };
}

describe('privacyDelete', () => {
  it('removes fragments and events of every member before the graph, and reports what went', async () => {
    // Prepare
    const { graph, data, deps } = setup();

    // Act
    const deletion = await privacyDelete(deps, SANDBOX, ENTITY);

    // Assess
    expect(deletion).toEqual({ profileId: 'g-alice', identities: 2, fragments: 2, events: 1, graphs: 1 });
    expect([...data.calls, ...graph.calls.filter((call) => call.startsWith('remove'))]).toEqual([
      `removeAll ${identityKeyOf(ALICE)},${identityKeyOf(ALICE_CRM)}`,
      'remove g-alice',
    ]);
    expect(data.fragments.map((item) => item.identity)).toEqual([BOB]);
    expect(data.events.map((item) => item.identity)).toEqual([BOB]);
    expect(graph.graphs.map((item) => item.graphId)).toEqual(['g-bob']);
  });

  it('is finished by repeating the call after a crash half-way', async () => {
    // Prepare
    const { graph, data, deps } = setup();
    graph.failNextRemove = true;
    await expect(privacyDelete(deps, SANDBOX, ENTITY)).rejects.toThrow('crash');

    // Act: the graph survived the crash, so the same lookup still finds every member
    const deletion = await privacyDelete(deps, SANDBOX, ENTITY);

    // Assess
    expect(deletion).toEqual({ profileId: 'g-alice', identities: 2, fragments: 0, events: 0, graphs: 1 });
    expect(data.fragments).toHaveLength(1);
    expect(graph.graphs.map((item) => item.graphId)).toEqual(['g-bob']);
  });

  it('answers 404 for an identity no graph holds, and removes nothing', async () => {
    // Prepare
    const { data, deps } = setup();

    // Act
    const error = await privacyDelete(deps, SANDBOX, {
      entityId: 'nobody@example.com',
      entityIdNS: 'Email',
    }).catch((failure: unknown) => failure);

    // Assess
    expect(error).toMatchObject({ kind: 'not-found' });
    expect(data.calls).toEqual([]);
  });
});
