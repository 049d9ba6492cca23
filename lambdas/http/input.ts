/**
 * Turning untrusted input into typed values: zod schemas for bodies and queries, with every failure answered as a
 * 400 problem whose violations point at the offending field.
 */
import { z } from 'zod';
import type { PageRequest } from '../core/page';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, MAX_PAGE_TOKEN_CHARS } from '../core/page';
import type { ApiRequest, Caller } from './api-types';
import type { Violation } from './problem';
import { badRequest, notFound, unauthorized, validationFailed } from './problem';

const escapePointerToken = (token: PropertyKey): string =>
  String(token).replaceAll('~', '~0').replaceAll('/', '~1');

export function toPointer(path: readonly PropertyKey[]): string {
  return path.map((token) => '/' + escapePointerToken(token)).join('');
}

export function violationsOf(error: z.ZodError): Violation[] {
  return error.issues.flatMap((issue): Violation[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        pointer: toPointer([...issue.path, key]),
        keyword: 'additionalProperties',
        message: `unknown field '${key}'`,
      }));
    }
    return [{ pointer: toPointer(issue.path), keyword: issue.code, message: issue.message }];
  });
}

/** The value as the schema types it, or a 400 `validation-failed` naming every violation. */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what = 'the request body',
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const violations = violationsOf(result.error);
  throw validationFailed(
    `${what} is invalid: ${violations.map((v) => `${v.pointer || '/'} ${v.message}`).join('; ')}`,
    violations,
  );
}

/** A required, trimmed-nonempty display string of bounded length. */
export const displayText = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

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
  throw badRequest('invalid-query', message, [
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
      throw badRequest('invalid-limit', message, [{ pointer: '/limit', keyword: 'range', message }]);
    }
  }
  if (start !== undefined && start.length === 0) {
    throw badRequest('invalid-page-token', 'the start token must not be empty');
  }
  if (start !== undefined && start.length > MAX_PAGE_TOKEN_CHARS) {
    throw badRequest('invalid-page-token', 'the start token is not one this API issued');
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
  if (!request.caller) throw unauthorized('an API key is required');
  return request.caller;
}
