/**
 * ReDoS through a schema `pattern`, over HTTP on the local runtime. `^(a+)+$` takes seconds per value on a
 * backtracking engine, doubling with each character; here patterns run on RE2, so a hostile value is answered at
 * once (a pattern violation) and the next producer's record is collected meanwhile. A pattern only a backtracking
 * engine can run (lookahead, backreferences) is refused at registration, naming its pointer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/batch-api';
import { startCollectingRuntime, type CollectingRuntime } from './collecting-runtime';

const SCHEMA_ID = 'https://example.com/schemas/security-coded';

const schemaWith = (id: string, codePattern: string) => ({
  title: 'Coded customer',
  class: 'profile',
  schema: {
    $id: id,
    type: 'object',
    properties: { email: { type: 'string' }, code: { type: 'string', pattern: codePattern } },
    required: ['email'],
  },
  identities: [{ path: '/email', namespace: 'Email', primary: true }],
});

/** Thirty-odd characters already take a backtracking engine minutes on `^(a+)+$`; this is thousands. */
const HOSTILE_CODE = `${'a'.repeat(5_000)}!`;

describe('ReDoS through schema patterns', () => {
  let runtime: CollectingRuntime;

  beforeAll(async () => {
    runtime = await startCollectingRuntime(schemaWith(SCHEMA_ID, '^(a+)+$'));
  });
  afterAll(async () => {
    await runtime?.subject.stop();
  });

  it('a pattern that needs backtracking is refused at registration, naming its pointer', async () => {
    // Act
    const answer = await runtime.post('/schemas', schemaWith(`${SCHEMA_ID}-lookahead`, '^(?=.*a)(a+)+$'));

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.contentType).toContain('application/problem+json');
    expect((answer.body as { violations: { pointer: string; message: string }[] }).violations).toContainEqual(
      expect.objectContaining({
        pointer: '/schema/properties/code/pattern',
        message: expect.stringContaining('lookahead') as unknown,
      }),
    );
  });

  it('a catastrophic pattern is matched in linear time: the hostile value is refused or quarantined, and the other records arrive meanwhile', async () => {
    // Act: validated in the request, and validated by the shared consumer
    const { collect, profileOf } = runtime;
    const [refused, accepted, normal] = await Promise.all([
      collect({ email: 'refused@x.io', code: HOSTILE_CODE }, '?syncValidation=true'),
      collect({ email: 'hostile@x.io', code: HOSTILE_CODE }),
      collect({ email: 'normal@x.io', code: 'aaa' }),
    ]);
    const after = await collect({ email: 'after@x.io', code: 'aa' });
    const normalProfile = await eventually(
      () => profileOf('normal@x.io'),
      (answer) => answer.status === 200,
    );
    const afterProfile = await eventually(
      () => profileOf('after@x.io'),
      (answer) => answer.status === 200,
    );

    // Assess
    expect(refused.status, JSON.stringify(refused.body)).toBe(400);
    expect(refused.body).toMatchObject({
      violations: [{ pointer: '/body/xdmEntity/code', keyword: 'pattern' }],
    });
    expect([accepted.status, normal.status, after.status]).toEqual([200, 200, 200]);
    expect(normalProfile.status).toBe(200);
    expect(afterProfile.status).toBe(200);
    expect((await profileOf('hostile@x.io')).status).toBe(404);
  });
});
