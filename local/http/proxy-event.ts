/** Builds the APIGatewayProxyEvent (REST, payload v1) that API Gateway hands a Lambda proxy integration. */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { IncomingMessage } from 'node:http';
import { LOCAL_ACCOUNT } from '../template/cloudformation';
import type { RouteMatch } from './route-matcher';
import type { RestApiModel } from './rest-api';

export interface IncomingRequest {
  readonly httpMethod: string;
  /** The path as sent, still percent-encoded. */
  readonly path: string;
  readonly query: string;
  /** Header name (as sent) → values, in order. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly requestId: string;
  readonly receivedAt: Date;
}

/** Reads method, path, query and headers (keeping the sender's header case) of a node request. */
export function incomingRequest(req: IncomingMessage, body: Buffer, requestId: string): IncomingRequest {
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? '';
    const existing = [...headers.keys()].find((key) => key.toLowerCase() === name.toLowerCase()) ?? name;
    headers.set(existing, [...(headers.get(existing) ?? []), req.rawHeaders[i + 1] ?? '']);
  }
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  // API Gateway tells the integration how the caller reached it; handlers build absolute URLs from these.
  const setHeader = (name: string, value: string): void => {
    for (const key of headers.keys()) if (key.toLowerCase() === name.toLowerCase()) headers.delete(key);
    headers.set(name, [value]);
  };
  const forwardedFor = [...headers.entries()]
    .find(([key]) => key.toLowerCase() === 'x-forwarded-for')?.[1]
    .at(-1);
  setHeader('X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${sourceIp}` : sourceIp);
  setHeader('X-Forwarded-Proto', 'http');
  setHeader('X-Forwarded-Port', String(req.socket.localPort ?? ''));
  return {
    httpMethod: (req.method ?? 'GET').toUpperCase(),
    path: queryStart < 0 ? url : url.slice(0, queryStart),
    query: queryStart < 0 ? '' : url.slice(queryStart + 1),
    headers,
    body,
    sourceIp,
    requestId,
    receivedAt: new Date(),
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's CLF-style request time, e.g. `09/Apr/2015:12:34:56 +0000`. */
function requestTime(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()] ?? ''}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

function mediaTypeMatches(pattern: string, contentType: string): boolean {
  const [patternType, patternSubtype] = pattern.toLowerCase().split('/');
  const [type, subtype] = contentType.toLowerCase().split('/');
  return (
    (patternType === '*' || patternType === type) && (patternSubtype === '*' || patternSubtype === subtype)
  );
}

export function isBinary(api: RestApiModel, headers: ReadonlyMap<string, readonly string[]>): boolean {
  const contentType = [...headers.entries()]
    .find(([name]) => name.toLowerCase() === 'content-type')?.[1]
    .at(-1)
    ?.split(';')[0]
    ?.trim();
  return (
    contentType !== undefined &&
    api.binaryMediaTypes.some((pattern) => mediaTypeMatches(pattern, contentType))
  );
}

/** Query parameters as API Gateway passes them: decoded, the last value in the single-value map. */
function queryParameters(query: string): {
  single: Record<string, string> | null;
  multi: Record<string, string[]> | null;
} {
  if (query === '') return { single: null, multi: null };
  const multi: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) (multi[key] ??= []).push(value);
  if (Object.keys(multi).length === 0) return { single: null, multi: null };
  const single = Object.fromEntries(Object.entries(multi).map(([key, values]) => [key, values.at(-1) ?? '']));
  return { single, multi };
}

/** The event without authorizer context; `requestContext.path` equals `path` because locally there is no stage prefix. */
export function proxyEvent(
  request: IncomingRequest,
  match: RouteMatch | undefined,
  api: RestApiModel | undefined,
): APIGatewayProxyEvent {
  const { single, multi } = queryParameters(request.query);
  const headers = Object.fromEntries(
    [...request.headers.entries()].map(([name, values]) => [name, values.at(-1) ?? '']),
  );
  const multiValueHeaders = Object.fromEntries(
    [...request.headers.entries()].map(([name, values]) => [name, [...values]]),
  );
  const binary = api !== undefined && isBinary(api, request.headers);
  const hasBody = request.body.length > 0;
  const resourcePath = match?.method.resourcePath ?? request.path;
  const userAgent = headers['User-Agent'] ?? headers['user-agent'] ?? null;
  return {
    resource: resourcePath,
    path: request.path,
    httpMethod: request.httpMethod,
    headers,
    multiValueHeaders,
    queryStringParameters: single,
    multiValueQueryStringParameters: multi,
    pathParameters:
      match && Object.keys(match.pathParameters).length > 0 ? { ...match.pathParameters } : null,
    stageVariables: null,
    body: hasBody ? request.body.toString(binary ? 'base64' : 'utf8') : null,
    isBase64Encoded: hasBody && binary,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: api?.id ?? '',
      authorizer: undefined,
      domainName: headers['Host'] ?? headers['host'] ?? '127.0.0.1',
      domainPrefix: '127',
      extendedRequestId: request.requestId,
      httpMethod: request.httpMethod,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      path: request.path,
      protocol: 'HTTP/1.1',
      requestId: request.requestId,
      requestTime: requestTime(request.receivedAt),
      requestTimeEpoch: request.receivedAt.getTime(),
      resourceId: match?.method.resourceId ?? '',
      resourcePath,
      stage: api?.stage ?? '',
    },
  };
}
