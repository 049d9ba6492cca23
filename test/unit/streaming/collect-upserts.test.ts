import { beforeEach, describe, expect, it } from 'vitest';
import type { Dataset } from '../../../lambdas/core/catalog/datasets';
import { eventSchema, SANDBOX } from '../schemas/registry-fixture';
import { collectFixture, envelope, NOW, OPEN_INLET, postToInlet, type PostOptions } from './collect-fixture';

type Fixture = Awaited<ReturnType<typeof collectFixture>>;

const EVENTS_DATASET = 'eeeeeeeeeeeeeeeeeeeeeeee';
const LAKE_ONLY_DATASET = 'ffffffffffffffffffffffff';
const EVENT_SCHEMA_ID = 'https://example.com/schemas/page-view';

type Violations = { pointer: string; keyword: string }[];

describe('collect: upsert operations and the ordering of a request', () => {
  let fixture: Fixture;

  beforeEach(async () => {
    fixture = await collectFixture();
    const events = await fixture.registry.register(SANDBOX, {
      title: 'Page view',
      class: 'event',
      schema: eventSchema(),
    });
    const base = { ...fixture.dataset, revision: 1, tags: {} } satisfies Dataset;
    await fixture.datasets.create({
      ...base,
      id: EVENTS_DATASET,
      schemaId: events.id,
      schemaVersion: events.version,
      schemaClass: 'event',
      profileEnabled: false,
    });
    await fixture.datasets.create({ ...base, id: LAKE_ONLY_DATASET, profileEnabled: false });
  });

  const post = (body: unknown, options: PostOptions = {}) =>
    postToInlet(fixture.handler, OPEN_INLET, body, options);

  it('numbers the messages of a batch by their place in the request, and carries header.operations.data', async () => {
    // Act
    const answer = await post(
      {
        messages: [
          envelope({ email: 'a@b.co', tier: 'gold' }, { operations: { data: 'merge', identity: 'create' } }),
          envelope({ email: 'a@b.co' }, { operations: { data: 'delete' } }),
          envelope({ email: 'a@b.co', person: { name: 'A' } }, { operations: { data: 'create' } }),
          envelope({ email: 'a@b.co', person: { name: 'A' } }),
        ],
      },
      { batch: true },
    );
    await post(envelope({ email: 'b@b.co', person: { name: 'B' } }));

    // Assess
    expect(answer.status).toBe(207);
    expect(
      fixture.stream.messages().map(({ requestIndex, operation }) => ({ requestIndex, operation })),
    ).toEqual([
      { requestIndex: 0, operation: 'merge' },
      { requestIndex: 1, operation: 'delete' },
      { requestIndex: 2, operation: 'create' },
      { requestIndex: 3, operation: undefined },
      { requestIndex: 0, operation: undefined },
    ]);
  });

  it.each([
    [{ data: 'upsert' }, '/header/operations/data', 'enum'],
    [{ data: 'merge', partial: true }, '/header/operations/partial', 'additionalProperties'],
    [
      { data: 'merge', identity: 'create', identityDatasetId: 'x' },
      '/header/operations/identityDatasetId',
      'unsupported',
    ],
    [{ data: 'merge', identity: 'update' }, '/header/operations/identity', 'enum'],
    [{ data: 'delete', identity: 'create' }, '/header/operations/identity', 'unsupported'],
    ['merge', '/header/operations', 'type'],
  ])('refuses header.operations %j with 400 naming %s', async (operations, pointer, keyword) => {
    // Act
    const answer = await post(envelope({ email: 'a@b.co' }, { operations }));

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('unsupported-operation');
    expect(answer.body.violations).toEqual([expect.objectContaining({ pointer, keyword })]);
    expect(fixture.stream.written).toEqual([]);
  });

  it('refuses merge and delete where no stored profile record can change: events, and datasets without profile', async () => {
    // Act
    const onEvents = await post(
      {
        messages: [
          {
            header: {
              schemaRef: { id: EVENT_SCHEMA_ID },
              datasetId: EVENTS_DATASET,
              operations: { data: 'delete' },
            },
            body: { xdmEntity: { _id: 'e1', timestamp: NOW.toISOString() } },
          },
          {
            header: {
              schemaRef: { id: EVENT_SCHEMA_ID },
              datasetId: EVENTS_DATASET,
              operations: { data: 'create' },
            },
            body: { xdmEntity: { _id: 'e2', timestamp: NOW.toISOString() } },
          },
        ],
      },
      { batch: true },
    );
    const lakeOnly = await post(
      envelope({ email: 'a@b.co' }, { datasetId: LAKE_ONLY_DATASET, operations: { data: 'merge' } }),
    );

    // Assess
    const [deleted, created] = onEvents.body.responses as Record<string, unknown>[];
    expect(deleted).toMatchObject({
      statusCode: 400,
      code: 'unsupported-operation',
      violations: [{ pointer: '/messages/0/header/operations/data' }],
    });
    expect(created).toHaveProperty('xactionId');
    expect(lakeOnly.status).toBe(400);
    expect(lakeOnly.body.violations).toEqual([
      expect.objectContaining({ pointer: '/header/operations/data', keyword: 'unsupported' }),
    ]);
    expect(fixture.stream.messages().map((message) => message.datasetId)).toEqual([EVENTS_DATASET]);
  });

  it('validates a merge on the fields it carries: a missing required field is no violation, a wrong value is', async () => {
    // Prepare
    const sync = { query: { syncValidation: 'true' } };
    const merge = { operations: { data: 'merge' } };

    // Act
    const partial = await post(envelope({ email: 'a@b.co', person: { age: 40 } }, merge), sync);
    const wrong = await post(envelope({ email: 'a@b.co', person: { age: -1 } }, merge), sync);
    const create = await post(envelope({ email: 'a@b.co', person: { age: 40 } }), sync);

    // Assess
    expect(partial.status).toBe(200);
    expect(wrong.status).toBe(400);
    expect((wrong.body.violations as Violations).map((v) => [v.pointer, v.keyword])).toEqual([
      ['/body/xdmEntity/person/age', 'minimum'],
    ]);
    expect(create.status).toBe(400);
    expect((create.body.violations as Violations).map((v) => [v.pointer, v.keyword])).toEqual([
      ['/body/xdmEntity/person/name', 'required'],
    ]);
  });

  it('honours synchronousValidation, the older spelling of syncValidation, and refuses other query parameters', async () => {
    // Act
    const invalid = envelope({ email: 'a@b.co', tier: 'bronze' });
    const older = await post(invalid, { query: { synchronousValidation: 'true' } });
    const disagreeing = await post(invalid, {
      query: { syncValidation: 'false', synchronousValidation: 'true' },
    });
    const flow = await post(invalid, { query: { 'x-adobe-flow-id': 'f1' } });

    // Assess
    expect(older.status).toBe(400);
    expect(older.body.code).toBe('validation-failed');
    expect(disagreeing.status).toBe(400);
    expect(disagreeing.body.code).toBe('invalid-query');
    expect(flow.status).toBe(400);
    expect(flow.body.violations).toEqual([
      expect.objectContaining({ pointer: '/query/x-adobe-flow-id', keyword: 'additionalProperties' }),
    ]);
    expect(fixture.stream.written).toEqual([]);
  });
});
