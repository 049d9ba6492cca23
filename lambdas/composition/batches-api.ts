/**
 * The batches API function's composition root: file batches (create, upload, complete, abort, fail, revert,
 * preview) and the catalog of file and streaming batches, their failed records (quarantine bucket), replays of
 * streaming failures and redrives of the consumer's on-failure destination (ingest stream). Handlers call
 * `batchRoutesFromEnvironment` once per container.
 */
import { BatchService } from '../core/batch-catalog/batch-service';
import { ENV } from '../config/env-names';
import { dynamoDocumentClient, kinesis, requiredEnv, s3 } from '../adapters/aws-clients';
import { DynamoBatchStore } from '../adapters/dynamo-batches';
import { DynamoItems } from '../adapters/dynamo-items';
import { DynamoOnFailureLedger } from '../adapters/dynamo-on-failure-ledger';
import { DynamoStreamProgress } from '../adapters/dynamo-stream-progress';
import { KinesisStreamWriter } from '../adapters/kinesis-stream-writer';
import { S3Objects } from '../adapters/s3-objects';
import type { RouteMap } from '../http/api-handler';
import { batchFileRoutes } from '../http/routes/batch-file-routes';
import { batchRoutes } from '../http/routes/batch-routes';
import { fileBatchRoutes } from '../http/routes/file-batch-routes';
import { streamingRoutes } from '../http/routes/streaming-routes';
import { RedriveService } from '../core/streaming/redrive';
import { ProgressRecordingStream } from '../core/streaming/stream-progress';
import { fileBatchPartsFromEnvironment } from './file-batches';

export function batchRoutesFromEnvironment(): RouteMap {
  const parts = fileBatchPartsFromEnvironment();
  const batchesTable = new DynamoItems(dynamoDocumentClient(), requiredEnv(ENV.batchesTable));
  const quarantine = new S3Objects(s3(), requiredEnv(ENV.quarantineBucket));
  const now = () => new Date();
  const progress = new DynamoStreamProgress(batchesTable);
  // Replays and redrives record what they put, as collect does, so the batches they land in close by it.
  const stream = new ProgressRecordingStream(
    new KinesisStreamWriter({ client: kinesis(), streamName: requiredEnv(ENV.ingestStream) }),
    progress,
    now,
  );
  const batches = new BatchService({
    store: new DynamoBatchStore(batchesTable),
    fileBatches: parts.batches,
    quarantine,
    stream,
    progress,
    now,
  });
  const redrive = new RedriveService({
    ledger: new DynamoOnFailureLedger(batchesTable),
    objects: quarantine,
    stream,
    now,
  });
  return {
    ...batchRoutes({ batches }),
    ...streamingRoutes({ redrive }),
    ...fileBatchRoutes({ fileBatches: parts.fileBatches }),
    ...batchFileRoutes({ uploads: parts.uploads }),
  };
}
