/**
 * The query and path parameters of API requests: the page of a list, unknown parameters refused, ids in paths, and
 * the caller of a keyed route.
 */
import type { Caller } from '../core/api-keys/caller';
import { invalid, notFound, unauthenticated } from '../core/errors/domain-error';
import type { PageRequest } from '../core/page';
import { DEFAULT_PAGE_LIMIT, InvalidPageToken, MAX_PAGE_LIMIT, MAX_PAGE_TOKEN_CHARS } from '../core/page';
import type { ApiRequest } from './api-types';

/** The query parameters of a list: the page's. */
export const PAGE_QUERY = ['limit', 'start'] as const;

/**
 * Refuses a query parameter the route does not read: a filter or an ordering dropped unread would answer something
 * other than what was asked.
 */
export function onlyQuery(query: Readonly<Record<string, string>>, names: readonly string[]): void {
  const unknown = Object.keys(query).find((name) => !names.includes(name));
  if (unknown === undefined) return;
  const message = `unknown query parameter '${unknown}': this route takes ${names.join(', ')}`;
  throw invalid('invalid-query', message, [
    { pointer: `/${unknown}`, keyword: 'additionalProperties', message },
  ]);
}

/** `?limit=` and `?start=` of a list request. */
export function pageRequest(query: Readonly<Record<string, string>>): PageRequest {
  const { limit, start } = query;
  let parsedLimit = DEFAULT_PAGE_LIMIT;
  if (limit !== undefined) {
    parsedLimit = /^\d+$/.test(limit) ? Number(limit) : NaN;
    if (!(parsedLimit >= 1 && parsedLimit <= MAX_PAGE_LIMIT)) {
      const message = `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`;
      throw invalid('invalid-limit', message, [{ pointer: '/limit', keyword: 'range', message }]);
    }
  }
  if (start !== undefined && start.length === 0) {
    throw invalid('invalid-page-token', 'the start token must not be empty');
  }
  if (start !== undefined && start.length > MAX_PAGE_TOKEN_CHARS) {
    throw new InvalidPageToken();
  }
  return start === undefined ? { limit: parsedLimit } : { limit: parsedLimit, start };
}

/**
 * Ids in paths are at most this many UTF-8 bytes: longer ones cannot exist, and a key that long (with its prefixes)
 * would pass DynamoDB's 1,024-byte limit on a sort key, which the table refuses with an error rather than a miss.
 * Counted in bytes, not characters, because 512 characters of non-ASCII text are up to 2,048 bytes.
 */
const MAX_PATH_ID_BYTES = 512;

/** A path parameter naming a thing; a value that cannot be an id answers the same 404 as an unknown id. */
export function pathId(request: ApiRequest, name: string, what: string): string {
  const value = request.pathParameters[name] ?? '';
  if (value === '' || Buffer.byteLength(value) > MAX_PATH_ID_BYTES) throw notFound(what, value.slice(0, 64));
  return value;
}

/** The caller of a keyed route; the handler has already refused keyless calls, so this is a type guard. */
export function requireCaller(request: ApiRequest): Caller {
  if (!request.caller) throw unauthenticated('an API key is required');
  return request.caller;
}
