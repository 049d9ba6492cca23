/**
 * The authorisation rules of docs/security.md, written out independently of the authorizer: what a call must get
 * for a caller, a route's declared scope and the sandbox it names. The matrix (test/e2e) and its randomised soak
 * variant (test/soak) check the running system against this, cell by cell.
 */
import type { RouteScope, Scope } from '../../lambdas/core/api-keys/caller';
import type { HttpAnswer } from '../e2e/local-runtime';

export const PLATFORM_SANDBOX = '*';
export const DEFAULT_SANDBOX = 'prod';
/** The documented sandbox name rule: 2 to 64 lower-case letters, digits and dashes, starting with a letter. */
const VALID_SANDBOX_NAME = /^[a-z][a-z0-9-]{1,63}$/;

/**
 * Rules a handler adds after the authorizer allowed the call (lambdas/http/routes/sandbox-routes.ts): only the
 * platform key creates sandboxes and grants them their sources, whatever scopes a sandbox's admin key holds.
 */
const PLATFORM_ONLY_ROUTES = new Set(['POST /sandboxes', 'PUT /sandboxes/{sandboxName}/source-access']);

/** A caller as the rules see it: no valid key at all, or a current key of a sandbox (`*`: the platform key). */
export type RuleCaller =
  | { readonly kind: 'no-valid-key' }
  | { readonly kind: 'key'; readonly sandbox: string; readonly scopes: readonly Scope[] };

export interface RuleRoute {
  readonly method: string;
  readonly resource: string;
  readonly scope: RouteScope;
  /**
   * The route's own scope, when this request of it needs more (`scope`): a caller without either may be refused
   * for either, since the authorizer never sees a body.
   */
  readonly routeScope?: RouteScope;
}

/** A request of a route that carries what asks for more than the route's scope. */
export interface RuleRequest extends RuleRoute {
  readonly query?: string;
  readonly body?: unknown;
}

/**
 * Requests that remove promoted data: they need `admin` whatever their route's scope, as `DELETE /profiles` does.
 * Written out from that rule (docs/security.md), not read from the route table, so the table is checked against it.
 */
export const DATA_REMOVING_REQUESTS: readonly RuleRequest[] = [
  ...['REVERT', 'revert', 'COMPLETE&action=REVERT'].map((action) => ({
    method: 'POST',
    resource: '/batches/{batchId}',
    query: `?action=${action}`,
    scope: 'admin' as const,
    routeScope: 'ingest' as const,
  })),
  {
    method: 'POST',
    resource: '/batches',
    body: {
      datasetId: '0123456789abcdef01234567',
      inputFormat: { format: 'json' },
      replay: { predecessors: ['stream-nope-20240101T0000'] },
    },
    scope: 'admin',
    routeScope: 'ingest',
  },
];

const holds = (scopes: readonly Scope[], scope: RouteScope) =>
  scopes.includes('admin') || scopes.includes(scope as Scope);

export type Expected =
  | { readonly status: 401 }
  | { readonly status: 403; readonly because: readonly string[] }
  | { readonly status: 'handled' };

/**
 * What the call must get. A 403 lists every rule the call breaks, each as text the answer's detail must hold one
 * of: the order the authorizer checks them in is not part of the contract.
 */
export function expectedFor(
  caller: RuleCaller,
  route: RuleRoute,
  sandboxHeader: string | undefined,
  existingSandboxes: ReadonlySet<string>,
): Expected {
  if (caller.kind === 'no-valid-key') return { status: 401 };
  const sandbox = sandboxHeader || DEFAULT_SANDBOX;
  const platform = caller.sandbox === PLATFORM_SANDBOX;
  const reasons: string[] = [];
  if (!VALID_SANDBOX_NAME.test(sandbox)) reasons.push('not a valid sandbox name');
  if (!holds(caller.scopes, route.scope)) reasons.push(route.scope);
  if (route.routeScope !== undefined && !holds(caller.scopes, route.routeScope))
    reasons.push(route.routeScope);
  if (!platform && caller.sandbox !== sandbox) reasons.push(`'${caller.sandbox}'`);
  const managesSandboxes = route.resource === '/sandboxes' || route.resource.startsWith('/sandboxes/');
  if (platform && !managesSandboxes && !existingSandboxes.has(sandbox)) reasons.push('does not exist');
  if (reasons.length === 0 && !platform && PLATFORM_ONLY_ROUTES.has(`${route.method} ${route.resource}`))
    reasons.push('platform key');
  return reasons.length > 0 ? { status: 403, because: reasons } : { status: 'handled' };
}

/** Why an answer does not match the expectation, or undefined when it does. */
export function mismatch(expected: Expected, answer: HttpAnswer, method: string): string | undefined {
  if (expected.status === 'handled') {
    // Reached the handler: it may answer anything for made-up ids and empty bodies, except refuse or fail.
    if (answer.status === 401 || answer.status === 403 || answer.status >= 500)
      return `expected the handler's answer, got ${answer.status} ${JSON.stringify(answer.body)}`;
    return undefined;
  }
  if (answer.status !== expected.status) return `expected ${expected.status}, got ${answer.status}`;
  if (!answer.contentType.includes('application/problem+json')) return `not a problem: ${answer.contentType}`;
  // HTTP gives a HEAD answer no body to read a reason from.
  if (expected.status === 403 && method !== 'HEAD') {
    const detail = (answer.body as { detail?: unknown }).detail;
    if (typeof detail !== 'string' || !expected.because.some((reason) => detail.includes(reason)))
      return `403 detail ${JSON.stringify(detail)} names none of ${expected.because.join(', ')}`;
  }
  return undefined;
}

/** Well-formed ids nothing holds, so an allowed call reaches its handler and changes nothing. */
const UNKNOWN_IDS: Readonly<Record<string, string>> = {
  keyId: '0123456789abcdef0123456789abcdef',
  schemaId: encodeURIComponent('https://example.com/schemas/none'),
  namespaceCode: 'NoSuchNamespace',
  datasetId: '0123456789abcdef01234567',
  inletId: 'f'.repeat(64),
  mergePolicyId: 'no-such-policy',
  batchId: 'stream-nope-20240101T0000',
  filePath: 'folder/file.csv',
  connectionId: '0123456789abcdef01234568',
  dataflowId: '0123456789abcdef01234569',
  runId: '0123456789abcdef0123456a',
  mappingSetId: '0123456789abcdef0123456b',
};

/** The route's path with unknown ids, and `sandboxName` set to the sandbox given. */
export function pathOf(resource: string, sandboxName: string): string {
  return resource.replace(/\{(\w+)\+?\}/g, (_, name: string) =>
    name === 'sandboxName' ? sandboxName : (UNKNOWN_IDS[name] ?? 'unknown'),
  );
}

/** An empty JSON object where a method carries a body: no handler accepts it, so nothing is written. */
export const bodyFor = (method: string): string | undefined =>
  ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined;
