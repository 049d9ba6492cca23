/**
 * `/schemas`: register, list, read, evolve and validate against schemas. A schema id is a URI, so it arrives
 * URL-encoded in the path (`/schemas/https%3A%2F%2Fns.example.com%2Fperson`).
 */
import type { SchemaRegistry } from '../../core/schemas/schema-registry';
import type { StoredSchema } from '../../core/schemas/schema-types';
import type { RouteMap } from '../api-handler';
import type { ApiRequest } from '../api-types';
import { pageRequest, pathId } from '../input';
import { invalid } from '../../core/errors/domain-error';

function schemaIdOf(request: ApiRequest): string {
  const raw = pathId(request, 'schemaId', 'schema');
  try {
    return decodeURIComponent(raw);
  } catch {
    const message = 'is not a valid URL-encoded schema id';
    throw invalid('invalid-schema-id', `the schema id ${message}`, [
      { pointer: '/schemaId', keyword: 'format', message },
    ]);
  }
}

function versionOf(request: ApiRequest): number | undefined {
  const { version } = request.query;
  if (version === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(version)) {
    const message = 'version must be a positive integer';
    throw invalid('invalid-version', message, [{ pointer: '/version', keyword: 'type', message }]);
  }
  return Number(version);
}

/** The compiler's bookkeeping, which the API does not show. */
const HIDDEN_FIELDS: ReadonlySet<string> = new Set(['annotationKeywords', 'unicodePatterns']);

const view = (schema: StoredSchema): Record<string, unknown> =>
  Object.fromEntries(Object.entries(schema).filter(([name]) => !HIDDEN_FIELDS.has(name)));

const locationOf = (request: ApiRequest, schema: StoredSchema): string =>
  `${request.baseUrl}/schemas/${encodeURIComponent(schema.id)}`;

export function schemaRoutes(deps: { readonly registry: SchemaRegistry }): RouteMap {
  const { registry } = deps;
  return {
    'POST /schemas': async (request) => {
      const schema = await registry.register(request.sandbox, request.body);
      return { status: 201, body: view(schema), headers: { location: locationOf(request, schema) } };
    },
    'GET /schemas': async (request) => ({
      status: 200,
      body: await registry.list(request.sandbox, pageRequest(request.query)),
    }),
    'GET /schemas/{schemaId}': async (request) => ({
      status: 200,
      body: view(await registry.get(request.sandbox, schemaIdOf(request), versionOf(request))),
    }),
    'PUT /schemas/{schemaId}': async (request) => {
      const schema = await registry.evolve(request.sandbox, schemaIdOf(request), request.body);
      return { status: 200, body: view(schema), headers: { location: locationOf(request, schema) } };
    },
    'POST /schemas/{schemaId}/validate': async (request) => {
      const id = schemaIdOf(request);
      const version = versionOf(request);
      if (request.body === undefined) {
        throw invalid('missing-body', 'send the record to validate as the JSON body');
      }
      return { status: 200, body: await registry.validate(request.sandbox, id, request.body, version) };
    },
  };
}
