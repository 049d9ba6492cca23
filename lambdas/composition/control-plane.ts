/**
 * The control plane's composition root: the one place that picks the stores and services the routes run on.
 * Handlers call `controlPlaneRoutesFromEnvironment` once per container; tests may call `buildControlPlaneRoutes`
 * with their own parts.
 */
import { CachedApiKeyStore } from '../core/api-keys/key-cache';
import type { ApiKeyStore } from '../core/api-keys/api-key';
import { ApiKeyService } from '../core/api-keys/api-keys';
import { DatasetService } from '../core/catalog/datasets';
import { NamespaceService } from '../core/catalog/identity-namespaces';
import { InletService } from '../core/catalog/inlets';
import { MappingSetService } from '../core/mapping-sets/mapping-sets';
import { SandboxService } from '../core/catalog/sandboxes';
import type { SourceAccessService } from '../core/connections/source-access';
import { SchemaRegistry } from '../core/schemas/schema-registry';
import type { SchemaStore } from '../core/schemas/schema-store';
import { ENV } from '../config/env-names';
import { dynamoDocumentClient, requiredEnv } from '../adapters/aws-clients';
import { DynamoApiKeyStore } from '../adapters/dynamo-api-key-store';
import { DynamoDatasetStore } from '../adapters/dynamo-catalog-datasets';
import { DynamoInletStore } from '../adapters/dynamo-catalog-inlets';
import { DynamoNamespaceStore } from '../adapters/dynamo-catalog-namespaces';
import { DynamoSandboxStore } from '../adapters/dynamo-catalog-sandboxes';
import { DynamoItems } from '../adapters/dynamo-items';
import { DynamoMappingSetStore } from '../adapters/dynamo-mapping-sets';
import { DynamoSchemaStore } from '../adapters/dynamo-schema-store';
import type { RouteMap } from '../http/api-handler';
import { apiKeyRoutes } from '../http/routes/api-key-routes';
import { datasetRoutes } from '../http/routes/dataset-routes';
import { healthRoutes } from '../http/routes/health-routes';
import { inletRoutes } from '../http/routes/inlet-routes';
import { mappingSetRoutes } from '../http/routes/mapping-set-routes';
import { namespaceRoutes } from '../http/routes/namespace-routes';
import { sandboxRoutes } from '../http/routes/sandbox-routes';
import { schemaRoutes } from '../http/routes/schema-routes';
import { sourceAccessFromEnvironment } from './source-access';

export interface ControlPlaneParts {
  readonly catalog: DynamoItems;
  readonly apiKeys: ApiKeyStore;
  readonly schemas: SchemaStore;
  /** The sandboxes' grants of S3 sources, within the deployment's bounds. */
  readonly sourceAccess: SourceAccessService;
}

export function buildControlPlaneRoutes(parts: ControlPlaneParts): RouteMap {
  const sandboxes = new SandboxService({ store: new DynamoSandboxStore(parts.catalog) });
  const namespaces = new NamespaceService({ store: new DynamoNamespaceStore(parts.catalog) });
  const registry = new SchemaRegistry({ store: parts.schemas, namespaces });
  const datasets = new DatasetService({ store: new DynamoDatasetStore(parts.catalog), schemas: registry });
  const mappingSets = new MappingSetService({ store: new DynamoMappingSetStore(parts.catalog) });
  const inlets = new InletService({ store: new DynamoInletStore(parts.catalog), datasets, mappingSets });
  // Through the shared cache, so that deleting a key here stops it at once in an authorizer of the same process.
  const apiKeys = new ApiKeyService({ store: new CachedApiKeyStore(parts.apiKeys), sandboxes });
  return {
    ...healthRoutes(),
    ...sandboxRoutes({ sandboxes, sourceAccess: parts.sourceAccess }),
    ...apiKeyRoutes({ apiKeys }),
    ...namespaceRoutes({ namespaces }),
    ...schemaRoutes({ registry }),
    ...datasetRoutes({ datasets }),
    ...inletRoutes({ inlets }),
    ...mappingSetRoutes({ mappingSets }),
  };
}

export function controlPlaneRoutesFromEnvironment(): RouteMap {
  const client = dynamoDocumentClient();
  const catalog = new DynamoItems(client, requiredEnv(ENV.catalogTable));
  return buildControlPlaneRoutes({
    catalog,
    apiKeys: new DynamoApiKeyStore(client, requiredEnv(ENV.apiKeysTable)),
    schemas: new DynamoSchemaStore(catalog),
    sourceAccess: sourceAccessFromEnvironment(catalog),
  });
}
