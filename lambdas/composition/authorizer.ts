/** The authorizer's composition root: the key store (behind the short per-container cache) and sandbox lookups. */
import type { AuthorizationDeps } from '../http/authorization';
import { CachedApiKeyStore } from '../core/api-keys/key-cache';
import { SandboxService } from '../core/catalog/sandboxes';
import { ENV } from '../config/env-names';
import { dynamoDocumentClient, requiredEnv } from '../adapters/aws-clients';
import { DynamoApiKeyStore } from '../adapters/dynamo-api-key-store';
import { DynamoSandboxStore } from '../adapters/dynamo-catalog-sandboxes';
import { DynamoItems } from '../adapters/dynamo-items';
import { BATCH_ROUTES, CONTROL_PLANE_ROUTES, DATAFLOW_ROUTES, PROFILE_ROUTES } from '../http/route-table';

/** Every route the authorizer guards, with its scope; later route tables join this list. */
export const AUTHORIZED_ROUTES = [
  ...CONTROL_PLANE_ROUTES,
  ...PROFILE_ROUTES,
  ...BATCH_ROUTES,
  ...DATAFLOW_ROUTES,
];

export function authorizerDepsFromEnvironment(): AuthorizationDeps {
  const client = dynamoDocumentClient();
  return {
    keys: new CachedApiKeyStore(new DynamoApiKeyStore(client, requiredEnv(ENV.apiKeysTable))),
    sandboxes: new SandboxService({
      store: new DynamoSandboxStore(new DynamoItems(client, requiredEnv(ENV.catalogTable))),
    }),
    routes: AUTHORIZED_ROUTES,
  };
}
