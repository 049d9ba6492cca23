/** Builders of API Gateway events (REST, payload v1) for handler tests. */
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';

export interface EventOptions {
  readonly method: string;
  readonly resource: string;
  readonly path?: string;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** Sent as is, for malformed bodies. */
  readonly rawBody?: string;
  readonly isBase64Encoded?: boolean;
  readonly authorizer?: Record<string, string>;
  /** The path with the stage, as API Gateway reports it in requestContext. */
  readonly contextPath?: string;
}

export function proxyEvent(options: EventOptions): APIGatewayProxyEvent {
  const path = options.path ?? options.resource;
  const body = options.rawBody ?? (options.body === undefined ? null : JSON.stringify(options.body));
  const headers = {
    Host: '127.0.0.1:4100',
    ...(body !== null && options.rawBody === undefined ? { 'Content-Type': 'application/json' } : {}),
    ...options.headers,
  };
  return {
    resource: options.resource,
    path,
    httpMethod: options.method,
    headers,
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body,
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: options.authorizer,
      httpMethod: options.method,
      identity: {} as APIGatewayProxyEvent['requestContext']['identity'],
      path: options.contextPath ?? path,
      protocol: 'HTTP/1.1',
      requestId: 'req-1',
      requestTimeEpoch: 0,
      resourceId: 'r',
      resourcePath: options.resource,
      stage: 'prod',
    },
  };
}

export function authorizerEvent(options: {
  method: string;
  resource: string;
  headers?: Record<string, string>;
}): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:us-east-1:000000000000:api/prod/${options.method}${options.resource}`,
    resource: options.resource,
    path: options.resource,
    httpMethod: options.method,
    headers: options.headers ?? {},
    multiValueHeaders: {},
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

let invocation = 0;

export function lambdaContext(): Context {
  invocation += 1;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
    memoryLimitInMB: '256',
    awsRequestId: `request-${invocation}`,
    logGroupName: 'test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export const PLATFORM_CONTEXT = { keyId: 'platform-id', keySandbox: '*', scopes: 'admin' };
