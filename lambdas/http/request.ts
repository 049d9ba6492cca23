/**
 * From API Gateway's proxy event (REST API, payload v1) to the ApiRequest the routes see: header names lower-cased,
 * the sandbox resolved, the caller taken from the authorizer's context, and a JSON body parsed under the API's
 * rules (JSON media type, at most MAX_BODY_BYTES).
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { SCOPES } from '../core/api-keys/api-key';
import { SANDBOX_NAME_PATTERN } from '../core/catalog/sandboxes';
import { inexactNumbersIn, type InexactNumberAt } from '../core/exact-json';
import type { Caller } from '../core/api-keys/caller';
import type { ApiRequest } from './api-types';
import { DEFAULT_SANDBOX } from '../core/catalog/sandboxes';
import { AUTH_CONTEXT, SANDBOX_HEADER } from './api-types';
import { invalid, tooLarge } from '../core/errors/domain-error';
import { unsupportedMediaType } from './problem';
import { type Scope } from '../core/api-keys/caller';
import { FILE_MEDIA_TYPES } from './route-table';

/** The streaming API's message limit, applied to every JSON body of the API. */
export const MAX_BODY_BYTES = 1024 * 1024;
const LOCAL_HOSTS = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

export function lowerCaseHeaders(
  headers: Record<string, string | undefined> | null | undefined,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    if (value !== undefined) result[name.toLowerCase()] = value;
  return result;
}

function definedValues(
  values: Record<string, string | undefined> | null | undefined,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** The sandbox named by the header (default `prod`), or a 400 when the header is not a sandbox name. */
export function sandboxOf(headers: Readonly<Record<string, string>>): string {
  const value = headers[SANDBOX_HEADER];
  if (value === undefined || value === '') return DEFAULT_SANDBOX;
  if (!SANDBOX_NAME_PATTERN.test(value)) {
    const message = `${SANDBOX_HEADER} must match ${SANDBOX_NAME_PATTERN.source}`;
    throw invalid('invalid-sandbox-name', message, [
      { pointer: `/headers/${SANDBOX_HEADER}`, keyword: 'pattern', message },
    ]);
  }
  return value;
}

function callerOf(event: APIGatewayProxyEvent): Caller | undefined {
  const context: Record<string, unknown> | null | undefined = event.requestContext?.authorizer;
  const keyId = context?.[AUTH_CONTEXT.keyId];
  const keySandbox = context?.[AUTH_CONTEXT.keySandbox];
  if (typeof keyId !== 'string' || typeof keySandbox !== 'string') return undefined;
  const joined = context?.[AUTH_CONTEXT.scopes];
  const scopes = (typeof joined === 'string' ? joined : '')
    .split(',')
    .filter((scope): scope is Scope => (SCOPES as readonly string[]).includes(scope));
  return { keyId, keySandbox, scopes };
}

const mediaTypeOf = (contentType: string | undefined) =>
  contentType?.split(';')[0]?.trim().toLowerCase() ?? '';

function isJsonMediaType(contentType: string | undefined): boolean {
  const mediaType = mediaTypeOf(contentType);
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/** File uploads send bytes that are never parsed as JSON. */
export const isFileMediaType = (contentType: string | undefined) =>
  (FILE_MEDIA_TYPES as readonly string[]).includes(mediaTypeOf(contentType));

/** The body's bytes as the client sent them, undefined when there is none. */
export function bodyBytesOf(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>,
): Buffer | undefined {
  if (event.body === null || event.body === undefined || event.body === '') return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

const END_OF_INPUT = /end of JSON input|Unterminated string/i;

/** Whether the text is a valid JSON text, or a valid beginning of one (the parser only ran out of input). */
function isValidPrefix(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch (error) {
    const { message } = error as Error;
    return END_OF_INPUT.test(message) || /position (\d+)/.exec(message)?.[1] === String(text.length);
  }
}

/**
 * The offset at which JSON.parse gave up. V8 names it only in some messages, so otherwise the offset is found as
 * the shortest invalid prefix, by bisection (about twenty parses of a body within the size limit).
 */
export function jsonErrorPosition(text: string, message: string): number {
  const named = /position (\d+)/.exec(message)?.[1];
  if (named !== undefined) return Number(named);
  if (END_OF_INPUT.test(message)) return text.length;
  let valid = 0;
  let invalid = text.length;
  while (invalid - valid > 1) {
    const middle = Math.floor((valid + invalid) / 2);
    if (isValidPrefix(text.slice(0, middle))) valid = middle;
    else invalid = middle;
  }
  return invalid - 1;
}

export interface JsonBody {
  /** The parsed JSON body, undefined when there is none. */
  readonly value: unknown;
  /** Numbers of the body that JSON.parse did not keep exactly (see core/exact-json.ts). */
  readonly inexactNumbers: readonly InexactNumberAt[];
}

const NO_BODY: JsonBody = { value: undefined, inexactNumbers: [] };

/** The parsed JSON body and where it holds numbers a JavaScript number would change. */
export function parseJsonBody(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>,
  headers: Readonly<Record<string, string>>,
): JsonBody {
  const raw = bodyBytesOf(event);
  if (raw === undefined || isFileMediaType(headers['content-type'])) return NO_BODY;
  if (raw.byteLength > MAX_BODY_BYTES) {
    throw tooLarge(`the body is ${raw.byteLength} bytes; at most ${MAX_BODY_BYTES} bytes are accepted`);
  }
  if (!isJsonMediaType(headers['content-type'])) {
    throw unsupportedMediaType(
      `the body must be JSON (content-type application/json or a +json type), or a file upload (${FILE_MEDIA_TYPES.join(', ')}), not ${headers['content-type'] ?? 'unspecified'}`,
    );
  }
  const text = raw.toString('utf8');
  if (text.trim() === '') return NO_BODY;
  try {
    const value = JSON.parse(text) as unknown;
    return { value, inexactNumbers: inexactNumbersIn(text) };
  } catch (error) {
    const { message } = error as Error;
    const position = jsonErrorPosition(text, message);
    throw invalid('malformed-json', `the body is not valid JSON at position ${position}: ${message}`, [
      { pointer: '', keyword: 'json', message: `syntax error at position ${position}` },
    ]);
  }
}

/** Scheme, host and stage prefix of the API as the caller reached it. */
export function baseUrlOf(event: APIGatewayProxyEvent, headers: Readonly<Record<string, string>>): string {
  const host = headers.host ?? event.requestContext?.domainName ?? 'localhost';
  const forwarded = headers['x-forwarded-proto']?.split(',')[0]?.trim();
  const scheme = forwarded || (LOCAL_HOSTS.test(host) ? 'http' : 'https');
  const fullPath = event.requestContext?.path ?? event.path;
  const stagePrefix = fullPath.endsWith(event.path)
    ? fullPath.slice(0, fullPath.length - event.path.length)
    : '';
  return `${scheme}://${host}${stagePrefix}`;
}

export function toApiRequest(event: APIGatewayProxyEvent, requestId: string): ApiRequest {
  const headers = lowerCaseHeaders(event.headers);
  const body = parseJsonBody(event, headers);
  return {
    method: event.httpMethod,
    resource: event.resource,
    path: event.path,
    // API Gateway has already percent-decoded path parameters and query values.
    pathParameters: definedValues(event.pathParameters),
    query: definedValues(event.queryStringParameters),
    headers,
    sandbox: sandboxOf(headers),
    body: body.value,
    inexactNumbers: body.inexactNumbers,
    bodyBytes: bodyBytesOf(event),
    caller: callerOf(event),
    requestId,
    baseUrl: baseUrlOf(event, headers),
  };
}

const BEARER = /^bearer\s+(\S+)\s*$/i;

/** `Authorization: Bearer <key>` first, then `x-api-key`. */
export function presentedKeyOf(headers: Readonly<Record<string, string>>): string | undefined {
  const bearer = BEARER.exec(headers.authorization ?? '')?.[1];
  return bearer ?? (headers['x-api-key']?.trim() || undefined);
}
