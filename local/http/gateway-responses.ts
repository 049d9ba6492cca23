/**
 * API Gateway's gateway responses: the answers API Gateway gives itself (no route, authorizer refusals, too large,
 * integration failures), customised by AWS::ApiGateway::GatewayResponse resources, with API Gateway's defaults
 * where the template customises nothing.
 */
import { literalParameter, type RestApiModel } from './rest-api';

export type GatewayResponseType =
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'AUTHORIZER_FAILURE'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'REQUEST_TOO_LARGE'
  | 'BAD_REQUEST_BODY'
  /** A Lambda proxy integration that failed or answered a malformed result: no type of its own, DEFAULT_5XX applies. */
  | 'LAMBDA_ERROR';

/** API Gateway's own status and message per response type. */
const DEFAULTS: Readonly<Record<GatewayResponseType, { status: number; message: string | null }>> = {
  MISSING_AUTHENTICATION_TOKEN: { status: 403, message: 'Missing Authentication Token' },
  UNAUTHORIZED: { status: 401, message: 'Unauthorized' },
  ACCESS_DENIED: { status: 403, message: 'User is not authorized to access this resource' },
  AUTHORIZER_FAILURE: { status: 500, message: null },
  AUTHORIZER_CONFIGURATION_ERROR: { status: 500, message: null },
  REQUEST_TOO_LARGE: { status: 413, message: 'Request Too Long' },
  BAD_REQUEST_BODY: { status: 400, message: 'Invalid request body' },
  LAMBDA_ERROR: { status: 502, message: 'Internal server error' },
};

const DEFAULT_TEMPLATE = '{"message":$context.error.messageString}';

export interface GatewayResponseContext {
  readonly requestId: string;
  readonly httpMethod: string;
  readonly path: string;
  readonly resourcePath: string | undefined;
  readonly stage: string;
  readonly apiId: string;
  readonly sourceIp: string;
  /** Request headers, names lower-cased, for `method.request.header.X` parameters. */
  readonly requestHeaders: Readonly<Record<string, string>>;
  /** The authorizer's context (a Deny may carry one). */
  readonly authorizer?: Readonly<Record<string, unknown>>;
  /** Overrides the default message of the type, e.g. the explicit-deny wording. */
  readonly message?: string | null;
}

export interface RenderedResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function renderGatewayResponse(
  api: RestApiModel | undefined,
  type: GatewayResponseType,
  context: GatewayResponseContext,
): RenderedResponse {
  const defaults = DEFAULTS[type];
  const fallback = defaults.status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
  const specific = api?.gatewayResponses.get(type);
  // A DEFAULT_4XX/5XX customises body and headers; the status stays the type's own.
  const definition = specific ?? api?.gatewayResponses.get(fallback);
  const message = context.message === undefined ? defaults.message : context.message;
  const values: Record<string, string> = {
    requestId: context.requestId,
    extendedRequestId: context.requestId,
    httpMethod: context.httpMethod,
    path: context.path,
    resourcePath: context.resourcePath ?? '',
    stage: context.stage,
    apiId: context.apiId,
    'identity.sourceIp': context.sourceIp,
    'error.message': message ?? '',
    'error.messageString': JSON.stringify(message),
    'error.responseType': type === 'LAMBDA_ERROR' ? fallback : type,
  };
  for (const [key, value] of Object.entries(context.authorizer ?? {}))
    values[`authorizer.${key}`] = String(value);

  const templates = definition?.templates ?? {};
  const [contentType, template] = Object.entries(templates).find(([type]) => type === 'application/json') ??
    Object.entries(templates)[0] ?? ['application/json', DEFAULT_TEMPLATE];
  const headers: Record<string, string> = { 'Content-Type': contentType };
  for (const [name, parameter] of Object.entries(definition?.headers ?? {})) {
    const literal = literalParameter(parameter);
    const fromRequest = /^method\.request\.header\.(.+)$/.exec(parameter)?.[1];
    const value = literal ?? (fromRequest ? context.requestHeaders[fromRequest.toLowerCase()] : undefined);
    if (value !== undefined) headers[name] = value;
  }
  return {
    status: specific?.statusCode ?? defaults.status,
    headers,
    body: renderTemplate(template, values),
  };
}

/** Replaces `$context.x` and `${context.x}` references; unknown ones render empty, as in API Gateway. */
function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(
    /\$\{context\.([A-Za-z0-9_.-]+)\}|\$context\.([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)/g,
    (_match, braced?: string, bare?: string) => {
      return values[braced ?? bare ?? ''] ?? '';
    },
  );
}
