/**
 * The on-failure recorder's composition root: the quarantine bucket (where the on-failure objects are), the ledger
 * and the consumer's stores (to roll back the chunk given up on).
 */
import { ENV } from '../config/env-names';
import { dynamoDocumentClient, requiredEnv, s3 } from '../adapters/aws-clients';
import { DynamoBatchStore } from '../adapters/dynamo-batches';
import { DynamoItems } from '../adapters/dynamo-items';
import { DynamoOnFailureLedger } from '../adapters/dynamo-on-failure-ledger';
import { DynamoStreamProgress } from '../adapters/dynamo-stream-progress';
import { S3Objects } from '../adapters/s3-objects';
import type { RecordOnFailureDeps } from '../core/streaming/on-failure-ledger';

export function onFailureRecorderFromEnvironment(): RecordOnFailureDeps {
  const batchesTable = new DynamoItems(dynamoDocumentClient(), requiredEnv(ENV.batchesTable));
  const quarantine = new S3Objects(s3(), requiredEnv(ENV.quarantineBucket));
  return {
    objects: quarantine,
    ledger: new DynamoOnFailureLedger(batchesTable),
    consumer: {
      batches: new DynamoBatchStore(batchesTable),
      lake: new S3Objects(s3(), requiredEnv(ENV.lakeBucket)),
      quarantine,
      progress: new DynamoStreamProgress(batchesTable),
      now: () => new Date(),
    },
  };
}
