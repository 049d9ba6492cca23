/**
 * A miniature API Gateway for handler tests: runs the real authorizer handler, then (on Allow) the real
 * control-plane handler with the authorizer's context, both against the DynamoDB emulator.
 */
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { DynamoApiKeyStore } from '../../lambdas/adapters/dynamo-api-key-store';
import { ENV } from '../../lambdas/config/env-names';
import { generateKey } from '../../lambdas/core/api-keys/api-key';
import { ensurePlatformKey } from '../../lambdas/core/api-keys/api-keys';
import { handler as authorizer } from '../../lambdas/handlers/authorizer';
import { handler as controlPlane } from '../../lambdas/handlers/control-plane';
import { emulatorEnvironment, startEmulators, type RunningEmulators } from '../../local/emulators';
import { authorizerEvent, lambdaContext, proxyEvent, type EventOptions } from '../unit/http/proxy-events';
import { createTestTables, TEST_TABLES, testDocumentClient } from './catalog-test-tables';

export const PLATFORM_KEY = generateKey();

export interface GatewayResponse {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly json: Record<string, unknown> & { items?: Record<string, unknown>[] };
}

export interface Gateway {
  readonly emulators: RunningEmulators;
  send(options: EventOptions & { key?: string }): Promise<GatewayResponse>;
  stop(): Promise<void>;
}

export async function startGateway(): Promise<Gateway> {
  const emulators = await startEmulators();
  Object.assign(process.env, emulatorEnvironment(emulators.endpoints), {
    [ENV.catalogTable]: TEST_TABLES.catalog,
    [ENV.apiKeysTable]: TEST_TABLES.apiKeys,
    // The deployment's source bounds, which the control plane grants sandboxes their sources within.
    [ENV.deploymentId]: 'handler-tests',
    [ENV.platformBucketNames]: 'handler-tests-landing',
    [ENV.sourceBucketNames]: '',
    [ENV.sourceRoleNamePrefix]: 'tributary-source-',
    [ENV.sourceReaderRole]: 'arn:aws:iam::000000000000:role/handler-tests-source-reader',
  });
  await createTestTables(emulators.endpoints.dynamodb);
  await ensurePlatformKey(
    new DynamoApiKeyStore(testDocumentClient(emulators.endpoints.dynamodb), TEST_TABLES.apiKeys),
    PLATFORM_KEY,
  );

  async function send(options: EventOptions & { key?: string }): Promise<GatewayResponse> {
    const { key, ...event } = options;
    const headers: Record<string, string> = {
      ...(key ? { Authorization: `Bearer ${key}` } : {}),
      ...event.headers,
    };
    let authorizerContext: Record<string, string> | undefined;
    if (key !== undefined || event.resource !== '/health') {
      let result: APIGatewayAuthorizerResult;
      try {
        result = await authorizer(
          authorizerEvent({ method: event.method, resource: event.resource, headers }),
          lambdaContext(),
        );
      } catch {
        return { status: 401, headers: {}, json: { code: 'unauthorized' } };
      }
      const context = result.context as Record<string, string>;
      if (result.policyDocument.Statement[0]?.Effect !== 'Allow')
        return { status: 403, headers: {}, json: { detail: context.reason } };
      authorizerContext = context;
    }
    const response = await controlPlane(
      proxyEvent({ ...event, headers, authorizer: authorizerContext }),
      lambdaContext(),
    );
    return {
      status: response.statusCode,
      headers: response.headers ?? {},
      json: response.body ? (JSON.parse(response.body) as GatewayResponse['json']) : {},
    };
  }

  return { emulators, send, stop: () => emulators.stop() };
}
