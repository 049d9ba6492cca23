/**
 * A schema keyword that costs the square of a record's size, over HTTP on the local runtime: Ajv checks
 * `uniqueItems` on objects by comparing every pair, so the 70,000 small objects of an 800 KB message would take over
 * a minute, holding the function (and, without `?syncValidation`, the shared consumer) for every tenant. Here the
 * check is linear: the message is answered, and another producer's meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollectingRuntime, type CollectingRuntime } from './collecting-runtime';

const SCHEMA_ID = 'https://example.com/schemas/security-tagged';

describe('quadratic validation', () => {
  let runtime: CollectingRuntime;
  const collect = (record: Record<string, unknown>) => runtime.collect(record, '?syncValidation=true');

  beforeAll(async () => {
    runtime = await startCollectingRuntime({
      title: 'Tagged',
      class: 'profile',
      schema: {
        $id: SCHEMA_ID,
        type: 'object',
        properties: {
          email: { type: 'string' },
          tags: { type: 'array', uniqueItems: true, items: { type: 'object' } },
        },
        required: ['email'],
      },
      identities: [{ path: '/email', namespace: 'Email', primary: true }],
    });
  });
  afterAll(async () => {
    await runtime?.subject.stop();
  });

  it('uniqueItems over 70,000 objects is checked in linear time, and another message is answered meanwhile', async () => {
    // Prepare: all distinct, so a pairwise check would compare all 2.4 billion pairs
    const tags = Array.from({ length: 70_000 }, (_, index) => ({ a: index }));

    // Act
    const [hostile, normal, repeated] = await Promise.all([
      collect({ email: 'hostile@x.io', tags }),
      collect({ email: 'normal@x.io', tags: [{ a: 1 }] }),
      collect({ email: 'repeated@x.io', tags: [{ a: 1, b: 2 }, { a: 2 }, { b: 2, a: 1 }] }),
    ]);

    // Assess
    expect(hostile.status, JSON.stringify(hostile.body)).toBe(200);
    expect(normal.status, JSON.stringify(normal.body)).toBe(200);
    expect(repeated.status).toBe(400);
    expect(repeated.body).toMatchObject({
      violations: [
        {
          pointer: '/body/xdmEntity/tags',
          keyword: 'uniqueItems',
          message: expect.stringContaining('items ## 0 and 2 are identical') as unknown,
        },
      ],
    });
  });
});
