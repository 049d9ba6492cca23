/**
 * The source access of the functions that read S3 sources or configure who may (the dataflows API, the dataflow
 * worker, the control plane): the deployment's bounds from the environment the CDK app sets, and the sandboxes'
 * grants on the catalog table.
 */
import { ENV } from '../config/env-names';
import { requiredEnv } from '../adapters/aws-clients';
import { DynamoSandboxStore } from '../adapters/dynamo-catalog-sandboxes';
import { DynamoSourceAccessStore } from '../adapters/dynamo-source-access';
import type { DynamoItems } from '../adapters/dynamo-items';
import { SandboxService } from '../core/catalog/sandboxes';
import { SourceAccessService, type DeploymentSourceBounds } from '../core/connections/source-access';

/** A comma-separated list of names; empty for none. */
const namesOf = (text: string | undefined): string[] =>
  (text ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');

export function sourceBoundsFromEnvironment(): DeploymentSourceBounds {
  return {
    deploymentId: requiredEnv(ENV.deploymentId),
    platformBuckets: namesOf(requiredEnv(ENV.platformBucketNames)),
    bucketNames: namesOf(process.env[ENV.sourceBucketNames]),
    roleNamePrefix: requiredEnv(ENV.sourceRoleNamePrefix),
    readerRoleArn: requiredEnv(ENV.sourceReaderRole),
  };
}

export function sourceAccessFromEnvironment(catalog: DynamoItems): SourceAccessService {
  const sandboxes = new SandboxService({ store: new DynamoSandboxStore(catalog) });
  return new SourceAccessService({
    store: new DynamoSourceAccessStore(catalog),
    bounds: sourceBoundsFromEnvironment(),
    sandboxExists: (sandbox) => sandboxes.exists(sandbox),
  });
}
