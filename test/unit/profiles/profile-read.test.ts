import { describe, expect, it } from 'vitest';
import { IdentityNormalizer } from '../../../lambdas/core/profiles/identity-normalizer';
import {
  implicitMergePolicy,
  MergePolicyService,
  type MergePolicy,
} from '../../../lambdas/core/profiles/merge-policies';
import {
  DEFAULT_PROFILE_GUARDRAILS,
  type IdentityRef,
  type ProfileEvent,
} from '../../../lambdas/core/profiles/profile-ports';
import { mergeProfile, selectFields } from '../../../lambdas/core/profiles/profile-read';
import { NormalizingIdentityLookup } from '../../../lambdas/core/profiles/profile-read-identities';
import { ProfileReadService } from '../../../lambdas/core/profiles/profile-read-service';
import { STANDARD_NAMESPACES } from '../../../lambdas/core/catalog/standard-namespaces';
import { domainErrorOf } from '../../support/domain-error';
import {
  crm,
  email,
  FixedGraph,
  fragment,
  graphOf,
  KnownDatasets,
  MemoryMergePolicyStore,
  MemoryProfileData,
  SANDBOX,
} from './profile-read-fakes';

const TIMESTAMP = implicitMergePolicy(SANDBOX);
const precedence = (...datasets: string[]): MergePolicy => ({
  ...TIMESTAMP,
  id: 'p-1',
  attributeMerge: 'datasetPrecedence',
  datasets,
});

const ALICE = email('alice@example.com');
const ALICE_CRM = crm('C-1');
const GRAPH = graphOf('g-1', [ALICE, ALICE_CRM]);

const FRAGMENTS = [
  fragment('ds-crm', ALICE_CRM, '2024-03-01T00:00:00.000Z', {
    person: { name: { first: 'Alice', last: 'Smith' } },
    loyalty: { tier: 'gold' },
  }),
  fragment('ds-web', ALICE, '2024-05-01T00:00:00.000Z', {
    person: { name: { first: 'Ally' } },
    consent: { marketing: 'y' },
  }),
  fragment('ds-pos', ALICE, '2024-04-01T00:00:00.000Z', { loyalty: { tier: 'silver', points: 120 } }),
];

describe('mergeProfile', () => {
  it('takes each attribute from the newest fragment that has it, and says which one', () => {
    // Act
    const profile = mergeProfile(GRAPH, FRAGMENTS, TIMESTAMP);

    // Assess
    expect(profile).toMatchObject({
      profileId: 'g-1',
      identities: [ALICE, ALICE_CRM],
      attributes: {
        person: { name: { first: 'Ally', last: 'Smith' } },
        loyalty: { tier: 'silver', points: 120 },
        consent: { marketing: 'y' },
      },
      lastUpdated: '2024-05-01T00:00:00.000Z',
      mergePolicy: { id: TIMESTAMP.id, attributeMerge: 'timestamp' },
    });
    expect(profile.provenance['person.name.first']).toEqual({
      datasetId: 'ds-web',
      identity: ALICE,
      timestamp: '2024-05-01T00:00:00.000Z',
    });
    expect(profile.provenance['person.name.last']).toMatchObject({
      datasetId: 'ds-crm',
      identity: ALICE_CRM,
    });
    expect(profile.provenance['loyalty.tier']).toMatchObject({ datasetId: 'ds-pos' });
    expect(Object.keys(profile.provenance).sort()).toEqual([
      'consent.marketing',
      'loyalty.points',
      'loyalty.tier',
      'person.name.first',
      'person.name.last',
    ]);
  });

  it('takes each attribute from the first listed dataset that has it, then the others newest first', () => {
    // Act
    const profile = mergeProfile(GRAPH, FRAGMENTS, precedence('ds-crm'));

    // Assess
    expect(profile.attributes).toEqual({
      person: { name: { first: 'Alice', last: 'Smith' } },
      loyalty: { tier: 'gold', points: 120 },
      consent: { marketing: 'y' },
    });
    expect(profile.provenance['loyalty.tier']?.datasetId).toBe('ds-crm');
    expect(profile.provenance['loyalty.points']?.datasetId).toBe('ds-pos');
    expect(profile.mergePolicy).toEqual({ id: 'p-1', attributeMerge: 'datasetPrecedence' });
  });

  it('orders the datasets the policy does not list newest first, after the listed ones', () => {
    // Act: pos is listed; crm (March) and web (May) both have a first name, pos has none
    const profile = mergeProfile(GRAPH, FRAGMENTS, precedence('ds-pos'));

    // Assess
    expect(profile.attributes).toMatchObject({
      person: { name: { first: 'Ally', last: 'Smith' } },
      loyalty: { tier: 'silver', points: 120 },
    });
    expect(profile.provenance['person.name.first']?.datasetId).toBe('ds-web');
    expect(profile.provenance['loyalty.tier']?.datasetId).toBe('ds-pos');
  });

  it('lets tombstones and null values contribute nothing', () => {
    // Prepare
    const fragments = [
      ...FRAGMENTS,
      fragment(
        'ds-new',
        ALICE,
        '2024-06-01T00:00:00.000Z',
        { loyalty: { tier: 'platinum' } },
        { deleted: true },
      ),
      fragment('ds-null', ALICE, '2024-07-01T00:00:00.000Z', { consent: { marketing: null } }),
    ];

    // Act
    const profile = mergeProfile(GRAPH, fragments, TIMESTAMP);

    // Assess
    expect(profile.attributes).toMatchObject({ loyalty: { tier: 'silver' }, consent: { marketing: 'y' } });
    expect(profile.lastUpdated).toBe('2024-07-01T00:00:00.000Z');
  });

  it('never lets a scalar and an object overwrite each other, and keeps arrays whole', () => {
    // Prepare
    const fragments = [
      fragment('ds-a', ALICE, '2024-02-01T00:00:00.000Z', { address: 'Main Street 1', tags: ['a', 'b'] }),
      fragment('ds-b', ALICE, '2024-01-01T00:00:00.000Z', { address: { city: 'Paris' }, tags: ['c'] }),
    ];

    // Act
    const profile = mergeProfile(GRAPH, fragments, TIMESTAMP);

    // Assess
    expect(profile.attributes).toEqual({ address: 'Main Street 1', tags: ['a', 'b'] });
    expect(Object.keys(profile.provenance).sort()).toEqual(['address', 'tags']);
  });

  it('keeps an attribute named __proto__ as data, not as the prototype', () => {
    // Prepare: JSON.parse makes `__proto__` an own property, as a record from a producer would have it
    const attributes = JSON.parse('{"__proto__": {"polluted": true}, "plain": 1}') as Record<string, unknown>;

    // Act
    const profile = mergeProfile(
      GRAPH,
      [fragment('ds-a', ALICE, '2024-01-01T00:00:00.000Z', attributes)],
      TIMESTAMP,
    );

    // Assess
    expect(JSON.parse(JSON.stringify(profile.attributes))).toEqual(attributes);
    expect(Object.getPrototypeOf(profile.attributes)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('merges the same data the same way whatever order the fragments come in', () => {
    // Prepare
    const tied = [
      fragment('ds-b', ALICE, '2024-01-01T00:00:00.000Z', { x: 'b' }),
      fragment('ds-a', ALICE, '2024-01-01T00:00:00.000Z', { x: 'a' }),
    ];

    // Act
    const forwards = mergeProfile(GRAPH, tied, TIMESTAMP);
    const backwards = mergeProfile(GRAPH, [...tied].reverse(), TIMESTAMP);

    // Assess
    expect(forwards).toEqual(backwards);
    expect(forwards.attributes).toEqual({ x: 'a' });
  });

  it('answers a graph without fragments with no attributes, last updated when the graph began', () => {
    // Act
    const profile = mergeProfile(GRAPH, [], TIMESTAMP);

    // Assess
    expect(profile).toMatchObject({ attributes: {}, provenance: {}, lastUpdated: GRAPH.createdAt });
  });
});

describe('selectFields', () => {
  it('keeps only the named dotted paths, in attributes and provenance', () => {
    // Prepare
    const profile = mergeProfile(GRAPH, FRAGMENTS, TIMESTAMP);

    // Act
    const selected = selectFields(profile, ['person.name.first', 'loyalty', 'nothing.here']);

    // Assess
    expect(selected.attributes).toEqual({
      person: { name: { first: 'Ally' } },
      loyalty: { tier: 'silver', points: 120 },
    });
    expect(Object.keys(selected.provenance).sort()).toEqual([
      'loyalty.points',
      'loyalty.tier',
      'person.name.first',
    ]);
    expect(selected.identities).toEqual(profile.identities);
  });
});

describe('ProfileReadService', () => {
  const build = (
    options: {
      cap?: number;
      graphs?: ReturnType<typeof graphOf>[];
      events?: ConstructorParameters<typeof MemoryProfileData>[1];
    } = {},
  ) => {
    const policyStore = new MemoryMergePolicyStore();
    const policies = new MergePolicyService({ store: policyStore, datasets: new KnownDatasets(['ds-crm']) });
    const normalizer = new IdentityNormalizer({
      maxIdentityLength: DEFAULT_PROFILE_GUARDRAILS.maxIdentityLength,
    });
    const identities = new NormalizingIdentityLookup({
      namespaces: {
        find: async (_sandbox, code) =>
          STANDARD_NAMESPACES.find((namespace) => namespace.code.toLowerCase() === code.toLowerCase()),
      },
      normalizer: async () => normalizer,
    });
    const reads = new ProfileReadService({
      identities,
      graph: new FixedGraph(options.graphs ?? [GRAPH]),
      data: new MemoryProfileData(
        [
          ...FRAGMENTS,
          fragment('ds-crm', email('gone@example.com'), '2024-01-01T00:00:00.000Z', {}, { deleted: true }),
        ],
        options.events ?? [],
      ),
      policies,
      maxIdentitiesPerGraph: options.cap ?? DEFAULT_PROFILE_GUARDRAILS.maxIdentitiesPerGraph,
    });
    return { reads, policies };
  };

  it('finds the same profile from any identity, normalised as the write side stores it', async () => {
    // Prepare
    const { reads } = build();

    // Act
    const byEmail = await reads.profile(SANDBOX, { entityId: '  Alice@Example.COM ', entityIdNS: 'email' });
    const byCrm = await reads.profile(SANDBOX, { entityId: 'C-1', entityIdNS: 'CRMID' });

    // Assess
    expect(byEmail).toEqual(byCrm);
    expect(byEmail.profileId).toBe('g-1');
  });

  it('merges under the policy the lookup names', async () => {
    // Prepare
    const { reads, policies } = build();
    const policy = await policies.create(
      SANDBOX,
      { name: 'crm', attributeMerge: 'datasetPrecedence', datasets: ['ds-crm'] },
      'k',
    );

    // Act
    const profile = await reads.profile(
      SANDBOX,
      { entityId: 'C-1', entityIdNS: 'CRMID' },
      { mergePolicyId: policy.id, fields: ['person.name.first'] },
    );

    // Assess
    expect(profile.attributes).toEqual({ person: { name: { first: 'Alice' } } });
    expect(profile.mergePolicy).toEqual({ id: policy.id, attributeMerge: 'datasetPrecedence' });
  });

  it('builds the profile of a policy with identityGraph none from the identity looked up alone, events too', async () => {
    // Prepare
    const event = (identity: IdentityRef, eventId: string): ProfileEvent => ({
      datasetId: 'ds-web',
      identity,
      eventId,
      timestamp: '2024-05-02T00:00:00.000Z',
      body: {},
      source: { datasetId: 'ds-web', at: '2024-05-02T00:00:00.000Z' },
    });
    const { reads, policies } = build({ events: [event(ALICE, 'web-1'), event(ALICE_CRM, 'crm-1')] });
    const own = await policies.create(
      SANDBOX,
      { name: 'no stitching', attributeMerge: 'timestamp', identityGraph: 'none' },
      'k',
    );
    const crmId = { entityId: 'C-1', entityIdNS: 'CRMID' };

    // Act
    const profile = await reads.profile(SANDBOX, crmId, { mergePolicyId: own.id });
    const events = await reads.events(SANDBOX, crmId, { mergePolicyId: own.id, limit: 10 });
    const stitchedEvents = await reads.events(SANDBOX, crmId, { limit: 10 });

    // Assess
    expect(own.identityGraph).toEqual({ type: 'none' });
    expect(profile.identities).toEqual([ALICE_CRM]);
    expect(profile.attributes).toEqual({
      person: { name: { first: 'Alice', last: 'Smith' } },
      loyalty: { tier: 'gold' },
    });
    expect(events.items.map((item) => item.eventId)).toEqual(['crm-1']);
    expect(stitchedEvents.items.map((item) => item.eventId).sort()).toEqual(['crm-1', 'web-1']);
  });

  it.each([
    ['an unknown identity', { entityId: 'bob@example.com', entityIdNS: 'Email' }, 'not-found', 'not-found'],
    ['an unknown namespace', { entityId: 'x', entityIdNS: 'Loyalty' }, 'invalid', 'unknown-namespace'],
    [
      'a value the namespace refuses',
      { entityId: 'not-an-email', entityIdNS: 'Email' },
      'invalid',
      'invalid-identity',
    ],
  ])('answers %s with a problem', async (_case, entity, kind, code) => {
    // Prepare
    const { reads } = build();

    // Act
    const problem = await domainErrorOf(reads.profile(SANDBOX, entity));

    // Assess
    expect(problem.kind).toBe(kind);
    expect(problem.code).toBe(code);
    if (code === 'unknown-namespace') expect(problem.message).toContain("'Loyalty'");
  });

  it('answers 422 graph-too-large beyond the cap, but still shows the graph', async () => {
    // Prepare
    const { reads } = build({ cap: 1 });
    const entity = { entityId: 'C-1', entityIdNS: 'CRMID' };

    // Act
    const problem = await domainErrorOf(reads.profile(SANDBOX, entity));
    const graph = await reads.graph(SANDBOX, entity);

    // Assess
    expect(problem.kind).toBe('unprocessable');
    expect(problem.code).toBe('graph-too-large');
    expect(graph.nodes).toHaveLength(2);
  });

  it('shows the graph with every node and the source of every link', async () => {
    // Prepare
    const { reads } = build();

    // Act
    const graph = await reads.graph(SANDBOX, { entityId: 'alice@example.com', entityIdNS: 'Email' });

    // Assess
    expect(graph).toEqual({
      graphId: 'g-1',
      nodes: [
        { ...ALICE, addedAt: GRAPH.createdAt },
        { ...ALICE_CRM, addedAt: GRAPH.createdAt },
      ],
      links: [{ from: ALICE, to: ALICE_CRM, source: { datasetId: 'ds-link', at: GRAPH.createdAt } }],
      evictions: [],
    });
  });

  it('answers 404 for an identity whose graph holds no fragment, no event and no link, and 200 once it holds one', async () => {
    // Prepare: what a revert leaves of a person (a lone identity), and one whose only record was deleted
    const [shell, deleted, visitor] = ['shell', 'gone', 'visitor'].map((name) =>
      email(`${name}@example.com`),
    );
    const graphs = [GRAPH, graphOf('g-2', [shell!]), graphOf('g-3', [deleted!]), graphOf('g-4', [visitor!])];
    const visit = {
      datasetId: 'ds-web',
      identity: visitor!,
      eventId: 'v1',
      timestamp: '2024-05-01T00:00:00.000Z',
      body: {},
      source: { datasetId: 'ds-web', at: '2024-05-01T00:00:00.000Z' },
    };
    const { reads } = build({ graphs, events: [visit] });
    const entity = (name: string) => ({ entityId: `${name}@example.com`, entityIdNS: 'Email' });

    // Act
    const answers = await Promise.all(
      ['shell', 'gone'].flatMap((name) => [
        domainErrorOf(reads.profile(SANDBOX, entity(name))),
        domainErrorOf(reads.events(SANDBOX, entity(name), { limit: 10 })),
        domainErrorOf(reads.graph(SANDBOX, entity(name))),
      ]),
    );
    const profile = await reads.profile(SANDBOX, entity('visitor'));
    const graph = await reads.graph(SANDBOX, entity('visitor'));

    // Assess
    expect(answers.map((problem) => [problem.kind, problem.code])).toEqual(
      Array(6).fill(['not-found', 'not-found']),
    );
    expect(profile.attributes).toEqual({});
    expect(graph.nodes).toHaveLength(1);
  });
});
