/**
 * The on-failure recorder Lambda: S3 `ObjectCreated` notifications of the consumer's on-failure destination (the
 * quarantine bucket, prefix `aws/lambda/`) → each object read, the chunk given up on rolled back, the object's parts
 * recorded per sandbox for the redrive, and counted (a metric the streaming stack alarms on). A notification may
 * come twice; recording again changes nothing. A failure fails the invocation, and Lambda's asynchronous retries
 * (then the dead-letter queue, which alarms) take it.
 */
import type { S3Event } from 'aws-lambda';
import { lambdaHandler, logger, startedOnce } from '../adapters/handler-shell';
import { decodeS3EventKey } from '../adapters/s3-event-keys';
import { embeddedMetricsOf } from '../adapters/embedded-metrics';
import { onFailureRecorderFromEnvironment } from '../composition/stream-failures';
import { METRICS } from '../config/metric-names';
import { recordOnFailure, type RecordOnFailureDeps } from '../core/streaming/on-failure-ledger';

const embeddedMetrics = embeddedMetricsOf();
const recorderDeps = startedOnce<RecordOnFailureDeps>(onFailureRecorderFromEnvironment);

async function record(event: S3Event): Promise<void> {
  const deps = await recorderDeps();
  for (const notification of event.Records) {
    const key = decodeS3EventKey(notification.s3.object.key);
    const outcome = await recordOnFailure(deps, key);
    if (!outcome.recorded) {
      logger.error('on-failure object not recorded', {
        key,
        reason: outcome.reason,
        ...embeddedMetrics({ [METRICS.onFailureObjects]: 1 }),
      });
      continue;
    }
    logger.warn('records given up by the stream consumer, recorded for redrive', {
      key,
      sandboxes: outcome.sandboxes,
      rolledBack: outcome.rolledBack,
      ...embeddedMetrics({ [METRICS.onFailureObjects]: 1, [METRICS.onFailureRecords]: outcome.records }),
    });
  }
}

export const handler = lambdaHandler(record);
