/**
 * Source connections (Experience Platform's Flow Service base connections): create, list, read, update, delete,
 * test and explore. Answers show the auth header's name only: never its value nor the secret's reference; and an
 * HTTP source's URL without its query values or credentials (url-redaction.ts).
 */
import { z } from 'zod';
import type { Connection, HttpSourceParams, S3SourceParams } from '../../core/connections/connection-types';
import type { ConnectionService, ExploreAnswer, ExploreQuery } from '../../core/connections/connections';
import { redactedUrl } from '../../core/connections/url-redaction';
import { FILE_TYPE_NAMES, FORMAT_OF_FILE_TYPE } from '../../core/files/file-formats';
import type { RouteMap } from '../api-handler';
import type { ApiRequest } from '../api-types';
import { ConnectionPatchBody, HttpParamsInput, NewConnectionBody, S3ParamsInput } from '../connection-input';
import { inputFormatOfQuery } from '../input-format';
import { parseInput } from '../../core/input';
import { pageRequest, pathId, requireCaller } from '../input';
import { invalid } from '../../core/errors/domain-error';

/** Rows of an explore preview: enough to see a file's columns and their types. */
const EXPLORE_DEFAULT_ROWS = 10;
const EXPLORE_MAX_ROWS = 100;
const OBJECT_TYPES = ['root', 'folder', 'file'] as const;
/** S3 keys are at most 1,024 bytes. */
const MAX_OBJECT_LENGTH = 1024;

/** What the API shows of a connection: an allow-list, so a field added to the record is not answered by accident. */
export function connectionView(connection: Connection) {
  return {
    id: connection.id,
    sandbox: connection.sandbox,
    name: connection.name,
    ...(connection.description !== undefined ? { description: connection.description } : {}),
    type: connection.type,
    params:
      connection.type === 'http'
        ? { ...connection.params, url: redactedUrl((connection.params as HttpSourceParams).url) }
        : connection.params,
    ...(connection.auth ? { auth: { type: connection.auth.type, name: connection.auth.name } } : {}),
    createdAt: connection.createdAt,
    createdBy: connection.createdBy,
    updatedAt: connection.updatedAt,
  };
}

/** An explore preview as Experience Platform answers it: `{format, schema: {columns}, data}` and our extras. */
function previewView(answer: Extract<ExploreAnswer, { kind: 'preview' }>) {
  return Object.fromEntries(Object.entries(answer).filter(([name]) => name !== 'kind'));
}

const queryProblem = (name: string, message: string) =>
  invalid('invalid-query', `${name} ${message}`, [{ pointer: `/${name}`, keyword: 'type', message }]);

const ExploreQueryInput = z.object({
  objectType: z.enum(OBJECT_TYPES).optional(),
  object: z.string().max(MAX_OBJECT_LENGTH).optional(),
  preview: z.enum(['true', 'false']).optional(),
  fileType: z.enum(FILE_TYPE_NAMES).optional(),
  nrow: z
    .string()
    .regex(/^\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().min(1).max(EXPLORE_MAX_ROWS))
    .optional(),
});

/**
 * `?objectType=root|folder|file&object=<key>&preview=true&fileType=delimited|json|parquet&nrow=`, as Experience
 * Platform spells them; `format`, `delimiter`, … (as for a batch preview) override the connection's format.
 */
function exploreQueryOf(request: ApiRequest): ExploreQuery {
  const query = parseInput(ExploreQueryInput, request.query, 'the query');
  const preview = query.preview === 'true' || query.objectType === 'file';
  if (query.objectType === 'root' && query.object !== undefined) {
    throw queryProblem('object', 'is not taken with objectType=root');
  }
  const formatQuery =
    query.fileType !== undefined && request.query.format === undefined
      ? { ...request.query, format: FORMAT_OF_FILE_TYPE[query.fileType] }
      : request.query;
  const format = inputFormatOfQuery(formatQuery);
  return {
    ...(query.object !== undefined ? { object: query.object } : {}),
    preview,
    rows: query.nrow ?? EXPLORE_DEFAULT_ROWS,
    ...(format !== undefined ? { format } : {}),
  };
}

export function connectionRoutes({ connections }: { readonly connections: ConnectionService }): RouteMap {
  const connectionId = (request: ApiRequest) => pathId(request, 'connectionId', 'connection');
  return {
    'POST /connections': async (request) => {
      const input = parseInput(NewConnectionBody, request.body);
      const connection = await connections.create(request.sandbox, input, requireCaller(request).keyId);
      return { status: 201, body: connectionView(connection) };
    },
    'GET /connections': async (request) => {
      const page = await connections.list(request.sandbox, pageRequest(request.query));
      return { status: 200, body: { ...page, items: page.items.map(connectionView) } };
    },
    'GET /connections/{connectionId}': async (request) => ({
      status: 200,
      body: connectionView(await connections.get(request.sandbox, connectionId(request))),
    }),
    'PATCH /connections/{connectionId}': async (request) => {
      const id = connectionId(request);
      const { params: rawParams, ...patch } = parseInput(ConnectionPatchBody, request.body);
      let params: S3SourceParams | HttpSourceParams | undefined;
      if (rawParams !== undefined) {
        const { type } = await connections.get(request.sandbox, id);
        // Parsed under `params`, so violations point at `/params/...` as in the body.
        params =
          type === 's3'
            ? parseInput(z.object({ params: S3ParamsInput }), { params: rawParams }).params
            : parseInput(z.object({ params: HttpParamsInput }), { params: rawParams }).params;
      }
      const updated = await connections.update(request.sandbox, id, {
        ...patch,
        ...(params !== undefined ? { params } : {}),
      });
      return { status: 200, body: connectionView(updated) };
    },
    'DELETE /connections/{connectionId}': async (request) => {
      await connections.delete(request.sandbox, connectionId(request));
      return { status: 204 };
    },
    'POST /connections/{connectionId}/test': async (request) => ({
      status: 200,
      body: await connections.test(request.sandbox, connectionId(request)),
    }),
    'GET /connections/{connectionId}/explore': async (request) => {
      const id = connectionId(request);
      const answer = await connections.explore(request.sandbox, id, exploreQueryOf(request));
      if (answer.kind === 'listing') {
        // Experience Platform answers a bare array; a listing cut at its size says so in a header.
        return {
          status: 200,
          body: answer.entries,
          ...(answer.truncated ? { headers: { 'x-listing-truncated': 'true' } } : {}),
        };
      }
      return { status: 200, body: previewView(answer) };
    },
  };
}
