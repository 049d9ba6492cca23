/**
 * Profiles end to end on the local runtime: records applied through the pipelines' entry point (`applyToProfiles`,
 * with the real DynamoDB adapters on the runtime's emulator), then read, merged, explained and deleted over HTTP.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/env-names';
import { PROFILE_ROUTES } from '../../lambdas/http/route-table';
import { DynamoGraphStore } from '../../lambdas/adapters/dynamo-graph-store';
import { DynamoProfileDataStore } from '../../lambdas/adapters/dynamo-profile-data-store';
import { applyToProfiles, type ApplyInput } from '../../lambdas/core/profiles/apply-to-profiles';
import { DynamoIdentityGraph } from '../../lambdas/core/profiles/identity-graph';
import { IdentityNormalizer } from '../../lambdas/core/profiles/identity-normalizer';
import { IMPLICIT_MERGE_POLICY_ID } from '../../lambdas/core/profiles/merge-policies';
import { DEFAULT_PROFILE_GUARDRAILS } from '../../lambdas/core/profiles/profile-ports';
import { createEmulatorClients, type EmulatorClients } from '../../local/emulator-clients';
import { call, startRuntimeUnderTest, type RuntimeUnderTest } from './local-runtime';

interface Profile {
  profileId: string;
  identities: { namespace: string; id: string }[];
  attributes: Record<string, unknown>;
  provenance: Record<string, { datasetId: string; identity: { namespace: string; id: string } }>;
  mergePolicy: { id: string; attributeMerge: string };
}

const PERSON_SCHEMA = {
  title: 'Person',
  class: 'profile',
  schema: {
    $id: 'https://example.com/schemas/e2e-person',
    type: 'object',
    properties: {
      email: { type: 'string' },
      crmId: { type: 'string' },
      timestamp: { type: 'string', format: 'date-time' },
      person: {
        type: 'object',
        properties: {
          name: { type: 'object', properties: { first: { type: 'string' }, last: { type: 'string' } } },
        },
      },
      loyalty: { type: 'object', properties: { tier: { type: 'string' }, points: { type: 'integer' } } },
    },
    required: ['email'],
  },
  identities: [
    { path: '/email', namespace: 'Email', primary: true },
    { path: '/crmId', namespace: 'CRMID' },
  ],
};

const VISIT_SCHEMA = {
  title: 'Visit',
  class: 'event',
  schema: {
    $id: 'https://example.com/schemas/e2e-visit',
    type: 'object',
    properties: {
      _id: { type: 'string' },
      timestamp: { type: 'string', format: 'date-time' },
      email: { type: 'string' },
      page: { type: 'string' },
    },
    required: ['_id', 'timestamp', 'email'],
  },
  identities: [{ path: '/email', namespace: 'Email', primary: true }],
};

const CRM_RECORDS = [
  {
    email: ' Alice@Example.com ',
    crmId: 'C-1',
    timestamp: '2024-03-01T00:00:00Z',
    person: { name: { first: 'Alice', last: 'Smith' } },
    loyalty: { tier: 'gold' },
  },
  {
    email: 'alice.work@example.com',
    crmId: 'C-9',
    timestamp: '2024-02-01T00:00:00Z',
    loyalty: { points: 10 },
  },
  {
    email: 'bob@example.com',
    crmId: 'C-2',
    timestamp: '2024-01-01T00:00:00Z',
    person: { name: { first: 'Bob' } },
  },
];
/** Links Alice's two graphs: her personal email and the CRM id of her work identity. */
const WEB_RECORDS = [
  {
    email: 'alice@example.com',
    crmId: 'C-9',
    timestamp: '2024-05-01T00:00:00Z',
    person: { name: { first: 'Ally' } },
    loyalty: { tier: 'silver' },
  },
];
const VISITS = [
  { _id: 'v1', timestamp: '2024-04-01T10:00:00Z', email: 'alice@example.com', page: '/home' },
  { _id: 'v2', timestamp: '2024-04-03T10:00:00Z', email: 'alice.work@example.com', page: '/pricing' },
  { _id: 'v3', timestamp: '2024-04-02T10:00:00Z', email: 'alice@example.com', page: '/cart' },
  { _id: 'v4', timestamp: '2024-04-02T12:00:00Z', email: 'bob@example.com', page: '/home' },
];

describe('profiles on the local runtime', () => {
  let subject: RuntimeUnderTest;
  let url: string;
  let admin: string;
  let clients: EmulatorClients;
  let tableName: string;
  let graphStore: DynamoGraphStore;
  let dataStore: DynamoProfileDataStore;
  let datasets: { crm: string; web: string; visits: string };
  let schemas: { person: ApplyInput['schema']; visit: ApplyInput['schema'] };

  const get = async (path: string) => call(`${url}${path}`, { key: admin });
  const lookup = (entityIdNS: string, entityId: string, extra = '') =>
    get(`/profiles?entityIdNS=${entityIdNS}&entityId=${encodeURIComponent(entityId)}${extra}`);

  async function apply(datasetId: string, schema: ApplyInput['schema'], records: readonly unknown[]) {
    const deps = {
      graph: new DynamoIdentityGraph({ store: graphStore, guardrails: DEFAULT_PROFILE_GUARDRAILS }),
      data: dataStore,
      guardrails: DEFAULT_PROFILE_GUARDRAILS,
      normalizer: new IdentityNormalizer({ maxIdentityLength: DEFAULT_PROFILE_GUARDRAILS.maxIdentityLength }),
    };
    return applyToProfiles(deps, {
      sandbox: 'prod',
      dataset: { id: datasetId, profileEnabled: true },
      schema,
      items: records.map((record, index) => ({
        record,
        source: { batchId: `batch-${datasetId}`, messageId: `m${index}` },
        receivedAt: '2024-06-01T00:00:00Z',
      })),
    });
  }

  async function applyAll() {
    return [
      await apply(datasets.crm, schemas.person, CRM_RECORDS),
      await apply(datasets.web, schemas.person, WEB_RECORDS),
      await apply(datasets.visits, schemas.visit, VISITS),
    ];
  }

  async function createSchema(body: unknown): Promise<ApplyInput['schema']> {
    const created = await call(`${url}/schemas`, { method: 'POST', key: admin, body: JSON.stringify(body) });
    expect(created.status).toBe(201);
    return created.body as ApplyInput['schema'];
  }

  async function createDataset(name: string, schemaId: string): Promise<string> {
    const created = await call(`${url}/datasets`, {
      method: 'POST',
      key: admin,
      body: JSON.stringify({ name, schemaId, profileEnabled: true }),
    });
    expect(created.status).toBe(201);
    return (created.body as { id: string }).id;
  }

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    url = subject.runtime.url;
    admin = subject.runtime.adminKey;
    clients = createEmulatorClients(subject.runtime.endpoints);
    // The table the template names to its functions.
    const name = subject.runtime.resourceVariable(ENV.profilesTable);
    if (!name) throw new Error(`${ENV.profilesTable} is not set: the template declares no profiles table`);
    tableName = name;
    graphStore = new DynamoGraphStore(clients.documents, tableName);
    dataStore = new DynamoProfileDataStore(clients.documents, tableName);
    const person = await createSchema(PERSON_SCHEMA);
    const visit = await createSchema(VISIT_SCHEMA);
    schemas = { person, visit };
    const personId = (person as unknown as { id: string }).id;
    datasets = {
      crm: await createDataset('CRM', personId),
      web: await createDataset('Web', personId),
      visits: await createDataset('Visits', (visit as unknown as { id: string }).id),
    };
  });
  afterAll(async () => {
    clients?.destroy();
    await subject?.stop();
  });

  it('finds one profile per graph from any of its identities, and none for an unknown one', async () => {
    // Act
    const [crm] = [await apply(datasets.crm, schemas.person, CRM_RECORDS)];
    const byEmail = await lookup('Email', 'ALICE@example.com');
    const byCrm = await lookup('CRMID', 'C-1');
    const work = await lookup('CRMID', 'C-9');
    const unknown = await lookup('Email', 'nobody@example.com');

    // Assess
    expect(crm.results.map((result) => result.status)).toEqual(['applied', 'applied', 'applied']);
    expect(byEmail.status).toBe(200);
    expect(byEmail.body).toEqual(byCrm.body);
    // A fragment is the whole record, identity fields included, as stored.
    expect((byEmail.body as Profile).attributes).toEqual({
      ...CRM_RECORDS[0],
      person: { name: { first: 'Alice', last: 'Smith' } },
      loyalty: { tier: 'gold' },
    });
    expect((work.body as Profile).profileId).not.toBe((byEmail.body as Profile).profileId);
    expect(unknown.status).toBe(404);
    expect(unknown.contentType).toContain('application/problem+json');
  });

  it('merges two graphs on a linking record: every identity then answers the same profile', async () => {
    // Act
    await apply(datasets.web, schemas.person, WEB_RECORDS);
    await apply(datasets.visits, schemas.visit, VISITS);
    const answers = await Promise.all([
      lookup('Email', 'alice@example.com'),
      lookup('CRMID', 'C-1'),
      lookup('Email', 'alice.work@example.com'),
      lookup('CRMID', 'C-9'),
    ]);

    // Assess
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(answers[0].body);
    }
    const profile = answers[0].body as Profile;
    expect(profile.identities).toHaveLength(4);
    expect(profile.mergePolicy).toEqual({ id: IMPLICIT_MERGE_POLICY_ID, attributeMerge: 'timestamp' });
    expect(profile.attributes).toEqual({
      ...WEB_RECORDS[0],
      person: { name: { first: 'Ally', last: 'Smith' } },
      loyalty: { tier: 'silver', points: 10 },
    });
    expect(profile.provenance['person.name.first']).toMatchObject({
      datasetId: datasets.web,
      identity: { namespace: 'Email', id: 'alice@example.com' },
    });
    expect(profile.provenance['loyalty.points']).toMatchObject({
      datasetId: datasets.crm,
      identity: { namespace: 'Email', id: 'alice.work@example.com' },
    });
  });

  it('filters attributes and provenance by fields=', async () => {
    // Act
    const answer = await lookup('CRMID', 'C-1', '&fields=person.name.first,loyalty.points');

    // Assess
    expect((answer.body as Profile).attributes).toEqual({
      person: { name: { first: 'Ally' } },
      loyalty: { points: 10 },
    });
    expect(Object.keys((answer.body as Profile).provenance).sort()).toEqual([
      'loyalty.points',
      'person.name.first',
    ]);
  });

  it("answers the merged graph's timeline newest first, in pages and within bounds", async () => {
    // Act
    const first = await get('/profiles/events?entityIdNS=CRMID&entityId=C-1&limit=2');
    const { next } = first.body as { next?: string };
    const second = await get(
      `/profiles/events?entityIdNS=CRMID&entityId=C-1&limit=2&start=${encodeURIComponent(next!)}`,
    );
    const bounded = await get(
      '/profiles/events?entityIdNS=Email&entityId=alice@example.com&startTime=2024-04-02T00:00:00Z&endTime=1712145600000',
    );
    const reversed = await get(
      '/profiles/events?entityIdNS=Email&entityId=alice@example.com&startTime=2024-05-01T00:00:00Z&endTime=2024-04-01T00:00:00Z',
    );

    // Assess
    const ids = (answer: { body: unknown }) =>
      (answer.body as { items: { eventId: string }[] }).items.map((e) => e.eventId);
    expect(first.status).toBe(200);
    expect(ids(first)).toEqual(['v2', 'v3']);
    expect(ids(second)).toEqual(['v1']);
    expect((second.body as { next?: string }).next).toBeUndefined();
    // 1712145600000 is 2024-04-03T12:00:00Z.
    expect(ids(bounded)).toEqual(['v2', 'v3']);
    expect(reversed.status).toBe(400);
  });

  it('shows the identity graph with the source of every link', async () => {
    // Act
    const answer = await get('/identities/graph?entityIdNS=Email&entityId=alice@example.com');

    // Assess
    const graph = answer.body as {
      graphId: string;
      nodes: { namespace: string; id: string; addedAt: string }[];
      links: { from: unknown; to: unknown; source: { datasetId: string; batchId?: string } }[];
      evictions: unknown[];
    };
    expect(answer.status).toBe(200);
    expect(graph.nodes.map((node) => `${node.namespace}:${node.id}`).sort()).toEqual([
      'CRMID:C-1',
      'CRMID:C-9',
      'Email:alice.work@example.com',
      'Email:alice@example.com',
    ]);
    expect(graph.links.length).toBeGreaterThanOrEqual(3);
    expect(new Set(graph.links.map((link) => link.source.datasetId))).toEqual(
      new Set([datasets.crm, datasets.web]),
    );
    expect(graph.evictions).toEqual([]);
  });

  it('changes the winning attribute when the default merge policy changes', async () => {
    // Act
    const created = await call(`${url}/merge-policies`, {
      method: 'POST',
      key: admin,
      body: JSON.stringify({
        name: 'CRM first',
        attributeMerge: 'datasetPrecedence',
        datasets: [datasets.crm],
        default: true,
      }),
    });
    const underDefault = await lookup('Email', 'alice@example.com');
    const underTimestamp = await lookup(
      'Email',
      'alice@example.com',
      `&mergePolicyId=${IMPLICIT_MERGE_POLICY_ID}`,
    );
    const unknownPolicy = await lookup('Email', 'alice@example.com', '&mergePolicyId=no-such-policy');
    const listed = await get('/merge-policies');

    // Assess
    const policy = created.body as { id: string; default: boolean };
    expect(created.status).toBe(201);
    expect(policy.default).toBe(true);
    expect((underDefault.body as Profile).attributes).toMatchObject({
      person: { name: { first: 'Alice' } },
      loyalty: { tier: 'gold' },
    });
    expect((underDefault.body as Profile).mergePolicy).toEqual({
      id: policy.id,
      attributeMerge: 'datasetPrecedence',
    });
    expect((underTimestamp.body as Profile).attributes).toMatchObject({
      person: { name: { first: 'Ally' } },
    });
    expect(unknownPolicy.status).toBe(404);
    expect((listed.body as { items: { id: string }[] }).items.map((item) => item.id)).toEqual([policy.id]);
  });

  it('answers 400 naming an unknown namespace, and for missing parameters', async () => {
    // Act
    const unknownNamespace = await lookup('Loyalty', 'x');
    const missing = await get('/profiles?entityIdNS=Email');

    // Assess
    expect(unknownNamespace.status).toBe(400);
    expect((unknownNamespace.body as { detail: string }).detail).toContain("'Loyalty'");
    expect(missing.status).toBe(400);
    expect((missing.body as { violations: { pointer: string }[] }).violations[0]?.pointer).toBe('/entityId');
  });

  it('changes nothing when the same records are delivered again', async () => {
    // Prepare
    const before = await lookup('CRMID', 'C-1');
    const graphBefore = await get('/identities/graph?entityIdNS=CRMID&entityId=C-1');
    const graphWritesBefore = graphStore.writeUnits;

    // Act
    const outcomes = await applyAll();
    const again = await applyAll();

    // Assess
    for (const outcome of [...outcomes, ...again]) {
      expect(outcome.writeUnits).toBe(0);
      expect(new Set(outcome.results.map((result) => result.status))).toEqual(new Set(['unchanged']));
    }
    expect(graphStore.writeUnits).toBe(graphWritesBefore);
    expect((await lookup('CRMID', 'C-1')).body).toEqual(before.body);
    expect((await get('/identities/graph?entityIdNS=CRMID&entityId=C-1')).body).toEqual(graphBefore.body);
  });

  it('privacy-deletes the profile: none of its identities resolve and nothing of it is left in the table', async () => {
    // Prepare
    const profile = (await lookup('CRMID', 'C-1')).body as Profile;
    const bob = (await lookup('Email', 'bob@example.com')).body as Profile;

    // Act
    const deleted = await call(`${url}/profiles?entityIdNS=CRMID&entityId=C-1`, {
      method: 'DELETE',
      key: admin,
    });
    const again = await call(`${url}/profiles?entityIdNS=CRMID&entityId=C-1`, {
      method: 'DELETE',
      key: admin,
    });
    const scan = await clients.documents.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true }),
    );

    // Assess
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({
      profileId: profile.profileId,
      identities: 4,
      fragments: 3,
      events: 3,
      graphs: 2,
    });
    expect(again.status).toBe(404);
    for (const identity of profile.identities) {
      expect((await lookup(identity.namespace, identity.id)).status).toBe(404);
      expect(
        (await get(`/identities/graph?entityIdNS=${identity.namespace}&entityId=${identity.id}`)).status,
      ).toBe(404);
    }
    const items = scan.Items ?? [];
    const text = JSON.stringify(items);
    for (const identity of profile.identities) expect(text).not.toContain(identity.id);
    expect(text).not.toContain(profile.profileId);
    // Bob's profile is untouched, and it is all that remains.
    expect(items.length).toBeGreaterThan(0);
    const bobsItem = new RegExp(`bob@example\\.com|C-2|${bob.profileId}`);
    for (const item of items) expect(JSON.stringify(item)).toMatch(bobsItem);
    expect((await lookup('Email', 'bob@example.com')).body).toEqual(bob);
  });

  it('answers bad input to every profile route with a 4xx problem, never a 500', async () => {
    // Prepare
    const created = await call(`${url}/api-keys`, {
      method: 'POST',
      key: admin,
      body: JSON.stringify({ name: 'reader', scopes: ['read'] }),
    });
    const readKey = (created.body as { key: string }).key;
    const entity = 'entityIdNS=Email&entityId=bob@example.com';
    const pathOf = (resource: string) => `${url}${resource.replace('{mergePolicyId}', 'unknown')}?${entity}`;

    // Act
    const keyless = await Promise.all(
      PROFILE_ROUTES.map((route) => call(pathOf(route.resource), { method: route.method })),
    );
    const readOnly = await Promise.all(
      PROFILE_ROUTES.filter((route) => route.scope === 'admin').map((route) =>
        call(pathOf(route.resource), {
          method: route.method,
          key: readKey,
          ...(route.method === 'POST' ? { body: '{}' } : {}),
        }),
      ),
    );
    const bad = await Promise.all(
      [
        `/profiles?${entity}&fields=a..b`,
        `/profiles?${entity}&mergePolicyId=${'x'.repeat(200)}`,
        `/profiles?entityIdNS=Email&entityId=${'a'.repeat(1100)}@example.com`,
        `/profiles/events?${entity}&limit=0`,
        `/profiles/events?${entity}&start=not-a-token`,
        `/profiles/events?${entity}&startTime=yesterday`,
        `/profiles/events?${entity}&endTime=99999999999999999999`,
        `/identities/graph?entityIdNS=ECID&entityId=123`,
        '/merge-policies?limit=9999',
      ].map((path) => get(path)),
    );
    const badBodies = await Promise.all(
      ['{', '[]', JSON.stringify({ name: 'x', attributeMerge: 'datasetPrecedence', datasets: ['nope'] })].map(
        (body) => call(`${url}/merge-policies`, { method: 'POST', key: admin, body }),
      ),
    );
    const unknownPolicy = await get('/merge-policies/unknown');

    // Assess
    for (const answer of keyless) expect(answer.status).toBe(401);
    for (const answer of readOnly) expect(answer.status).toBe(403);
    for (const answer of [...bad, ...badBodies]) {
      expect(answer.status).toBe(400);
      expect(answer.contentType).toContain('application/problem+json');
    }
    expect(unknownPolicy.status).toBe(404);
  });
});
