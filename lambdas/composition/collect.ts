/**
 * The collect function's composition root: the catalog stores (inlets, datasets, schemas, namespaces, mapping sets
 * compiled once per version), the key store behind the per-container cache, the identity normaliser, and the
 * Kinesis writer. Handlers call
 * `collectRoutesFromEnvironment` once per container; tests may call `buildCollectRoutes` with their own parts.
 */
import { lazyIdentityNormalizer } from './identity-normalizer';
import type { ApiKeyStore } from '../core/api-keys/api-key';
import { CachedApiKeyStore } from '../core/api-keys/key-cache';
import { NamespaceService } from '../core/catalog/identity-namespaces';
import { CachedMappingSetLoader } from '../core/mapping-sets/mapping-set-loader';
import type { IdentityNormalizer } from '../core/profiles/identity-normalizer';
import { DEFAULT_PROFILE_GUARDRAILS } from '../core/profiles/profile-ports';
import { SchemaRegistry } from '../core/schemas/schema-registry';
import { CollectService } from '../core/streaming/collect-service';
import type { StreamWriter } from '../core/streaming/collect-stream';
import { ENV } from '../config/env-names';
import { dynamoDocumentClient, kinesis, requiredEnv } from '../adapters/aws-clients';
import { DynamoApiKeyStore } from '../adapters/dynamo-api-key-store';
import { DynamoDatasetStore } from '../adapters/dynamo-catalog-datasets';
import { DynamoInletStore } from '../adapters/dynamo-catalog-inlets';
import { DynamoNamespaceStore } from '../adapters/dynamo-catalog-namespaces';
import { DynamoItems } from '../adapters/dynamo-items';
import { DynamoMappingSetStore } from '../adapters/dynamo-mapping-sets';
import { DynamoSchemaStore } from '../adapters/dynamo-schema-store';
import { KinesisStreamWriter } from '../adapters/kinesis-stream-writer';
import { DynamoStreamProgress } from '../adapters/dynamo-stream-progress';
import { ProgressRecordingStream } from '../core/streaming/stream-progress';
import type { RouteMap } from '../http/api-handler';
import { collectionRoutes } from '../http/routes/collection-routes';

export interface CollectParts {
  readonly catalog: DynamoItems;
  readonly apiKeys: ApiKeyStore;
  readonly stream: StreamWriter;
  readonly normalizer: () => Promise<IdentityNormalizer>;
}

export function buildCollectRoutes(parts: CollectParts): RouteMap {
  const namespaces = new NamespaceService({ store: new DynamoNamespaceStore(parts.catalog) });
  const collect = new CollectService({
    inlets: new DynamoInletStore(parts.catalog),
    datasets: new DynamoDatasetStore(parts.catalog),
    // The registry keeps compiled validators per schema version for the container's life.
    schemas: new SchemaRegistry({ store: new DynamoSchemaStore(parts.catalog), namespaces }),
    keys: new CachedApiKeyStore(parts.apiKeys),
    normalizer: parts.normalizer,
    guardrails: DEFAULT_PROFILE_GUARDRAILS,
    stream: parts.stream,
    mappings: new CachedMappingSetLoader(new DynamoMappingSetStore(parts.catalog)),
  });
  return collectionRoutes({ collect });
}

export function collectRoutesFromEnvironment(): RouteMap {
  const client = dynamoDocumentClient();
  return buildCollectRoutes({
    catalog: new DynamoItems(client, requiredEnv(ENV.catalogTable)),
    apiKeys: new DynamoApiKeyStore(client, requiredEnv(ENV.apiKeysTable)),
    // What each request puts is recorded per window and shard, so a streaming batch closes only once consumed.
    stream: new ProgressRecordingStream(
      new KinesisStreamWriter({ client: kinesis(), streamName: requiredEnv(ENV.ingestStream) }),
      new DynamoStreamProgress(new DynamoItems(client, requiredEnv(ENV.batchesTable))),
      () => new Date(),
    ),
    // The same normalisation (and hashing) as the profile store, so a partition key is the identity's key there.
    normalizer: lazyIdentityNormalizer(DEFAULT_PROFILE_GUARDRAILS.maxIdentityLength),
  });
}
