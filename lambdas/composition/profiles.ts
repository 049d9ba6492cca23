/**
 * The profiles function's composition root: the identity graph, the fragment and event store, merge policies and
 * the catalog parts (namespaces, datasets) the routes run on. Handlers call `profileRoutesFromEnvironment` once per
 * container; tests may call `buildProfileRoutes` with their own parts.
 */
import { positiveIntegerEnv } from './positive-integer-env';
import { lazyIdentityNormalizer } from './identity-normalizer';
import { DatasetService } from '../core/catalog/datasets';
import { NamespaceService } from '../core/catalog/identity-namespaces';
import type { IdentityNormalizer } from '../core/profiles/identity-normalizer';
import { DynamoIdentityGraph } from '../core/profiles/identity-graph';
import { MergePolicyService } from '../core/profiles/merge-policies';
import {
  DEFAULT_PROFILE_GUARDRAILS,
  type IdentityGraph,
  type ProfileDataStore,
  type ProfileGuardrails,
} from '../core/profiles/profile-ports';
import { NormalizingIdentityLookup } from '../core/profiles/profile-read-identities';
import { ProfileReadService } from '../core/profiles/profile-read-service';
import { SchemaRegistry } from '../core/schemas/schema-registry';
import { ENV } from '../config/env-names';
import { dynamoDocumentClient, requiredEnv } from '../adapters/aws-clients';
import { DynamoDatasetStore } from '../adapters/dynamo-catalog-datasets';
import { DynamoNamespaceStore } from '../adapters/dynamo-catalog-namespaces';
import { DynamoGraphStore } from '../adapters/dynamo-graph-store';
import { DynamoItems } from '../adapters/dynamo-items';
import { DynamoMergePolicyStore } from '../adapters/dynamo-merge-policies';
import { DynamoProfileDataStore } from '../adapters/dynamo-profile-data-store';
import { DynamoSchemaStore } from '../adapters/dynamo-schema-store';
import type { RouteMap } from '../http/api-handler';
import { mergePolicyRoutes } from '../http/routes/merge-policy-routes';
import { profileRoutes } from '../http/routes/profile-routes';

export interface ProfileParts {
  readonly catalog: DynamoItems;
  readonly graph: IdentityGraph;
  readonly data: ProfileDataStore;
  /** Async: the hashing key may come from a secret store, read on first use. */
  readonly normalizer: () => Promise<IdentityNormalizer>;
  readonly guardrails: ProfileGuardrails;
}

export function buildProfileRoutes(parts: ProfileParts): RouteMap {
  const namespaces = new NamespaceService({ store: new DynamoNamespaceStore(parts.catalog) });
  const registry = new SchemaRegistry({ store: new DynamoSchemaStore(parts.catalog), namespaces });
  const datasets = new DatasetService({ store: new DynamoDatasetStore(parts.catalog), schemas: registry });
  const policies = new MergePolicyService({ store: new DynamoMergePolicyStore(parts.catalog), datasets });
  const reads = new ProfileReadService({
    identities: new NormalizingIdentityLookup({ namespaces, normalizer: parts.normalizer }),
    graph: parts.graph,
    data: parts.data,
    policies,
    maxIdentitiesPerGraph: parts.guardrails.maxIdentitiesPerGraph,
  });
  return {
    ...profileRoutes({ reads, graph: parts.graph, data: parts.data }),
    ...mergePolicyRoutes({ policies }),
  };
}

export function profileGuardrailsFromEnvironment(): ProfileGuardrails {
  return {
    ...DEFAULT_PROFILE_GUARDRAILS,
    maxIdentitiesPerGraph: positiveIntegerEnv(
      ENV.profileMaxIdentitiesPerGraph,
      DEFAULT_PROFILE_GUARDRAILS.maxIdentitiesPerGraph,
    ),
    maxIdentitiesPerRecord: positiveIntegerEnv(
      ENV.profileMaxIdentitiesPerRecord,
      DEFAULT_PROFILE_GUARDRAILS.maxIdentitiesPerRecord,
    ),
  };
}

export function profileRoutesFromEnvironment(): RouteMap {
  const client = dynamoDocumentClient();
  const profilesTable = requiredEnv(ENV.profilesTable);
  const guardrails = profileGuardrailsFromEnvironment();
  return buildProfileRoutes({
    catalog: new DynamoItems(client, requiredEnv(ENV.catalogTable)),
    graph: new DynamoIdentityGraph({ store: new DynamoGraphStore(client, profilesTable), guardrails }),
    data: new DynamoProfileDataStore(client, profilesTable),
    normalizer: lazyIdentityNormalizer(guardrails.maxIdentityLength),
    guardrails,
  });
}
