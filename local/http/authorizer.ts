/**
 * Runs a Lambda authorizer as API Gateway does and turns its answer into a decision: a thrown
 * `Error('Unauthorized')` is a 401, a policy that denies (explicitly, or by allowing nothing that matches the
 * method ARN) is a 403, anything else that goes wrong is a 500. Results are not cached locally.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { FunctionHost } from '../lambda/function-host';
import type { ApiAuthorizer } from './rest-api';

type ContextValue = string | number | boolean;

export type AuthorizerDecision =
  | {
      readonly kind: 'allow';
      readonly principalId: string;
      readonly context: Readonly<Record<string, ContextValue>>;
    }
  | { readonly kind: 'unauthorized' }
  | {
      readonly kind: 'denied';
      readonly explicit: boolean;
      readonly context: Readonly<Record<string, ContextValue>>;
    }
  | { readonly kind: 'failure'; readonly reason: string };

interface PolicyStatement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
}

const asList = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

/** IAM-style wildcard matching: `*` any run of characters, `?` one character. */
export function wildcardMatches(pattern: string, value: string): boolean {
  const expression = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${expression}$`, 's').test(value);
}

function statementApplies(statement: PolicyStatement, methodArn: string): boolean {
  const actions = asList(statement.Action).map(String);
  const resources = asList(statement.Resource).map(String);
  return (
    actions.some((action) => wildcardMatches(action, 'execute-api:Invoke')) &&
    resources.some((resource) => wildcardMatches(resource, methodArn))
  );
}

/** Evaluates the authorizer's result against the method ARN: an explicit Deny wins, then an Allow, else denied. */
export function evaluateAuthorizerResult(result: unknown, methodArn: string): AuthorizerDecision {
  if (typeof result !== 'object' || result === null)
    return { kind: 'failure', reason: 'the authorizer returned no policy' };
  const { principalId, policyDocument, context } = result as Record<string, unknown>;
  if (typeof principalId !== 'string' && typeof principalId !== 'number') {
    return { kind: 'failure', reason: 'the authorizer result has no principalId' };
  }
  const statements = asList(
    (policyDocument as { Statement?: unknown } | undefined)?.Statement,
  ) as PolicyStatement[];
  if (statements.length === 0)
    return { kind: 'failure', reason: 'the authorizer result has no policy statements' };
  const contextValues: Record<string, ContextValue> = {};
  for (const [key, value] of Object.entries((context ?? {}) as Record<string, unknown>)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      return {
        kind: 'failure',
        reason: `authorizer context value '${key}' is not a string, number or boolean`,
      };
    }
    contextValues[key] = value;
  }
  const applying = statements.filter((statement) => statementApplies(statement, methodArn));
  if (applying.some((statement) => statement.Effect === 'Deny'))
    return { kind: 'denied', explicit: true, context: contextValues };
  if (!applying.some((statement) => statement.Effect === 'Allow'))
    return { kind: 'denied', explicit: false, context: contextValues };
  return { kind: 'allow', principalId: String(principalId), context: contextValues };
}

/** Identity source values (`method.request.header.X`, `method.request.querystring.y`) missing from the request. */
function missingIdentitySources(authorizer: ApiAuthorizer, event: APIGatewayProxyEvent): string[] {
  const lowerHeaders = Object.fromEntries(
    Object.entries(event.headers).map(([k, v]) => [k.toLowerCase(), v]),
  );
  return authorizer.identitySources.filter((source) => {
    const header = /^method\.request\.header\.(.+)$/.exec(source)?.[1];
    if (header) return !lowerHeaders[header.toLowerCase()];
    const query = /^method\.request\.querystring\.(.+)$/.exec(source)?.[1];
    if (query) return !event.queryStringParameters?.[query];
    return false;
  });
}

export function methodArn(
  apiId: string,
  stage: string,
  httpMethod: string,
  path: string,
  region: string,
  account: string,
): string {
  return `arn:aws:execute-api:${region}:${account}:${apiId}/${stage}/${httpMethod}/${path.replace(/^\//, '')}`;
}

export async function authorize(
  host: FunctionHost,
  authorizer: ApiAuthorizer,
  event: APIGatewayProxyEvent,
  arn: string,
  onError: (error: unknown) => void,
): Promise<AuthorizerDecision> {
  // With caching on, API Gateway refuses a request that lacks an identity source without calling the authorizer.
  if (authorizer.ttlSeconds > 0 && missingIdentitySources(authorizer, event).length > 0)
    return { kind: 'unauthorized' };
  const fn = host.find(authorizer.functionArn);
  if (!fn) return { kind: 'failure', reason: `no local function for authorizer ${authorizer.name}` };
  const authorizerEvent =
    authorizer.type === 'TOKEN'
      ? { type: 'TOKEN', methodArn: arn, authorizationToken: tokenOf(authorizer, event) }
      : {
          type: 'REQUEST',
          methodArn: arn,
          resource: event.resource,
          path: event.path,
          httpMethod: event.httpMethod,
          headers: event.headers,
          multiValueHeaders: event.multiValueHeaders,
          queryStringParameters: event.queryStringParameters,
          multiValueQueryStringParameters: event.multiValueQueryStringParameters,
          pathParameters: event.pathParameters,
          stageVariables: event.stageVariables,
          requestContext: { ...event.requestContext, authorizer: undefined },
        };
  try {
    return evaluateAuthorizerResult(await host.invoke(fn, authorizerEvent), arn);
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized') return { kind: 'unauthorized' };
    onError(error);
    return { kind: 'failure', reason: (error as Error).message };
  }
}

function tokenOf(authorizer: ApiAuthorizer, event: APIGatewayProxyEvent): string | undefined {
  const header = /^method\.request\.header\.(.+)$/
    .exec(authorizer.identitySources[0] ?? '')?.[1]
    ?.toLowerCase();
  if (!header) return undefined;
  return Object.entries(event.headers).find(([name]) => name.toLowerCase() === header)?.[1];
}
