import type { InexactNumberAt } from '../core/exact-json';
import type { Caller } from '../core/api-keys/caller';

/** A request as the route handlers see it: parsed, header names lower-cased, sandbox resolved. */
export interface ApiRequest {
  readonly method: string;
  /** The API Gateway resource template, e.g. `/schemas/{schemaId}`. */
  readonly resource: string;
  readonly path: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body; `undefined` when the request had none or sent a file (see `FILE_MEDIA_TYPES`). */
  readonly body: unknown;
  /**
   * Numbers of the JSON body that a JavaScript number does not hold exactly; the API handler refuses a body with
   * any, unless its routes judge them per message (the collection routes).
   */
  readonly inexactNumbers?: readonly InexactNumberAt[];
  /** The body's bytes as sent (file uploads read these); `undefined` when there is none. */
  readonly bodyBytes?: Buffer;
  /** The sandbox this request acts in: `x-sandbox-name`, default `prod`. */
  readonly sandbox: string;
  /** Undefined only on routes that take no key. */
  readonly caller: Caller | undefined;
  readonly requestId: string;
  /** Scheme, host and stage of the API as the caller reached it, for URLs in answers. */
  readonly baseUrl: string;
}

export interface ApiResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type RouteHandler = (request: ApiRequest) => Promise<ApiResult>;

/** Authorizer context keys (API Gateway passes only strings, numbers and booleans). */
export const AUTH_CONTEXT = {
  keyId: 'keyId',
  keySandbox: 'keySandbox',
  scopes: 'scopes',
  reason: 'reason',
} as const;

export const SANDBOX_HEADER = 'x-sandbox-name';
