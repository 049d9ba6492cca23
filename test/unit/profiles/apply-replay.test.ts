import { describe, expect, it } from 'vitest';
import {
  applyToProfiles,
  type ApplyInput,
  type ApplyItem,
} from '../../../lambdas/core/profiles/apply-to-profiles';
import type { UpsertOperation } from '../../../lambdas/core/profiles/fragments';
import { DynamoIdentityGraph } from '../../../lambdas/core/profiles/identity-graph';
import { IdentityNormalizer } from '../../../lambdas/core/profiles/identity-normalizer';
import { DEFAULT_PROFILE_GUARDRAILS } from '../../../lambdas/core/profiles/profile-ports';
import { revertFromProfiles } from '../../../lambdas/core/profiles/revert-from-profiles';
import { EVENT_SCHEMA, emailProfileSchema } from '../../support/profile-schemas';
import { MemoryGraphStore } from './memory-graph-store';
import { RevertableProfileData } from './revert-fakes';

const RECEIVED = '2024-06-01T00:00:00.000Z';
const profileSchema = emailProfileSchema({ path: '/crmId', namespace: 'CRMID' });

interface Delivery {
  readonly schema: ApplyInput['schema'];
  readonly batchId: string;
  readonly records: readonly Record<string, unknown>[];
  readonly operation?: UpsertOperation;
  readonly replaces?: readonly string[];
}

function store() {
  const data = new RevertableProfileData();
  const deps = {
    // The real graph over an in-memory store: reverting a batch unlinks what only it linked.
    graph: new DynamoIdentityGraph({ store: new MemoryGraphStore(), guardrails: DEFAULT_PROFILE_GUARDRAILS }),
    data,
    guardrails: DEFAULT_PROFILE_GUARDRAILS,
    normalizer: new IdentityNormalizer({ maxIdentityLength: 1024 }),
  };
  const apply = (delivery: Delivery) =>
    applyToProfiles(deps, {
      sandbox: 'prod',
      dataset: { id: 'ds1', profileEnabled: true },
      schema: delivery.schema,
      items: delivery.records.map((record): ApplyItem => ({
        record,
        source: { batchId: delivery.batchId },
        receivedAt: RECEIVED,
        ...(delivery.operation ? { operation: delivery.operation } : {}),
      })),
      ...(delivery.replaces ? { replaces: delivery.replaces } : {}),
    });
  const revert = (delivery: Delivery) =>
    revertFromProfiles(deps, {
      sandbox: 'prod',
      dataset: { id: 'ds1', profileEnabled: true },
      schema: delivery.schema,
      batchId: delivery.batchId,
      records: delivery.records,
    });
  /** What a read sees: every fragment's attributes, time and source, every event's body and source. */
  const contents = () => ({
    fragments: [...data.fragments.values()]
      .map(({ identity, attributes, timestamp, source, deleted }) => ({
        identity,
        attributes,
        timestamp,
        source,
        deleted,
      }))
      .sort((a, b) => a.identity.id.localeCompare(b.identity.id)),
    events: [...data.events.values()]
      .map(({ eventId, body, source }) => ({ eventId, body, source }))
      .sort((a, b) => a.eventId.localeCompare(b.eventId)),
  });
  return { apply, revert, contents };
}

const T1 = '2024-01-01T00:00:00Z';
const pageView = (id: string, email: string, page: string) => ({
  _id: id,
  timestamp: '2024-05-01T00:00:00Z',
  page,
  identityMap: { Email: [{ id: email, primary: true }] },
});

/** The customers of batch P, whose replay R fixes Ann's and Bob's tier (Cy's record is the same). */
const customers = (tiers: readonly [string, string, string]) => [
  { email: 'ann@b.co', tier: tiers[0], timestamp: T1 },
  { email: 'bob@b.co', tier: tiers[1], city: 'Lyon', timestamp: T1 },
  { email: 'cy@b.co', tier: tiers[2], timestamp: T1 },
];
const P_RECORDS: Delivery = {
  schema: profileSchema,
  batchId: 'P',
  records: customers(['silver', 'silver', 'bronze']),
};
const P_EVENTS: Delivery = {
  schema: EVENT_SCHEMA,
  batchId: 'P',
  records: [pageView('e1', 'ann@b.co', 'broken'), pageView('e2', 'bob@b.co', 'same')],
};
/** Another source's update of Bob, newer than P. */
const NEWER_MERGE: Delivery = {
  schema: profileSchema,
  batchId: 'Q',
  records: [{ email: 'bob@b.co', points: 7, timestamp: '2024-01-02T00:00:00Z' }],
  operation: 'merge',
};
const R_RECORDS: Delivery = {
  ...P_RECORDS,
  batchId: 'R',
  replaces: ['P'],
  records: customers(['gold', 'gold', 'bronze']),
};
const R_EVENTS: Delivery = {
  ...P_EVENTS,
  batchId: 'R',
  replaces: ['P'],
  records: [pageView('e1', 'ann@b.co', 'fixed'), pageView('e2', 'bob@b.co', 'same')],
};

describe('applying a replay in place of the batches it replaces', () => {
  it('takes over what the replaced batch stored, so reverting that batch leaves the replay as if it alone had come', async () => {
    // Prepare
    const replayed = store();
    for (const delivery of [P_RECORDS, P_EVENTS, NEWER_MERGE]) await replayed.apply(delivery);
    const reference = store();
    for (const delivery of [R_RECORDS, R_EVENTS, NEWER_MERGE]) await reference.apply(delivery);

    // Act: the replay is promoted first, then the batch it replays is reverted
    const records = await replayed.apply(R_RECORDS);
    const events = await replayed.apply(R_EVENTS);
    const reverted = [await replayed.revert(P_RECORDS), await replayed.revert(P_EVENTS)];

    // Assess
    expect(records.results.map((result) => result.status)).toEqual(['applied', 'applied', 'applied']);
    expect(events.results.map((result) => result.status)).toEqual(['applied', 'applied']);
    expect(reverted.map((outcome) => outcome.eventsRemoved + outcome.fragmentsRemoved)).toEqual([0, 0]);
    expect(replayed.contents()).toEqual(reference.contents());
    expect(replayed.contents().fragments.map((fragment) => fragment.attributes)).toEqual([
      { email: 'ann@b.co', tier: 'gold', timestamp: T1 },
      { email: 'bob@b.co', tier: 'gold', city: 'Lyon', points: 7, timestamp: '2024-01-02T00:00:00Z' },
      { email: 'cy@b.co', tier: 'bronze', timestamp: T1 },
    ]);
  });

  it('changes nothing when the replay is applied again, and replaces nothing of a batch it does not name', async () => {
    // Prepare
    const { apply, contents } = store();
    for (const delivery of [P_RECORDS, P_EVENTS, R_RECORDS, R_EVENTS]) await apply(delivery);
    const before = contents();

    // Act
    const again = [await apply(R_RECORDS), await apply(R_EVENTS)];
    const unnamed = await apply({
      ...R_EVENTS,
      batchId: 'S',
      replaces: ['X'],
      records: [pageView('e1', 'ann@b.co', 'other')],
    });

    // Assess
    expect(again.map((outcome) => outcome.writeUnits)).toEqual([0, 0]);
    // Batch S becomes a source of Ann's identity in the graph (so its result is applied), but the event it sent
    // under an id batch P stored replaces nothing: S does not replace P.
    expect(unnamed.results.map((result) => result.status)).toEqual(['applied']);
    expect(contents()).toEqual(before);
  });
});
