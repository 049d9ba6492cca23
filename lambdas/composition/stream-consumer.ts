/**
 * The stream consumer's composition root: catalog lookups (datasets, schema versions and their validators, cached
 * per container), the profile store, the lake and quarantine buckets and the batch store. The handler calls
 * `consumerFromEnvironment` once per container; tests call `consumeRecords` with their own parts.
 */
import { lazyIdentityNormalizer } from './identity-normalizer';
import { ENV } from '../config/env-names';
import { dynamoDocumentClient, requiredEnv, s3 } from '../adapters/aws-clients';
import { DynamoBatchStore } from '../adapters/dynamo-batches';
import { DynamoDatasetStore } from '../adapters/dynamo-catalog-datasets';
import { DynamoNamespaceStore } from '../adapters/dynamo-catalog-namespaces';
import { DynamoGraphStore } from '../adapters/dynamo-graph-store';
import { DynamoItems } from '../adapters/dynamo-items';
import { DynamoProfileDataStore } from '../adapters/dynamo-profile-data-store';
import { DynamoSchemaStore } from '../adapters/dynamo-schema-store';
import { S3Objects } from '../adapters/s3-objects';
import { NamespaceService } from '../core/catalog/identity-namespaces';
import { applyToProfiles } from '../core/profiles/apply-to-profiles';
import { DynamoIdentityGraph } from '../core/profiles/identity-graph';
import { SchemaRegistry } from '../core/schemas/schema-registry';
import type { ConsumeDeps } from '../core/streaming/consume-ports';
import { CachedTargetLookup } from '../core/streaming/consume-targets';
import { profileGuardrailsFromEnvironment } from './profiles';

export async function consumerFromEnvironment(): Promise<ConsumeDeps> {
  const client = dynamoDocumentClient();
  const catalog = new DynamoItems(client, requiredEnv(ENV.catalogTable));
  const profilesTable = requiredEnv(ENV.profilesTable);
  const guardrails = profileGuardrailsFromEnvironment();
  const normalizer = await lazyIdentityNormalizer(guardrails.maxIdentityLength)();
  const namespaces = new NamespaceService({ store: new DynamoNamespaceStore(catalog) });
  const now = () => new Date();
  const profileDeps = {
    graph: new DynamoIdentityGraph({ store: new DynamoGraphStore(client, profilesTable), guardrails }),
    data: new DynamoProfileDataStore(client, profilesTable),
    guardrails,
    normalizer,
  };
  return {
    targets: new CachedTargetLookup({
      datasets: new DynamoDatasetStore(catalog),
      schemas: new SchemaRegistry({ store: new DynamoSchemaStore(catalog), namespaces }),
      now,
    }),
    applyToProfiles: (input) => applyToProfiles(profileDeps, input),
    lake: new S3Objects(s3(), requiredEnv(ENV.lakeBucket)),
    quarantine: new S3Objects(s3(), requiredEnv(ENV.quarantineBucket)),
    batches: new DynamoBatchStore(new DynamoItems(client, requiredEnv(ENV.batchesTable))),
    now,
  };
}
