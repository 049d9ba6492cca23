/**
 * What the dataflow functions share: the flow and run stores (catalog and batches tables) and the connections with
 * their secrets, the sandboxes' source access and the source readers. HTTP sources and webhooks may reach private
 * addresses only where HTTP_SOURCE_ALLOW_PRIVATE_HOSTS is `true`, and webhooks may be plain http only where
 * WEBHOOK_ALLOW_PLAIN_HTTP is `true` (both: the local runtime).
 */
import { ENV } from '../config/env-names';
import { dynamoDocumentClient, requiredEnv, secretsManager, sourceS3 } from '../adapters/aws-clients';
import { DynamoConnectionStore } from '../adapters/dynamo-connections';
import { DynamoDataflowStore } from '../adapters/dynamo-dataflows';
import { DynamoFlowRunStore } from '../adapters/dynamo-flow-runs';
import { DynamoItems } from '../adapters/dynamo-items';
import { S3SourceObjects } from '../adapters/s3-source-reader';
import { SecretsManagerSecretStore } from '../adapters/secrets-manager-secret-store';
import { ConnectionService } from '../core/connections/connections';
import { FetchHttpSourceReader } from '../core/connections/http-source-reader';
import type { S3SourceGrant } from '../core/connections/source-access';
import { sourceAccessFromEnvironment } from './source-access';

export const allowPrivateHostsFromEnvironment = (): boolean =>
  process.env[ENV.httpSourceAllowPrivateHosts] === 'true';

export const allowPlainHttpWebhooksFromEnvironment = (): boolean =>
  process.env[ENV.webhookAllowPlainHttp] === 'true';

export function dataflowPartsFromEnvironment() {
  const client = dynamoDocumentClient();
  const catalog = new DynamoItems(client, requiredEnv(ENV.catalogTable));
  const flows = new DynamoDataflowStore(catalog);
  const runs = new DynamoFlowRunStore(new DynamoItems(client, requiredEnv(ENV.batchesTable)));
  const connectionStore = new DynamoConnectionStore(catalog);
  const allowPrivateHosts = allowPrivateHostsFromEnvironment();
  const kmsKeyId = process.env[ENV.connectionSecretKey];
  const sourceAccess = sourceAccessFromEnvironment(catalog);
  const s3Source = (grant: S3SourceGrant) => new S3SourceObjects(() => sourceS3(grant));
  const httpSource = new FetchHttpSourceReader({ allowPrivateHosts });
  const secrets = new SecretsManagerSecretStore(secretsManager(), kmsKeyId ? { kmsKeyId } : {});
  const secretPrefix = requiredEnv(ENV.connectionSecretPrefix);
  const connections = new ConnectionService({
    store: connectionStore,
    secrets,
    secretPrefix,
    s3: s3Source,
    sourceAccess,
    http: httpSource,
    inUse: async (sandbox, connectionId) => (await flows.usingConnection(sandbox, connectionId)).length > 0,
  });
  return {
    catalog,
    flows,
    runs,
    connectionStore,
    connections,
    sourceAccess,
    s3Source,
    httpSource,
    secrets,
    secretPrefix,
    allowPrivateHosts,
    allowPlainHttpWebhooks: allowPlainHttpWebhooksFromEnvironment(),
    now: () => new Date(),
  };
}
