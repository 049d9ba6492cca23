/**
 * What both ingestion pipelines (the stream consumer and the batch worker) are built from: catalog lookups (datasets,
 * schema versions and their validators, cached per container) and the profile store's writers.
 */
import { lazyIdentityNormalizer } from './identity-normalizer';
import { ENV } from '../config/env-names';
import { dynamoDocumentClient, requiredEnv } from '../adapters/aws-clients';
import { DynamoDatasetStore } from '../adapters/dynamo-catalog-datasets';
import { DynamoNamespaceStore } from '../adapters/dynamo-catalog-namespaces';
import { DynamoGraphStore } from '../adapters/dynamo-graph-store';
import { DynamoItems } from '../adapters/dynamo-items';
import { DynamoProfileDataStore } from '../adapters/dynamo-profile-data-store';
import { DynamoSchemaStore } from '../adapters/dynamo-schema-store';
import { NamespaceService } from '../core/catalog/identity-namespaces';
import { DynamoIdentityGraph } from '../core/profiles/identity-graph';
import { SchemaRegistry } from '../core/schemas/schema-registry';
import { CachedTargetLookup } from '../core/lake/dataset-targets';
import { profileGuardrailsFromEnvironment } from './profiles';

export function catalogFromEnvironment() {
  const catalog = new DynamoItems(dynamoDocumentClient(), requiredEnv(ENV.catalogTable));
  const namespaces = new NamespaceService({ store: new DynamoNamespaceStore(catalog) });
  const datasets = new DynamoDatasetStore(catalog);
  const schemas = new SchemaRegistry({ store: new DynamoSchemaStore(catalog), namespaces });
  return { datasets, schemas, targets: new CachedTargetLookup({ datasets, schemas, now: () => new Date() }) };
}

export async function profileWritersFromEnvironment() {
  const client = dynamoDocumentClient();
  const profilesTable = requiredEnv(ENV.profilesTable);
  const guardrails = profileGuardrailsFromEnvironment();
  const normalizer = await lazyIdentityNormalizer(guardrails.maxIdentityLength)();
  return {
    graph: new DynamoIdentityGraph({ store: new DynamoGraphStore(client, profilesTable), guardrails }),
    data: new DynamoProfileDataStore(client, profilesTable),
    guardrails,
    normalizer,
  };
}
