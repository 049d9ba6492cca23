/** Requests as the API handler gives them to routes, and a route map's handler by its key, for route-level tests. */
import { problemOf, type RouteMap } from '../../lambdas/http/api-handler';
import type { ApiRequest, RouteHandler } from '../../lambdas/http/api-types';
import type { RouteKey } from '../../lambdas/http/route-table';

/** A request of an admin key of sandbox `prod`, with `overrides`. */
export function apiRequest(overrides: Partial<ApiRequest>): ApiRequest {
  return {
    method: 'GET',
    resource: '/',
    path: '/',
    pathParameters: {},
    query: {},
    headers: {},
    body: undefined,
    sandbox: 'prod',
    caller: { keyId: 'key-1', keySandbox: 'prod', scopes: ['admin'] },
    requestId: 'req-1',
    baseUrl: 'http://127.0.0.1:4100',
    ...overrides,
  };
}

/** The handler of `key`, or a thrown error naming the route missing. */
export function routeOf(routes: RouteMap, key: RouteKey): RouteHandler {
  const handler = routes[key];
  if (!handler) throw new Error(`no route ${key}`);
  return handler;
}

/**
 * What a handler threw, as the API answers it (the HttpProblem of a domain error, as a record of its fields), or
 * undefined when it answered.
 */
export async function thrownBy(answer: Promise<unknown>): Promise<Record<string, unknown> | undefined> {
  return answer.then(
    () => undefined,
    (caught: unknown) => (problemOf(caught) ?? caught) as Record<string, unknown>,
  );
}
