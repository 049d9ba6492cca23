/**
 * The HTTP adapter every API Lambda uses: a middy handler that turns API Gateway's proxy event into an ApiRequest,
 * re-checks the route's scope (defence in depth behind the authorizer), dispatches on `METHOD /resource`, and
 * answers every failure as problem+json. Only errors that are neither DomainErrors nor HttpProblems are logged, and they are answered
 * with a bare 500 that leaks nothing.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type middy from '@middy/core';
import { lambdaHandler } from '../adapters/handler-shell';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { z } from 'zod';
import { accessDenial } from '../core/api-keys/access';
import { inexactNumbersProblem } from '../core/exact-json';
import type { RouteHandler } from './api-types';
import { violationsOf } from '../core/input';
import { DomainError, forbidden, unauthenticated, validationFailed } from '../core/errors/domain-error';
import { HttpProblem, problemOfDomainError } from './problem';
import { jsonResponse, problemResponse } from './responses';
import { toApiRequest } from './request';
import type { RouteDefinition, RouteKey } from './route-table';
import { findRoute, queryValuesOf, routeKey, scopeOfRequest } from './route-table';

export type RouteMap = Partial<Record<RouteKey, RouteHandler>>;

export interface ApiHandlerOptions {
  /** Built on the first request, so a container reads its environment once and tests can set it first. */
  readonly routes: () => RouteMap;
  readonly definitions: readonly RouteDefinition[];
  readonly logger: Logger;
  /**
   * The routes judge a body's inexact numbers themselves (`ApiRequest.inexactNumbers`): a batch of streamed messages
   * fails only the messages that hold one. Otherwise any refuses the whole request.
   */
  readonly inexactNumbersPerMessage?: boolean;
}

const internalError = () =>
  new HttpProblem(
    500,
    'internal-error',
    'Internal Server Error',
    'the request failed unexpectedly; it has been logged',
  );

/** How long a client should wait before retrying a request that lost to concurrent writers. */
const RETRY_AFTER_SECONDS = '1';

/** Errors the core marks `retryable` (contention on a conditional write, say) are the client's to retry: a 503. */
const isRetryable = (error: unknown): error is Error =>
  error instanceof Error && (error as Error & { retryable?: unknown }).retryable === true;

/** The problem an error stands for, or undefined when it is a fault of ours. */
export function problemOf(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  if (error instanceof DomainError) return problemOfDomainError(error);
  if (isRetryable(error)) {
    return new HttpProblem(503, 'temporarily-unavailable', 'Service Unavailable', error.message, undefined, {
      'retry-after': RETRY_AFTER_SECONDS,
    });
  }
  if (error instanceof z.ZodError) {
    return problemOfDomainError(validationFailed('the request is invalid', violationsOf(error)));
  }
  return undefined;
}

export function createApiHandler(options: ApiHandlerOptions) {
  let routes: RouteMap | undefined;

  const dispatch = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const key = routeKey(event.httpMethod, event.resource);
    routes ??= options.routes();
    const route = routes[key as RouteKey];
    const definition = findRoute(options.definitions, event.httpMethod, event.resource);
    if (!definition || !route) {
      throw new HttpProblem(404, 'route-not-found', 'Not Found', `no route ${key}`);
    }
    const request = toApiRequest(event, context.awsRequestId);
    // The same rule as the authorizer's, and the body's part of it, which only the handler sees.
    const required = scopeOfRequest(definition, { query: queryValuesOf(event), body: request.body });
    if (required.scope !== 'none') {
      if (!request.caller) throw unauthenticated('an API key is required');
      const denial = accessDenial(request.caller, required.scope, request.sandbox, required.elevatedFor);
      if (denial) throw forbidden(denial);
    }
    if (!options.inexactNumbersPerMessage && request.inexactNumbers?.length)
      throw inexactNumbersProblem(request.inexactNumbers);
    return jsonResponse(await route(request));
  };

  return lambdaHandler(dispatch, options.logger).use({
    onError: (request: middy.Request<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>) => {
      const problem = problemOf(request.error);
      if (!problem) options.logger.error('unhandled error', request.error ?? 'unknown error');
      request.response = problemResponse(problem ?? internalError(), request.context.awsRequestId);
    },
  });
}
