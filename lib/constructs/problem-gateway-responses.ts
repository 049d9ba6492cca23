import { ResponseType, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from '../../lambdas/http/problem';
import { UPLOAD_URL_ROUTE } from '../../lambdas/http/route-table';

/**
 * A throttled client may retry after this many seconds: the stage's token bucket refills at its rate limit every
 * second, so one second is the shortest wait that can succeed.
 */
export const THROTTLED_RETRY_AFTER_SECONDS = 1;

/**
 * The only placeholders these templates use (the local runtime substitutes exactly these).
 * `$context.error.messageString` is already a quoted JSON string; the other two are placed inside quotes.
 */
const REQUEST_ID = '$context.requestId';
const ERROR_MESSAGE = '$context.error.messageString';
const AUTHORIZER_REASON = '$context.authorizer.reason';

export interface ProblemGatewayResponse {
  readonly type: ResponseType;
  readonly status: number;
  readonly code: string;
  readonly title: string;
  /** A JSON value in the mapping template: a quoted string, or a placeholder that yields one. */
  readonly detail: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const quoted = (text: string): string => JSON.stringify(text);

/**
 * API Gateway's own answers (no authorizer verdict, unknown route, throttling, oversize body, its failures) in the
 * same problem+json shape the handlers use, so a client parses every error one way. Each response pins its status
 * so the `status` member always matches the HTTP status (templates cannot read the original one).
 */
export const PROBLEM_GATEWAY_RESPONSES: readonly ProblemGatewayResponse[] = [
  {
    type: ResponseType.UNAUTHORIZED,
    status: 401,
    code: 'unauthorized',
    title: 'Unauthorized',
    detail: quoted('missing or unknown API key'),
  },
  {
    type: ResponseType.ACCESS_DENIED,
    status: 403,
    code: 'forbidden',
    title: 'Forbidden',
    // The authorizer puts why it denied (missing scope, other sandbox) in its context.
    detail: `"${AUTHORIZER_REASON}"`,
  },
  {
    // API Gateway answers an unknown path or method with "Missing Authentication Token"; to a client it is a 404.
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: 404,
    code: 'not-found',
    title: 'Not Found',
    detail: quoted('no such route'),
  },
  {
    type: ResponseType.REQUEST_TOO_LARGE,
    status: 413,
    code: 'payload-too-large',
    title: 'Payload Too Large',
    // Also API Gateway's answer when Lambda refuses the invoke payload (6 MB, the body base64-encoded in it).
    detail: quoted(
      'the request is larger than API Gateway and Lambda accept (10 MB, and 6 MB for the function once a file is ' +
        `base64-encoded: about 4.4 MB of file); upload a larger file through an upload URL (${UPLOAD_URL_ROUTE})`,
    ),
  },
  {
    type: ResponseType.THROTTLED,
    status: 429,
    code: 'too-many-requests',
    title: 'Too Many Requests',
    detail: ERROR_MESSAGE,
    headers: { 'Retry-After': String(THROTTLED_RETRY_AFTER_SECONDS) },
  },
  {
    type: ResponseType.DEFAULT_4XX,
    status: 400,
    code: 'bad-request',
    title: 'Bad Request',
    detail: ERROR_MESSAGE,
  },
  {
    type: ResponseType.DEFAULT_5XX,
    status: 500,
    code: 'internal-error',
    title: 'Internal Server Error',
    detail: ERROR_MESSAGE,
  },
];

/** The mapping template of one response: the problem body with the request id as its instance. */
export function problemTemplate(response: ProblemGatewayResponse): string {
  return (
    `{"type":${quoted(PROBLEM_TYPE_BASE + response.code)},"title":${quoted(response.title)},` +
    `"status":${response.status},"detail":${response.detail},"code":${quoted(response.code)},` +
    `"instance":"${REQUEST_ID}"}`
  );
}

/** Header values in a gateway response are static strings, written in single quotes. */
const staticHeader = (value: string): string => `'${value}'`;

export function addProblemGatewayResponses(api: RestApi): void {
  for (const response of PROBLEM_GATEWAY_RESPONSES) {
    const headers = { 'Content-Type': PROBLEM_CONTENT_TYPE, ...response.headers };
    api.addGatewayResponse(`Problem${response.type.responseType}`, {
      type: response.type,
      statusCode: String(response.status),
      responseHeaders: Object.fromEntries(
        Object.entries(headers).map(([name, value]) => [name, staticHeader(value)]),
      ),
      templates: { 'application/json': problemTemplate(response) },
    });
  }
}
