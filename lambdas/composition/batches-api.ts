/**
 * The batches API function's composition root: the batch store, the quarantine bucket (for failed records) and the
 * ingest stream (for replays). Handlers call `batchRoutesFromEnvironment` once per container.
 */
import { BatchService, type BatchServiceDeps } from '../core/batches/batch-service';
import { ENV } from '../config/env-names';
import { dynamoDocumentClient, kinesis, requiredEnv, s3 } from '../adapters/aws-clients';
import { DynamoBatchStore } from '../adapters/dynamo-batches';
import { DynamoItems } from '../adapters/dynamo-items';
import { KinesisStreamWriter } from '../adapters/kinesis-stream-writer';
import { S3Objects } from '../adapters/s3-objects';
import type { RouteMap } from '../http/api-handler';
import { batchRoutes } from '../http/routes/batch-routes';

export const buildBatchRoutes = (deps: BatchServiceDeps): RouteMap =>
  batchRoutes({ batches: new BatchService(deps) });

export function batchRoutesFromEnvironment(): RouteMap {
  return buildBatchRoutes({
    store: new DynamoBatchStore(new DynamoItems(dynamoDocumentClient(), requiredEnv(ENV.batchesTable))),
    quarantine: new S3Objects(s3(), requiredEnv(ENV.quarantineBucket)),
    stream: new KinesisStreamWriter({ client: kinesis(), streamName: requiredEnv(ENV.ingestStream) }),
    now: () => new Date(),
  });
}
