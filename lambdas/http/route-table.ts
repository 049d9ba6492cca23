/**
 * The HTTP routes of the control-plane function, with the scope each needs.
 * This is a constant shared with the CDK app (which creates one API Gateway method per row) and read by the
 * authorizer (which decides 403 from it), so a route and its scope are written down once.
 */
import type { RouteScope, Scope } from '../core/api-keys/caller';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

/**
 * A kind of request of a route that needs more than the route's scope: one route may both add data and remove it
 * (`?action=COMPLETE` and `?action=REVERT`), and removing promoted data needs `admin`, as `DELETE /profiles` does.
 * The authorizer sees the query but never the body, so a body-named elevation is enforced by the handler alone;
 * both read it from here, so they cannot disagree.
 */
export interface ScopeElevation {
  readonly scope: Scope;
  /** What the request asks for, as a 403 names it. */
  readonly what: string;
  /** A query parameter any of whose values, in any letter case, is one of `values`. */
  readonly query?: { readonly name: string; readonly values: readonly string[] };
  /** A top-level field of the JSON body that is present (whatever its value). */
  readonly bodyField?: string;
}

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway resource path, with `{param}` placeholders. */
  readonly resource: string;
  /** `none` routes take no key; every other route goes through the authorizer. */
  readonly scope: RouteScope;
  /** Requests of the route that need a stronger scope than `scope`. */
  readonly elevations?: readonly ScopeElevation[];
}

export const CONTROL_PLANE_ROUTES = [
  { method: 'GET', resource: '/health', scope: 'none' },
  { method: 'POST', resource: '/sandboxes', scope: 'admin' },
  { method: 'GET', resource: '/sandboxes', scope: 'read' },
  { method: 'GET', resource: '/sandboxes/{sandboxName}', scope: 'read' },
  // Which S3 sources the sandbox's connections may read: set by the platform key only, read by the sandbox's admins.
  { method: 'GET', resource: '/sandboxes/{sandboxName}/source-access', scope: 'admin' },
  { method: 'PUT', resource: '/sandboxes/{sandboxName}/source-access', scope: 'admin' },
  { method: 'POST', resource: '/api-keys', scope: 'admin' },
  { method: 'GET', resource: '/api-keys', scope: 'admin' },
  { method: 'GET', resource: '/api-keys/{keyId}', scope: 'admin' },
  { method: 'DELETE', resource: '/api-keys/{keyId}', scope: 'admin' },
  { method: 'POST', resource: '/schemas', scope: 'admin' },
  { method: 'GET', resource: '/schemas', scope: 'read' },
  { method: 'GET', resource: '/schemas/{schemaId}', scope: 'read' },
  { method: 'PUT', resource: '/schemas/{schemaId}', scope: 'admin' },
  { method: 'POST', resource: '/schemas/{schemaId}/validate', scope: 'read' },
  { method: 'POST', resource: '/identity/namespaces', scope: 'admin' },
  { method: 'GET', resource: '/identity/namespaces', scope: 'read' },
  { method: 'GET', resource: '/identity/namespaces/{namespaceCode}', scope: 'read' },
  { method: 'POST', resource: '/datasets', scope: 'admin' },
  { method: 'GET', resource: '/datasets', scope: 'read' },
  { method: 'GET', resource: '/datasets/{datasetId}', scope: 'read' },
  { method: 'PATCH', resource: '/datasets/{datasetId}', scope: 'admin' },
  { method: 'POST', resource: '/inlets', scope: 'admin' },
  { method: 'GET', resource: '/inlets', scope: 'read' },
  { method: 'GET', resource: '/inlets/{inletId}', scope: 'read' },
  { method: 'DELETE', resource: '/inlets/{inletId}', scope: 'admin' },
  // Data Prep mapping sets (Experience Platform's conversion service): versioned; preview and validate write nothing.
  { method: 'POST', resource: '/mappingSets', scope: 'admin' },
  { method: 'GET', resource: '/mappingSets', scope: 'read' },
  { method: 'POST', resource: '/mappingSets/preview', scope: 'read' },
  { method: 'POST', resource: '/mappingSets/validate', scope: 'read' },
  { method: 'GET', resource: '/mappingSets/{mappingSetId}', scope: 'read' },
  { method: 'PUT', resource: '/mappingSets/{mappingSetId}', scope: 'admin' },
] as const satisfies readonly RouteDefinition[];

/** The routes of the profiles function: lookups, the timeline, the identity graph, privacy deletes, merge policies. */
export const PROFILE_ROUTES = [
  { method: 'GET', resource: '/profiles', scope: 'read' },
  { method: 'DELETE', resource: '/profiles', scope: 'admin' },
  { method: 'GET', resource: '/profiles/events', scope: 'read' },
  { method: 'GET', resource: '/identities/graph', scope: 'read' },
  { method: 'POST', resource: '/merge-policies', scope: 'admin' },
  { method: 'GET', resource: '/merge-policies', scope: 'read' },
  { method: 'GET', resource: '/merge-policies/{mergePolicyId}', scope: 'read' },
] as const satisfies readonly RouteDefinition[];

export type ProfileRoute = (typeof PROFILE_ROUTES)[number];
export type ProfileRouteKey = `${ProfileRoute['method']} ${ProfileRoute['resource']}`;

/**
 * Streaming collection (Experience Platform's paths). No authorizer: an inlet created with `authenticated: false`
 * takes no key, so the collect function checks the key itself for authenticated inlets (ingest scope).
 */
export const COLLECTION_ROUTES = [
  { method: 'POST', resource: '/collection/{inletId}', scope: 'none' },
  { method: 'POST', resource: '/collection/batch/{inletId}', scope: 'none' },
] as const satisfies readonly RouteDefinition[];

export type CollectionRouteKey =
  `${(typeof COLLECTION_ROUTES)[number]['method']} ${(typeof COLLECTION_ROUTES)[number]['resource']}`;

/**
 * Batches: file batches (create, upload files whole or in ranges, complete, abort, fail, revert, preview) and the
 * catalog of file and streaming batches, their failed records, the replay of a streaming batch's failures, and the
 * redrive of the records the stream consumer gave up on.
 * `{filePath+}` is greedy: a file path may hold folders.
 */
export const BATCH_ROUTES = [
  {
    method: 'POST',
    resource: '/batches',
    scope: 'ingest',
    // A replay reverts the batches it names once it succeeds: it removes promoted data.
    elevations: [{ scope: 'admin', what: 'a replay (replay.predecessors)', bodyField: 'replay' }],
  },
  {
    method: 'POST',
    resource: '/batches/{batchId}',
    scope: 'ingest',
    elevations: [{ scope: 'admin', what: 'action REVERT', query: { name: 'action', values: ['REVERT'] } }],
  },
  { method: 'PUT', resource: '/batches/{batchId}/datasets/{datasetId}/files/{filePath+}', scope: 'ingest' },
  { method: 'PATCH', resource: '/batches/{batchId}/datasets/{datasetId}/files/{filePath+}', scope: 'ingest' },
  { method: 'HEAD', resource: '/batches/{batchId}/datasets/{datasetId}/files/{filePath+}', scope: 'ingest' },
  { method: 'POST', resource: '/batches/{batchId}/datasets/{datasetId}/files/{filePath+}', scope: 'ingest' },
  { method: 'GET', resource: '/batches/{batchId}/datasets/{datasetId}/preview', scope: 'read' },
  { method: 'GET', resource: '/catalog/batches', scope: 'read' },
  { method: 'GET', resource: '/catalog/batches/{batchId}', scope: 'read' },
  { method: 'GET', resource: '/export/batches/{batchId}/failed', scope: 'read' },
  { method: 'POST', resource: '/batches/{batchId}/replay', scope: 'ingest' },
  // The stream consumer's on-failure destination, the caller's sandbox's part of it: an operator's surface.
  { method: 'GET', resource: '/streaming/failures', scope: 'admin' },
  { method: 'POST', resource: '/streaming/redrive', scope: 'admin' },
] as const satisfies readonly RouteDefinition[];

export type BatchRouteKey =
  `${(typeof BATCH_ROUTES)[number]['method']} ${(typeof BATCH_ROUTES)[number]['resource']}`;

/**
 * Sources: connections (their secrets are written to Secrets Manager and never answered), dataflows with their
 * schedules, and flow runs (run now, re-trigger a failed run). Testing and exploring a connection reach outside
 * with its secret, so they need the admin scope like the connection itself.
 */
export const DATAFLOW_ROUTES = [
  { method: 'POST', resource: '/connections', scope: 'admin' },
  { method: 'GET', resource: '/connections', scope: 'read' },
  { method: 'GET', resource: '/connections/{connectionId}', scope: 'read' },
  { method: 'PATCH', resource: '/connections/{connectionId}', scope: 'admin' },
  { method: 'DELETE', resource: '/connections/{connectionId}', scope: 'admin' },
  { method: 'POST', resource: '/connections/{connectionId}/test', scope: 'admin' },
  { method: 'GET', resource: '/connections/{connectionId}/explore', scope: 'admin' },
  { method: 'POST', resource: '/dataflows', scope: 'admin' },
  { method: 'GET', resource: '/dataflows', scope: 'read' },
  { method: 'GET', resource: '/dataflows/{dataflowId}', scope: 'read' },
  { method: 'PATCH', resource: '/dataflows/{dataflowId}', scope: 'admin' },
  { method: 'DELETE', resource: '/dataflows/{dataflowId}', scope: 'admin' },
  { method: 'POST', resource: '/dataflows/{dataflowId}/runs', scope: 'ingest' },
  { method: 'GET', resource: '/dataflows/{dataflowId}/runs', scope: 'read' },
  { method: 'GET', resource: '/dataflows/{dataflowId}/runs/{runId}', scope: 'read' },
  { method: 'POST', resource: '/dataflows/{dataflowId}/runs/{runId}', scope: 'ingest' },
] as const satisfies readonly RouteDefinition[];

export type DataflowRouteKey =
  `${(typeof DATAFLOW_ROUTES)[number]['method']} ${(typeof DATAFLOW_ROUTES)[number]['resource']}`;

export type ControlPlaneRoute = (typeof CONTROL_PLANE_ROUTES)[number];
export type ControlPlaneRouteKey = `${ControlPlaneRoute['method']} ${ControlPlaneRoute['resource']}`;
/** Every route of every API function; each function's route map covers its own table. */
export type RouteKey =
  ControlPlaneRouteKey | ProfileRouteKey | CollectionRouteKey | BatchRouteKey | DataflowRouteKey;

/**
 * Media types of file uploads: the API declares them binary (API Gateway passes their bodies base64-encoded, bytes
 * intact) and the handlers never parse them as JSON.
 */
export const FILE_MEDIA_TYPES = [
  'application/octet-stream',
  'application/gzip',
  'application/x-parquet',
] as const;

/**
 * Where files too large to send through API Gateway go: a presigned S3 URL. Named by the direct upload routes' 413
 * and by API Gateway's own (the gateway responses), so a client is told the way on.
 */
export const UPLOAD_URL_ROUTE =
  'POST /batches/{batchId}/datasets/{datasetId}/files/{filePath}?action=UPLOAD_URL';

/**
 * The largest body a direct upload (PUT of a whole file, PATCH of a range) takes. Lambda refuses a synchronous
 * invoke payload over 6 MB (6,291,456 bytes), and API Gateway hands it a binary body base64-encoded (4/3 of its
 * size) inside the proxy event: 4 MiB becomes 5,592,408 bytes, which leaves about 700 KB for the event's headers
 * and request context, more than API Gateway lets them reach. A round number a client can plan for.
 */
export const MAX_DIRECT_UPLOAD_BYTES = 4 * 1024 * 1024;

export const routeKey = (method: string, resource: string): string => `${method} ${resource}`;

/** What of a request decides its scope: every value of each query parameter and, where seen, the parsed body. */
export interface ScopedRequest {
  readonly query?: Readonly<Record<string, readonly string[]>>;
  /** The authorizer never sees the body: it passes none, and the handler checks body-named elevations. */
  readonly body?: unknown;
}

export interface RequiredScope {
  readonly scope: RouteScope;
  /** The elevation that raised the route's scope, when one did. */
  readonly elevatedFor?: string;
}

const elevationApplies = (elevation: ScopeElevation, request: ScopedRequest): boolean => {
  const { query, bodyField } = elevation;
  if (query) {
    const wanted = query.values.map((value) => value.toUpperCase());
    return (request.query?.[query.name] ?? []).some((value) => wanted.includes(value.toUpperCase()));
  }
  const { body } = request;
  return (
    bodyField !== undefined &&
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    Object.hasOwn(body, bodyField)
  );
};

/**
 * The scope a request of the route needs, or undefined when the route is not one of ours. Admin keys hold every
 * scope, so an elevation to `admin` is the strongest.
 */
export function requiredScope(
  routes: readonly RouteDefinition[],
  method: string,
  resource: string,
  request: ScopedRequest = {},
): RequiredScope | undefined {
  const route = findRoute(routes, method, resource);
  return route && scopeOfRequest(route, request);
}

export const findRoute = (
  routes: readonly RouteDefinition[],
  method: string,
  resource: string,
): RouteDefinition | undefined =>
  routes.find((candidate) => candidate.method === method && candidate.resource === resource);

/** The scope this request of the route needs: the route's, or the first elevation's that applies. */
export function scopeOfRequest(route: RouteDefinition, request: ScopedRequest): RequiredScope {
  const elevation = route.elevations?.find((candidate) => elevationApplies(candidate, request));
  return elevation ? { scope: elevation.scope, elevatedFor: elevation.what } : { scope: route.scope };
}

/** Every value of each query parameter of a proxy or REQUEST authorizer event (the single map holds the last). */
export function queryValuesOf(event: {
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly multiValueQueryStringParameters?: Readonly<Record<string, readonly string[] | undefined>> | null;
}): Record<string, readonly string[]> {
  const values = new Map<string, Set<string>>();
  const add = (name: string, value: string | undefined) => {
    if (value === undefined) return;
    const list = values.get(name) ?? new Set<string>();
    values.set(name, list.add(value));
  };
  for (const [name, list] of Object.entries(event.multiValueQueryStringParameters ?? {}))
    for (const value of list ?? []) add(name, value);
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) add(name, value);
  return Object.fromEntries([...values].map(([name, list]) => [name, [...list]]));
}
