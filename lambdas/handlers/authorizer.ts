/**
 * The REQUEST authorizer in front of every keyed route, in AWS and in the local runtime alike. No valid key: throw
 * `Unauthorized` (API Gateway answers 401). A valid key: a policy for exactly this method ARN, Allow or Deny (403),
 * with the key's identity in the context and, on Deny, the reason the ACCESS_DENIED response shows. The policy is
 * per method, so API Gateway's result cache must stay off for this authorizer (or be keyed by route as well).
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { AuthorizationDeps } from '../http/authorization';
import { authorizeRequest } from '../http/authorization';
import { recordUse } from '../core/api-keys/api-keys';
import { lambdaHandler, logger, startedOnce } from '../adapters/handler-shell';
import { authorizerDepsFromEnvironment } from '../composition/authorizer';
import { AUTH_CONTEXT, SANDBOX_HEADER } from '../http/api-types';
import { lowerCaseHeaders, presentedKeyOf } from '../http/request';
import { queryValuesOf } from '../http/route-table';

const authorizationDeps = startedOnce<AuthorizationDeps>(authorizerDepsFromEnvironment);

/** The ACCESS_DENIED template places the reason inside a JSON string: keep only characters that need no escaping. */
export function safeReason(reason: string): string {
  return reason.replace(/[^\w .,:;'()*/{}-]/g, '');
}

function policy(
  effect: 'Allow' | 'Deny',
  principalId: string,
  methodArn: string,
  context: Record<string, string>,
): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: methodArn }],
    },
    context,
  };
}

async function authorize(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const deps = await authorizationDeps();
  const headers = lowerCaseHeaders(event.headers);
  const decision = await authorizeRequest(deps, {
    presentedKey: presentedKeyOf(headers),
    method: event.httpMethod,
    resource: event.resource,
    query: queryValuesOf(event),
    sandboxHeader: headers[SANDBOX_HEADER],
  });
  if (decision.effect === 'Unauthenticated') throw new Error('Unauthorized');
  const { key } = decision;
  const context = {
    [AUTH_CONTEXT.keyId]: key.keyId,
    [AUTH_CONTEXT.keySandbox]: key.sandbox,
    [AUTH_CONTEXT.scopes]: key.scopes.join(','),
  };
  if (decision.effect === 'Deny') {
    logger.info('denied', {
      keyId: key.keyId,
      route: `${event.httpMethod} ${event.resource}`,
      reason: decision.reason,
    });
    return policy('Deny', key.keyId, event.methodArn, {
      ...context,
      [AUTH_CONTEXT.reason]: safeReason(decision.reason),
    });
  }
  try {
    await recordUse(deps.keys, key);
  } catch (error) {
    // The last-use time is an audit hint: failing to write it must not turn a valid request away.
    logger.warn('could not record key use', { keyId: key.keyId, error: error as Error });
  }
  return policy('Allow', key.keyId, event.methodArn, context);
}

export const handler = lambdaHandler(authorize);
