/**
 * The stream consumer Lambda: Kinesis records → lake, quarantine, profiles and batch counts. Answers a partial
 * batch response (the mapping has ReportBatchItemFailures), so a retry resumes at the first record not written; each
 * partial batch response is counted (a metric the streaming stack alarms on).
 */
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { embeddedMetricsOf } from '../adapters/embedded-metrics';
import { lambdaHandler, logger, startedOnce } from '../adapters/handler-shell';
import { consumerFromEnvironment } from '../composition/stream-consumer';
import { METRICS } from '../config/metric-names';
import type { ConsumeDeps } from '../core/streaming/consume-ports';
import { consumeRecords } from '../core/streaming/consume-records';

const embeddedMetrics = embeddedMetricsOf();
const consumer = startedOnce<ConsumeDeps>(consumerFromEnvironment);

async function consume(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
  const response = await consumeRecords(
    await consumer(),
    event.Records.map((record) => ({
      sequenceNumber: record.kinesis.sequenceNumber,
      shardId: record.eventID.split(':')[0] ?? '',
      data: Buffer.from(record.kinesis.data, 'base64'),
      approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
    })),
  );
  if (response.batchItemFailures.length > 0) {
    logger.warn('records left for the retry', {
      failed: response.batchItemFailures.length,
      of: event.Records.length,
      ...embeddedMetrics({
        [METRICS.partialBatchFailures]: 1,
        [METRICS.recordsLeftForRetry]: response.batchItemFailures.length,
      }),
    });
  }
  return response;
}

export const handler = lambdaHandler(consume);
