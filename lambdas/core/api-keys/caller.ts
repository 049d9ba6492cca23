/** Who is calling and what a key may do: the vocabulary of access the core decides with. */

export type Scope = 'admin' | 'ingest' | 'read';
/** What a route needs: a scope, or `none` for routes that take no key. */
export type RouteScope = Scope | 'none';

/** The sandbox of the platform (bootstrap) key, which may act in any sandbox. */
export const PLATFORM_SANDBOX = '*';

/** Who is calling, as the authorizer established it (passed through API Gateway's authorizer context). */
export interface Caller {
  readonly keyId: string;
  /** The sandbox the key belongs to; `*` for the platform (bootstrap) key, which may act in any sandbox. */
  readonly keySandbox: string;
  readonly scopes: readonly Scope[];
}
