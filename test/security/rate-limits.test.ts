/**
 * Attacks on the API's capacity over HTTP on the local runtime: one key sending as fast as it can must be throttled
 * on its own (429 problem with Retry-After, from the per-key WAF rule the template declares) while another key of
 * the same deployment keeps being served; respelling the key's header (`bearer`, extra spaces) must not open a fresh
 * allowance. The deployment's limit is set to WAF's smallest, 10 a minute, so the test stays small.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KEY_RATE_WINDOW_SECONDS,
  KEY_THROTTLED_CODE,
  MIN_KEY_RATE_LIMIT,
} from '../../lib/constructs/key-rate-limits';
import { call, startRuntimeUnderTest, type RuntimeUnderTest } from '../e2e/local-runtime';

describe('one API key cannot take the whole API', () => {
  let subject: RuntimeUnderTest;
  let url: string;
  let hog: string;
  let neighbour: string;

  const newKey = async (name: string): Promise<string> => {
    const created = await call(`${url}/api-keys`, {
      method: 'POST',
      key: subject.runtime.adminKey,
      body: JSON.stringify({ name, scopes: ['read'] }),
    });
    return (created.body as { key: string }).key;
  };

  beforeAll(async () => {
    subject = await startRuntimeUnderTest({ context: { 'tributary:keyRateLimit': MIN_KEY_RATE_LIMIT } });
    url = subject.runtime.url;
    hog = await newKey('hog');
    neighbour = await newKey('neighbour');
  });
  afterAll(async () => {
    await subject.stop();
  });

  it('a key over its limit answers 429 with Retry-After, however spelled, while another key is served', async () => {
    // Act: the limit's worth of requests, then more in other spellings of the same key
    const allowed = [];
    for (let request = 0; request < MIN_KEY_RATE_LIMIT; request += 1)
      allowed.push((await call(`${url}/datasets`, { key: hog })).status);
    const over = await fetch(`${url}/datasets`, { headers: { authorization: `Bearer ${hog}` } });
    const respelled = await call(`${url}/datasets`, { headers: { authorization: `bearer   ${hog}` } });
    const neighbourAnswer = await call(`${url}/datasets`, { key: neighbour });

    // Assess
    expect(allowed).toEqual(Array.from({ length: MIN_KEY_RATE_LIMIT }, () => 200));
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe(String(KEY_RATE_WINDOW_SECONDS));
    expect(await over.json()).toMatchObject({
      status: 429,
      code: KEY_THROTTLED_CODE,
      title: 'Too Many Requests',
    });
    expect(respelled.status).toBe(429);
    expect(neighbourAnswer.status).toBe(200);
  });
});
