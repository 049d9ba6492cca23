/**
 * What enters through `/collection` on the local runtime keeps its meaning all the way to the profile: numbers a
 * JavaScript number would change are refused by name (never rounded), two updates of one customer in one request
 * end with the later one, and Experience Platform's upsert operations (`header.operations.data`) merge and delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/batch-api';
import { call, startRuntimeUnderTest, type HttpAnswer, type RuntimeUnderTest } from './local-runtime';

const SCHEMA_ID = 'https://example.com/schemas/e2e-customer';
const CUSTOMER_SCHEMA = {
  title: 'Customer',
  class: 'profile',
  schema: {
    $id: SCHEMA_ID,
    type: 'object',
    properties: {
      email: { type: 'string' },
      timestamp: { type: 'string', format: 'date-time' },
      tier: { type: 'string' },
      note: { type: 'string' },
      points: { type: 'integer' },
    },
    required: ['email', 'tier'],
  },
  identities: [{ path: '/email', namespace: 'Email', primary: true }],
};

interface Profile {
  attributes: Record<string, unknown>;
}

describe('collection on the local runtime: values, request order and upserts', () => {
  let subject: RuntimeUnderTest;
  let url: string;
  let admin: string;
  let datasetId: string;
  let inletId: string;

  const envelope = (record: Record<string, unknown>, operations?: Record<string, unknown>) =>
    JSON.stringify({
      header: { schemaRef: { id: SCHEMA_ID }, datasetId, ...(operations ? { operations } : {}) },
      body: { xdmEntity: record },
    });
  const collect = (text: string) => call(`${url}/collection/${inletId}`, { method: 'POST', body: text });
  const collectBatch = (texts: readonly string[]) =>
    call(`${url}/collection/batch/${inletId}`, { method: 'POST', body: `{"messages":[${texts.join(',')}]}` });
  const profileOf = (email: string) =>
    call(`${url}/profiles?entityIdNS=Email&entityId=${encodeURIComponent(email)}`, { key: admin });
  const attributesOf = (answer: HttpAnswer) => (answer.body as Profile).attributes;
  /** The profile is there with the attribute: its graph alone is linked before its fragment is written. */
  const hasAttribute = (name: string) => (answer: HttpAnswer) =>
    answer.status === 200 && attributesOf(answer)[name] !== undefined;

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    url = subject.runtime.url;
    admin = subject.runtime.adminKey;
    const post = async (path: string, body: unknown) => {
      const answer = await call(`${url}${path}`, { method: 'POST', key: admin, body: JSON.stringify(body) });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      return answer.body as Record<string, unknown>;
    };
    await post('/schemas', CUSTOMER_SCHEMA);
    datasetId = String(
      (await post('/datasets', { name: 'Customers', schemaId: SCHEMA_ID, profileEnabled: true })).id,
    );
    inletId = String((await post('/inlets', { name: 'Web', authenticated: false })).inletId);
  });
  afterAll(async () => {
    await subject?.stop();
  });

  it('refuses a number JSON.parse would round, naming it; in a batch only that message fails, the others arrive exact', async () => {
    // Act
    const single = await collect(
      envelope({ email: 'big@example.com', tier: 'gold' }).replace(
        '"tier"',
        '"points":9007199254740993,"tier"',
      ),
    );
    const batch = await collectBatch([
      envelope({ email: 'one@example.com', tier: 'gold', points: 9007199254740991 }),
      envelope({ email: 'two@example.com', tier: 'gold' }).replace('"tier"', '"points":1e400,"tier"'),
      envelope({ email: 'three@example.com', tier: 'silver', points: 3 }),
    ]);
    const one = await eventually(() => profileOf('one@example.com'), hasAttribute('points'));
    const three = await eventually(() => profileOf('three@example.com'), hasAttribute('points'));

    // Assess
    expect(single.status).toBe(400);
    expect(single.body).toMatchObject({
      code: 'inexact-number',
      violations: [{ pointer: '/body/xdmEntity/points', keyword: 'exactNumber' }],
    });
    expect(batch.status).toBe(207);
    const responses = (batch.body as { responses: Record<string, unknown>[] }).responses;
    expect(responses.map((response) => response.statusCode ?? 'ok')).toEqual(['ok', 400, 'ok']);
    expect(responses[1]).toMatchObject({
      code: 'inexact-number',
      violations: [{ pointer: '/messages/1/body/xdmEntity/points' }],
    });
    expect(attributesOf(one).points).toBe(9007199254740991);
    expect(attributesOf(three).points).toBe(3);
    expect((await profileOf('big@example.com')).status).toBe(404);
    expect((await profileOf('two@example.com')).status).toBe(404);
  });

  it('of two updates of one customer in one request, the later one stands, for every customer', async () => {
    // Prepare: no record time of their own, so both updates of a customer carry the same receive time
    const emails = Array.from({ length: 8 }, (_, index) => `order-${index}@example.com`);

    // Act
    const answer = await collectBatch(
      emails.flatMap((email) => [
        envelope({ email, tier: 'first', note: 'earlier' }),
        envelope({ email, tier: 'second', note: 'later' }),
      ]),
    );
    const profiles = await Promise.all(
      emails.map((email) => eventually(() => profileOf(email), hasAttribute('tier'))),
    );

    // Assess
    expect(answer.status).toBe(207);
    expect(profiles.map((profile) => attributesOf(profile).tier)).toEqual(emails.map(() => 'second'));
  });

  it("honours header.operations: a merge patches the customer's record, a delete removes it", async () => {
    // Prepare
    const email = 'upsert@example.com';
    const created = await collect(
      envelope({ email, timestamp: '2026-01-01T00:00:00Z', tier: 'gold', note: 'vip', points: 10 }),
    );
    await eventually(() => profileOf(email), hasAttribute('tier'));

    // Act: a merge carries only what changes (no tier, which the schema requires of a whole record)
    const merged = await collect(
      envelope(
        { email, timestamp: '2026-01-02T00:00:00Z', points: 11 },
        { data: 'merge', identity: 'create' },
      ),
    );
    const afterMerge = await eventually(
      () => profileOf(email),
      (answer) => attributesOf(answer).points === 11,
    );
    const deleted = await collect(envelope({ email, timestamp: '2026-01-03T00:00:00Z' }, { data: 'delete' }));
    const afterDelete = await eventually(
      () => profileOf(email),
      (answer) => answer.status === 404 || attributesOf(answer).tier === undefined,
    );

    // Assess
    expect([created.status, merged.status, deleted.status]).toEqual([200, 200, 200]);
    expect(attributesOf(afterMerge)).toMatchObject({ tier: 'gold', note: 'vip', points: 11 });
    expect(afterDelete.status === 404 || Object.keys(attributesOf(afterDelete)).length === 0).toBe(true);
  });
});
