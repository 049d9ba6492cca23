/**
 * The authorisation matrix over HTTP against the local runtime: every keyed route × every kind of caller (a
 * sandbox key with each scope, the platform key, no key, an unknown key) × the key's own sandbox and a foreign
 * one. The expected answer of each cell comes from the rules of docs/security.md (authorization-rules.ts) and the
 * route's declared scope, so the real authorizer, the real route table and the gateway's answers are checked
 * against the rules, not against themselves. test/soak/authz-random.soak.ts draws many more combinations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Scope } from '../../lambdas/core/api-keys/caller';
import {
  BATCH_ROUTES,
  COLLECTION_ROUTES,
  CONTROL_PLANE_ROUTES,
  DATAFLOW_ROUTES,
  PROFILE_ROUTES,
} from '../../lambdas/http/route-table';
import {
  bodyFor,
  DATA_REMOVING_REQUESTS,
  DEFAULT_SANDBOX,
  expectedFor,
  mismatch,
  pathOf,
  PLATFORM_SANDBOX,
  type RuleCaller,
  type RuleRoute,
} from '../support/authorization-rules';
import { call, startRuntimeUnderTest, type HttpAnswer, type RuntimeUnderTest } from './local-runtime';

const OWN_SANDBOX = 'authz-own';
const FOREIGN_SANDBOX = 'authz-foreign';
const SANDBOXES = [OWN_SANDBOX, FOREIGN_SANDBOX];
const EXISTING_SANDBOXES = new Set([DEFAULT_SANDBOX, ...SANDBOXES]);

interface Caller {
  readonly name: string;
  readonly rule: RuleCaller;
}

const sandboxKey = (scopes: readonly Scope[]): Caller => ({
  name: `${scopes.join('+')} key`,
  rule: { kind: 'key', sandbox: OWN_SANDBOX, scopes },
});

const CALLERS: readonly Caller[] = [
  sandboxKey(['admin']),
  sandboxKey(['ingest']),
  sandboxKey(['read']),
  { name: 'platform key', rule: { kind: 'key', sandbox: PLATFORM_SANDBOX, scopes: ['admin'] } },
  { name: 'no key', rule: { kind: 'no-valid-key' } },
  { name: 'unknown key', rule: { kind: 'no-valid-key' } },
];

const KEYED_ROUTES = [...CONTROL_PLANE_ROUTES, ...PROFILE_ROUTES, ...BATCH_ROUTES, ...DATAFLOW_ROUTES].filter(
  (route) => route.scope !== 'none',
);

const CELLS = CALLERS.flatMap((caller) => SANDBOXES.map((sandbox) => ({ caller, sandbox })));

describe('authorisation matrix: every keyed route × caller × own and foreign sandbox', () => {
  let subject: RuntimeUnderTest;
  let url: string;
  const keys = new Map<string, string>();
  const inlets = new Map<string, string>();

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    url = subject.runtime.url;
    const platform = subject.runtime.adminKey;
    const asPlatform = async (path: string, body: unknown, sandbox?: string): Promise<HttpAnswer> => {
      const answer = await call(url + path, {
        method: 'POST',
        key: platform,
        body: JSON.stringify(body),
        ...(sandbox ? { headers: { 'x-sandbox-name': sandbox } } : {}),
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      return answer;
    };
    for (const name of SANDBOXES) {
      await asPlatform('/sandboxes', { name });
      const inlet = await asPlatform('/inlets', { name: 'authz', authenticated: true }, name);
      inlets.set(name, (inlet.body as { inletId: string }).inletId);
    }
    keys.set('platform key', platform);
    keys.set('unknown key', `trb_${'x'.repeat(43)}`);
    for (const { name, rule } of CALLERS) {
      if (rule.kind !== 'key' || rule.sandbox === PLATFORM_SANDBOX) continue;
      const created = await asPlatform('/api-keys', { name, scopes: rule.scopes, sandbox: rule.sandbox });
      keys.set(name, (created.body as { key: string }).key);
    }
  });
  afterAll(async () => {
    await subject.stop();
  });

  async function callAs(caller: Caller, method: string, path: string, sandbox: string): Promise<HttpAnswer> {
    const key = keys.get(caller.name);
    const body = bodyFor(method);
    return call(url + path, {
      method,
      ...(key ? { key } : {}),
      ...(body !== undefined ? { body } : {}),
      headers: { 'x-sandbox-name': sandbox },
    });
  }

  /** Every cell's mismatch, named by caller and sandbox; empty when the route keeps the rules. */
  function wrongCells(route: RuleRoute, answers: readonly HttpAnswer[]): string[] {
    return CELLS.flatMap(({ caller, sandbox }, index) => {
      const expected = expectedFor(caller.rule, route, sandbox, EXISTING_SANDBOXES);
      const problem = mismatch(expected, answers[index]!, route.method);
      return problem ? [`${caller.name} in ${sandbox}: ${problem}`] : [];
    });
  }

  it('covers every route of the route tables: keyed routes here, keyless ones named', () => {
    const all = [
      ...CONTROL_PLANE_ROUTES,
      ...PROFILE_ROUTES,
      ...BATCH_ROUTES,
      ...DATAFLOW_ROUTES,
      ...COLLECTION_ROUTES,
    ];
    const keyless = all.filter((route) => route.scope === 'none').map((r) => `${r.method} ${r.resource}`);
    expect(KEYED_ROUTES.length + keyless.length).toBe(all.length);
    // Collection checks keys itself (tested below); health is public by design.
    expect(keyless.sort()).toEqual(
      ['GET /health', ...COLLECTION_ROUTES.map((route) => `${route.method} ${route.resource}`)].sort(),
    );
  });

  it.concurrent.each(KEYED_ROUTES)('$method $resource ($scope)', async (route) => {
    // Act
    const answers = await Promise.all(
      CELLS.map(({ caller, sandbox }) =>
        callAs(caller, route.method, pathOf(route.resource, OWN_SANDBOX), sandbox),
      ),
    );

    // Assess
    expect(wrongCells(route, answers)).toEqual([]);
  });

  it.concurrent.each(
    DATA_REMOVING_REQUESTS.map((request) => ({
      ...request,
      label: `${request.method} ${request.resource}${request.query ?? ' with a replay'}`,
    })),
  )('$label (removes promoted data: admin)', async (request) => {
    // Act
    const answers = await Promise.all(
      CELLS.map(({ caller, sandbox }) => {
        const key = keys.get(caller.name);
        return call(url + pathOf(request.resource, OWN_SANDBOX) + (request.query ?? ''), {
          method: request.method,
          ...(key ? { key } : {}),
          body: JSON.stringify(request.body ?? {}),
          headers: { 'x-sandbox-name': sandbox },
        });
      }),
    );

    // Assess
    expect(wrongCells(request, answers)).toEqual([]);
  });

  it.each(COLLECTION_ROUTES)('$method $resource to an authenticated inlet (ingest)', async (route) => {
    // Prepare: the inlet's sandbox decides; the foreign cell posts to the other sandbox's inlet.
    const asIngest = { ...route, scope: 'ingest' as const };

    // Act
    const answers = await Promise.all(
      CELLS.map(({ caller, sandbox }) =>
        callAs(caller, route.method, route.resource.replace('{inletId}', inlets.get(sandbox)!), sandbox),
      ),
    );

    // Assess
    expect(wrongCells(asIngest, answers)).toEqual([]);
  });

  it('a sandbox key that names no sandbox acts in prod, which is not its own', async () => {
    // Act
    const answer = await call(`${url}/datasets`, { key: keys.get('admin key')! });

    // Assess
    expect(answer.status).toBe(403);
    expect((answer.body as { detail: string }).detail).toContain(`'${OWN_SANDBOX}'`);
  });
});
