import { beforeEach, describe, expect, it } from 'vitest';
import { collectFixture, envelope, OPEN_INLET, postToInlet, type PostOptions } from './collect-fixture';

type Fixture = Awaited<ReturnType<typeof collectFixture>>;

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** An envelope's JSON text with `literal` written as the person's age, exactly as a producer would send it. */
const envelopeText = (email: string, literal: string) =>
  JSON.stringify(envelope({ email, person: { name: 'N', age: 0 } })).replace('"age":0', `"age":${literal}`);

describe('collect: numbers a JavaScript number would change are refused, never rounded', () => {
  let fixture: Fixture;

  beforeEach(async () => {
    fixture = await collectFixture();
  });

  const post = (text: string, options: PostOptions = {}) =>
    postToInlet(fixture.handler, OPEN_INLET, undefined, { ...options, rawBody: text, headers: JSON_HEADERS });

  it.each([
    ['an integer beyond 2^53', '9007199254740993', 'it would become 9007199254740992'],
    ['a literal that overflows to Infinity', '1e400', 'it would become Infinity'],
    ['a non-zero literal that underflows to 0', '1e-400', 'it would become 0'],
  ])(
    'a single message holding %s is answered 400 naming the field, and nothing reaches the stream',
    async (_what, literal, becomes) => {
      // Act
      const answer = await post(envelopeText('a@b.co', literal));

      // Assess
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('inexact-number');
      expect(answer.body.violations).toEqual([
        {
          pointer: '/body/xdmEntity/person/age',
          keyword: 'exactNumber',
          message: expect.stringContaining(becomes) as string,
        },
      ]);
      expect(fixture.stream.written).toEqual([]);
    },
  );

  it('in a batch, a message holding such a number fails alone (207) and the others are stored unchanged', async () => {
    // Prepare
    const text = `{"messages":[${envelopeText('a@b.co', '42')},${envelopeText('b@b.co', '9007199254740993')},${envelopeText('c@b.co', '9007199254740992')}]}`;

    // Act
    const answer = await post(text, { batch: true });

    // Assess
    expect(answer.status).toBe(207);
    const responses = answer.body.responses as Record<string, unknown>[];
    expect(responses[0]).toHaveProperty('xactionId');
    expect(responses[1]).toMatchObject({
      statusCode: 400,
      code: 'inexact-number',
      violations: [{ pointer: '/messages/1/body/xdmEntity/person/age', keyword: 'exactNumber' }],
    });
    expect(responses[2]).toHaveProperty('xactionId');
    const ages = fixture.stream
      .messages()
      .map((message) => (message.record as { person: { age: number } }).person.age);
    expect(ages).toEqual([42, 9007199254740992]);
  });

  it('keeps numbers a JavaScript number holds exactly, however they are written', async () => {
    // Act
    const answers = [
      await post(envelopeText('a@b.co', '0.1')),
      await post(envelopeText('a@b.co', '1.50e2')),
      await post(envelopeText('a@b.co', '12.50')),
    ];

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(
      fixture.stream.messages().map((message) => (message.record as { person: { age: number } }).person.age),
    ).toEqual([0.1, 150, 12.5]);
  });
});
