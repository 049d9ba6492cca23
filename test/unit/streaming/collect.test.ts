import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_BATCH_MESSAGES } from '../../../lambdas/core/streaming/collect-service';
import {
  collectFixture,
  DATASET_ID,
  envelope,
  INGEST_KEY,
  KEYED_INLET,
  NOW,
  OPEN_INLET,
  OTHER_SANDBOX_KEY,
  PERSON_SCHEMA_ID,
  postToInlet,
  RAW_INLET,
  READ_KEY,
  type Answer,
  type PostOptions,
} from './collect-fixture';

type Fixture = Awaited<ReturnType<typeof collectFixture>>;

const RECEIVED_MS = NOW.getTime();

describe('collect: POST /collection/{inletId} and /collection/batch/{inletId}', () => {
  let fixture: Fixture;

  beforeEach(async () => {
    fixture = await collectFixture();
  });

  const post = (inletId: string, body: unknown, options: PostOptions = {}): Promise<Answer> =>
    postToInlet(fixture.handler, inletId, body, options);

  describe('one message', () => {
    it('accepts an envelope on an unauthenticated inlet and writes its StreamMessage keyed by the primary identity', async () => {
      // Act
      const answer = await post(
        OPEN_INLET,
        envelope({ email: ' Jane@Example.COM ', person: { name: 'Jane' } }),
      );

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        inletId: OPEN_INLET,
        xactionId: `${RECEIVED_MS}:r1`,
        receivedTimeMs: RECEIVED_MS,
        syncValidation: { skipped: true },
      });
      expect(fixture.stream.written.map((entry) => entry.partitionKey)).toEqual(['Email#jane@example.com']);
      expect(fixture.stream.messages()).toEqual([
        {
          v: 1,
          sandbox: 'prod',
          inletId: OPEN_INLET,
          datasetId: DATASET_ID,
          schemaId: PERSON_SCHEMA_ID,
          messageId: `${RECEIVED_MS}:r1`,
          receivedAt: NOW.toISOString(),
          origin: 'collection',
          record: { email: ' Jane@Example.COM ', person: { name: 'Jane' } },
          requestIndex: 0,
        },
      ]);
    });

    it('keys a record of a hashed namespace by the keyed hash, never by the raw value', async () => {
      // Prepare
      fixture = await collectFixture({ hashedNamespaces: ['Email'] });

      // Act
      const answer = await post(OPEN_INLET, envelope({ email: 'Secret@Example.com' }));

      // Assess
      expect(answer.status).toBe(200);
      const key = fixture.stream.written[0]?.partitionKey ?? '';
      expect(key).toMatch(/^Email#[0-9a-f]{64}$/);
      expect(key).not.toContain('secret@example.com');
    });

    it('keys a record without its primary identity by the message id', async () => {
      // Act
      const answer = await post(OPEN_INLET, envelope({ person: { name: 'Nobody' } }));

      // Assess
      expect(answer.status).toBe(200);
      expect(fixture.stream.written[0]?.partitionKey).toBe(answer.body.xactionId);
    });

    it('takes the whole body as the record on a raw inlet bound to a dataset', async () => {
      // Act
      const answer = await post(RAW_INLET, { email: 'raw@example.com', tier: 'gold' });

      // Assess
      expect(answer.status).toBe(200);
      expect(fixture.stream.messages()[0]).toMatchObject({
        datasetId: DATASET_ID,
        record: { email: 'raw@example.com', tier: 'gold' },
      });
      expect(fixture.stream.written[0]?.partitionKey).toBe('Email#raw@example.com');
    });

    it('fills the dataset of an envelope without datasetId from the inlet, and refuses another dataset', async () => {
      // Act
      const filled = await post(RAW_INLET, envelope({ email: 'a@b.co' }, { datasetId: undefined }));
      const other = await post(
        RAW_INLET,
        envelope({ email: 'a@b.co' }, { datasetId: 'ffffffffffffffffffffffff' }),
      );

      // Assess
      expect(filled.status).toBe(200);
      expect(other.status).toBe(400);
      expect(other.headers['content-type']).toBe('application/problem+json');
      expect(other.body).toMatchObject({ code: 'dataset-mismatch' });
      expect(other.body.violations).toEqual([
        expect.objectContaining({ pointer: '/header/datasetId', keyword: 'const' }),
      ]);
    });

    it.each([
      ['a body that is not an object', [1, 2], 'unknown-xdm-format', ''],
      ['a non-envelope on an inlet without dataset', { email: 'a@b.co' }, 'unknown-xdm-format', ''],
      [
        'no schemaRef',
        { header: { datasetId: DATASET_ID }, body: {} },
        'unknown-xdm-format',
        '/header/schemaRef/id',
      ],
      ['no xdmEntity', { ...envelope({}), body: { xdmMeta: {} } }, 'missing-xdm-entity', '/body/xdmEntity'],
      ['a source without name', envelope({}, { source: {} }), 'missing-source-name', '/header/source/name'],
      [
        'an unknown dataset',
        envelope({}, { datasetId: 'ffffffffffffffffffffffff' }),
        'unknown-dataset',
        '/header/datasetId',
      ],
      [
        'another schema',
        { ...envelope({}, { schemaRef: { id: 'https://example.com/other' } }), body: { xdmEntity: {} } },
        'schema-mismatch',
        '/header/schemaRef/id',
      ],
    ])('refuses %s with a 400 problem naming the field', async (_case, body, code, pointer) => {
      // Act
      const answer = await post(OPEN_INLET, body);

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ status: 400, code });
      expect((answer.body.violations as { pointer: string }[])[0]?.pointer).toBe(pointer);
      expect(answer.body.detail).toContain(`inletId: [${OPEN_INLET}]`);
      expect(fixture.stream.written).toEqual([]);
    });

    it('answers 404 for an unknown inlet and 400 for a request without a message', async () => {
      // Act
      const unknown = await post('d'.repeat(64), envelope({}));
      const empty = await post(OPEN_INLET, undefined);

      // Assess
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('not-found');
      expect(empty.status).toBe(400);
      expect(empty.body.code).toBe('missing-body');
    });
  });

  describe('keys of authenticated inlets', () => {
    it.each([
      [401, 'no key', {}],
      [401, 'an unknown key', { authorization: 'Bearer trb_not-a-key-of-ours-000000000000000' }],
      [403, 'a key without the ingest scope', { 'x-api-key': READ_KEY }],
      [403, 'a key of another sandbox', { authorization: `Bearer ${OTHER_SANDBOX_KEY}` }],
    ])('answers %i for %s', async (status, _case, headers) => {
      // Act
      const answer = await post(KEYED_INLET, envelope({ email: 'a@b.co' }), { headers });

      // Assess
      expect(answer.status).toBe(status);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(fixture.stream.written).toEqual([]);
    });

    it('accepts an ingest key as Bearer or x-api-key', async () => {
      // Act
      const bearer = await post(KEYED_INLET, envelope({ email: 'a@b.co' }), {
        headers: { authorization: `Bearer ${INGEST_KEY}` },
      });
      const apiKey = await post(KEYED_INLET, envelope({ email: 'a@b.co' }), {
        headers: { 'x-api-key': INGEST_KEY },
      });

      // Assess
      expect([bearer.status, apiKey.status]).toEqual([200, 200]);
      expect(fixture.stream.written).toHaveLength(2);
    });
  });

  describe('size', () => {
    it('answers 413 for a body over 1 MB, by its actual size and by its declared length', async () => {
      // Prepare
      const big = JSON.stringify(envelope({ email: 'a@b.co', filler: 'x'.repeat(1024 * 1024) }));

      // Act
      const actual = await post(OPEN_INLET, undefined, {
        rawBody: big,
        headers: { 'Content-Type': 'application/json' },
      });
      const declared = await post(OPEN_INLET, envelope({ email: 'a@b.co' }), {
        headers: { 'Content-Length': String(2 * 1024 * 1024) },
        batch: true,
      });

      // Assess
      expect(actual.status).toBe(413);
      expect(actual.body.code).toBe('payload-too-large');
      expect(declared.status).toBe(413);
      expect(fixture.stream.written).toEqual([]);
    });

    it('refuses a message whose stream record would pass the 1 MiB Kinesis limit', async () => {
      // Prepare: just under the request limit, so the envelope around it tips the stream record over
      const filler = 'x'.repeat(1024 * 1024 - 200);

      // Act
      const answer = await post(RAW_INLET, { email: 'a@b.co', filler });

      // Assess
      expect(answer.status).toBe(413);
      expect(answer.body.code).toBe('message-too-large');
    });
  });

  describe('syncValidation', () => {
    it('validates before accepting: 400 with every violation, or 200 with status pass', async () => {
      // Act
      const invalid = await post(OPEN_INLET, envelope({ email: 'a@b.co', person: {}, tier: 'bronze' }), {
        query: { syncValidation: 'true' },
      });
      const valid = await post(OPEN_INLET, envelope({ email: 'a@b.co', person: { name: 'A' } }), {
        query: { syncValidation: 'true' },
      });

      // Assess
      expect(invalid.status).toBe(400);
      expect(invalid.body.code).toBe('validation-failed');
      expect(
        (invalid.body.violations as { pointer: string; keyword: string }[]).map((v) => [
          v.pointer,
          v.keyword,
        ]),
      ).toEqual(
        expect.arrayContaining([
          ['/body/xdmEntity/person/name', 'required'],
          ['/body/xdmEntity/tier', 'enum'],
        ]),
      );
      expect(valid.status).toBe(200);
      expect(valid.body.syncValidation).toEqual({ status: 'pass' });
      expect(fixture.stream.written).toHaveLength(1);
    });

    it('refuses a syncValidation value that is not a boolean', async () => {
      // Act
      const answer = await post(OPEN_INLET, envelope({}), { query: { syncValidation: 'yes' } });

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('invalid-query');
    });
  });

  describe('batches', () => {
    it('answers 207 with one result per message in order; a bad message never fails the others', async () => {
      // Prepare
      const messages = [
        envelope({ email: 'one@example.com' }),
        { header: {}, body: {} },
        envelope({ email: 'three@example.com', person: {} }),
        envelope({ email: 'four@example.com' }, { datasetId: 'ffffffffffffffffffffffff' }),
        envelope({ email: 'five@example.com' }),
      ];

      // Act
      const answer = await post(OPEN_INLET, { messages }, { batch: true, query: { syncValidation: 'true' } });

      // Assess
      expect(answer.status).toBe(207);
      const batchId = `${RECEIVED_MS}:r1`;
      expect(answer.body).toMatchObject({ inletId: OPEN_INLET, batchId, receivedTimeMs: RECEIVED_MS });
      const responses = answer.body.responses as Record<string, unknown>[];
      expect(responses).toHaveLength(5);
      expect(responses[0]).toEqual({ xactionId: `${batchId}:0` });
      expect(responses[1]).toMatchObject({ statusCode: 400, code: 'unknown-xdm-format' });
      expect(responses[1]?.message).toContain('Message has unknown xdm format');
      expect(responses[2]).toMatchObject({
        statusCode: 400,
        code: 'validation-failed',
        violations: [
          expect.objectContaining({ pointer: '/messages/2/body/xdmEntity/person/name', keyword: 'required' }),
        ],
      });
      expect(responses[3]).toMatchObject({ statusCode: 400, code: 'unknown-dataset' });
      expect(responses[4]).toEqual({ xactionId: `${batchId}:4` });
      expect(fixture.stream.messages().map((message) => message.messageId)).toEqual([
        `${batchId}:0`,
        `${batchId}:4`,
      ]);
      expect(fixture.stream.written.map((entry) => entry.partitionKey)).toEqual([
        'Email#one@example.com',
        'Email#five@example.com',
      ]);
    });

    it.each([
      ['no messages field', {}, '/messages', 'type'],
      ['an empty list', { messages: [] }, '/messages', 'minItems'],
      [
        'too many messages',
        { messages: Array.from({ length: MAX_BATCH_MESSAGES + 1 }, () => ({})) },
        '/messages',
        'maxItems',
      ],
      ['an unknown field', { messages: [{}], extra: 1 }, '/extra', 'additionalProperties'],
    ])('refuses %s with a 400 problem', async (_case, body, pointer, keyword) => {
      // Act
      const answer = await post(OPEN_INLET, body, { batch: true });

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('invalid-batch');
      expect(answer.body.violations).toEqual([expect.objectContaining({ pointer, keyword })]);
    });

    it('acknowledges only what the stream stored: refused messages are 503 entries', async () => {
      // Prepare
      fixture.stream.refuse = (_entry, index) =>
        index === 1 ? { ok: false, throttled: false, reason: 'InternalFailure: try again' } : undefined;
      const messages = [envelope({ email: 'a@example.com' }), envelope({ email: 'b@example.com' })];

      // Act
      const answer = await post(OPEN_INLET, { messages }, { batch: true });

      // Assess
      expect(answer.status).toBe(207);
      const responses = answer.body.responses as Record<string, unknown>[];
      expect(responses[0]).toEqual({ xactionId: `${RECEIVED_MS}:r1:0` });
      expect(responses[1]).toMatchObject({ statusCode: 503, code: 'stream-unavailable' });
      expect(fixture.stream.written).toHaveLength(1);
    });

    it('answers 429 with Retry-After when the stream throttled every message', async () => {
      // Prepare
      fixture.stream.refuse = () => ({
        ok: false,
        throttled: true,
        reason: 'ProvisionedThroughputExceededException',
      });

      // Act
      const batch = await post(OPEN_INLET, { messages: [envelope({}), envelope({})] }, { batch: true });
      const single = await post(OPEN_INLET, envelope({}));

      // Assess
      for (const answer of [batch, single]) {
        expect(answer.status).toBe(429);
        expect(answer.headers['retry-after']).toBe('1');
        expect(answer.body.code).toBe('stream-throttled');
      }
    });

    it('answers a single message the stream could not store with 503 and Retry-After', async () => {
      // Prepare
      fixture.stream.refuse = () => ({ ok: false, throttled: false, reason: 'InternalFailure' });

      // Act
      const answer = await post(OPEN_INLET, envelope({}));

      // Assess
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.body.code).toBe('stream-unavailable');
    });
  });
});
