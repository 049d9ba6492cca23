/**
 * The authorizer's decision for one request: who the key is (or that there is no valid key: 401), and whether it
 * may call this route in this sandbox (Allow, or Deny with a reason a person can act on: 403).
 */
import type { ApiKeyRecord, ApiKeyStore } from '../core/api-keys/api-key';
import { accessDenial, isPlatformKey } from '../core/api-keys/access';
import { authenticate } from '../core/api-keys/api-keys';
import { DEFAULT_SANDBOX, SANDBOX_NAME_PATTERN } from '../core/catalog/sandboxes';
import type { RouteDefinition } from './route-table';
import { requiredScope } from './route-table';

export interface AuthorizationRequest {
  readonly presentedKey: string | undefined;
  readonly method: string;
  readonly resource: string;
  /** Every value of each query parameter: some decide the scope (`?action=REVERT`). */
  readonly query?: Readonly<Record<string, readonly string[]>>;
  /** The `x-sandbox-name` header as sent. */
  readonly sandboxHeader: string | undefined;
}

export type AuthorizationDecision =
  | { readonly effect: 'Unauthenticated' }
  | { readonly effect: 'Allow'; readonly key: ApiKeyRecord; readonly sandbox: string }
  | { readonly effect: 'Deny'; readonly key: ApiKeyRecord; readonly reason: string };

export interface AuthorizationDeps {
  readonly keys: ApiKeyStore;
  readonly sandboxes: { exists(name: string): Promise<boolean> };
  readonly routes: readonly RouteDefinition[];
}

/** Sandbox management routes work whether or not the sandbox in the header exists. */
const isSandboxManagement = (resource: string): boolean =>
  resource === '/sandboxes' || resource.startsWith('/sandboxes/');

export async function authorizeRequest(
  deps: AuthorizationDeps,
  request: AuthorizationRequest,
): Promise<AuthorizationDecision> {
  const key = request.presentedKey ? await authenticate(deps.keys, request.presentedKey) : undefined;
  if (!key) return { effect: 'Unauthenticated' };
  const deny = (reason: string): AuthorizationDecision => ({ effect: 'Deny', key, reason });

  // The body is not the authorizer's to see: the handler checks what a body asks for (route-table.ts).
  const required = requiredScope(deps.routes, request.method, request.resource, {
    ...(request.query ? { query: request.query } : {}),
  });
  if (required === undefined) return deny(`${request.method} ${request.resource} is not a route of this API`);
  const sandbox = request.sandboxHeader || DEFAULT_SANDBOX;
  if (!SANDBOX_NAME_PATTERN.test(sandbox))
    return deny(`the x-sandbox-name header is not a valid sandbox name`);
  const denial = accessDenial(
    { keySandbox: key.sandbox, scopes: key.scopes },
    required.scope,
    sandbox,
    required.elevatedFor,
  );
  if (denial) return deny(denial);
  if (isPlatformKey({ keySandbox: key.sandbox }) && !isSandboxManagement(request.resource)) {
    if (!(await deps.sandboxes.exists(sandbox))) return deny(`sandbox '${sandbox}' does not exist`);
  }
  return { effect: 'Allow', key, sandbox };
}
