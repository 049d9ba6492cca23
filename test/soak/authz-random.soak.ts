/**
 * The authorisation matrix's long variant (`npm run test:soak`): thousands of calls drawn at random over the local
 * runtime — any keyed route, keys of either sandbox with any combination of scopes, the platform key, no key, an
 * unknown key, a revoked key, the key in `Authorization: Bearer` or in `x-api-key`, and a sandbox header that is
 * the key's own, another, absent (prod), a valid name no sandbox has, or not a name at all. Each answer is checked
 * against the rules of docs/security.md (test/e2e/authorization-rules.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scope } from '../../lambdas/core/api-keys/caller';
import {
  BATCH_ROUTES,
  CONTROL_PLANE_ROUTES,
  DATAFLOW_ROUTES,
  PROFILE_ROUTES,
} from '../../lambdas/http/route-table';
import {
  bodyFor,
  DEFAULT_SANDBOX,
  expectedFor,
  mismatch,
  pathOf,
  PLATFORM_SANDBOX,
  type RuleCaller,
} from '../support/authorization-rules';
import { call, startRuntimeUnderTest, type RuntimeUnderTest } from '../e2e/local-runtime';

/** About four times the short matrix's calls: every route meets each caller and header kind many times over. */
const CALLS = 3_000;
/** Fixed, so a failure replays; fast-check prints the counterexample and its path. */
const SEED = 20_261_128;

const SANDBOXES = ['authz-a', 'authz-b'];
const EXISTING_SANDBOXES = new Set([DEFAULT_SANDBOX, ...SANDBOXES]);
const SANDBOX_HEADERS = [...SANDBOXES, undefined, 'authz-nowhere', 'Not A Name!'];
const SCOPE_SETS: readonly (readonly Scope[])[] = [
  ['admin'],
  ['ingest'],
  ['read'],
  ['ingest', 'read'],
  ['admin', 'read'],
  ['admin', 'ingest', 'read'],
];

const KEYED_ROUTES = [...CONTROL_PLANE_ROUTES, ...PROFILE_ROUTES, ...BATCH_ROUTES, ...DATAFLOW_ROUTES].filter(
  (route) => route.scope !== 'none',
);

interface MintedKey {
  readonly key: string;
  readonly rule: RuleCaller;
}

describe('authorisation, drawn at random over the local runtime', () => {
  let subject: RuntimeUnderTest;
  let url: string;
  const callers: MintedKey[] = [];

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    url = subject.runtime.url;
    const platform = subject.runtime.adminKey;
    const post = async (path: string, body: unknown) => {
      const answer = await call(url + path, { method: 'POST', key: platform, body: JSON.stringify(body) });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      return answer.body as { key: string; id: string };
    };
    for (const name of SANDBOXES) await post('/sandboxes', { name });
    for (const sandbox of SANDBOXES) {
      for (const scopes of SCOPE_SETS) {
        const { key } = await post('/api-keys', { name: scopes.join('+'), scopes, sandbox });
        callers.push({ key, rule: { kind: 'key', sandbox, scopes } });
      }
    }
    const revoked = await post('/api-keys', { name: 'revoked', scopes: ['admin'], sandbox: SANDBOXES[0] });
    const deleted = await call(`${url}/api-keys/${revoked.id}`, { method: 'DELETE', key: platform });
    expect(deleted.status).toBe(204);
    callers.push(
      { key: platform, rule: { kind: 'key', sandbox: PLATFORM_SANDBOX, scopes: ['admin'] } },
      { key: revoked.key, rule: { kind: 'no-valid-key' } },
      { key: `trb_${'x'.repeat(43)}`, rule: { kind: 'no-valid-key' } },
      { key: '', rule: { kind: 'no-valid-key' } },
    );
  });
  afterAll(async () => {
    await subject?.stop();
  });

  it(`keeps the rules over ${CALLS} random calls`, async () => {
    const property = fc.asyncProperty(
      fc.constantFrom(...KEYED_ROUTES),
      fc.constantFrom(...callers),
      fc.constantFrom(...SANDBOX_HEADERS),
      fc.constantFrom('bearer', 'x-api-key'),
      async (route, caller, sandboxHeader, keyHeader) => {
        // Prepare
        const body = bodyFor(route.method);
        const headers: Record<string, string> = {
          ...(sandboxHeader !== undefined ? { 'x-sandbox-name': sandboxHeader } : {}),
          ...(caller.key && keyHeader === 'x-api-key' ? { 'x-api-key': caller.key } : {}),
        };

        // Act
        // A sandbox key names its own sandbox in a path: reading another is a handler's 403 the rules leave out.
        const { rule } = caller;
        const pathSandbox =
          rule.kind === 'key' && rule.sandbox !== PLATFORM_SANDBOX ? rule.sandbox : SANDBOXES[0]!;
        const answer = await call(url + pathOf(route.resource, pathSandbox), {
          method: route.method,
          ...(caller.key && keyHeader === 'bearer' ? { key: caller.key } : {}),
          ...(body !== undefined ? { body } : {}),
          headers,
        });

        // Assess
        const expected = expectedFor(caller.rule, route, sandboxHeader, EXISTING_SANDBOXES);
        expect(mismatch(expected, answer, route.method)).toBeUndefined();
      },
    );
    await fc.assert(property, { numRuns: CALLS, seed: SEED });
  });
});
