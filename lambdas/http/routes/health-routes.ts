import type { RouteMap } from '../api-handler';

/** Liveness of the API itself; it takes no key and touches no store. */
export function healthRoutes(): RouteMap {
  return { 'GET /health': async () => ({ status: 200, body: { status: 'ok' } }) };
}
