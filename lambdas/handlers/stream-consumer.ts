/**
 * The stream consumer Lambda: Kinesis records → lake, quarantine, profiles and batch counts. Answers a partial
 * batch response (the mapping has ReportBatchItemFailures), so a retry resumes at the first record not written; each
 * partial batch response is counted (a metric the streaming stack alarms on).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { embeddedMetricsOf } from '../adapters/embedded-metrics';
import { consumerFromEnvironment } from '../composition/stream-consumer';
import { METRICS } from '../config/metric-names';
import type { ConsumeDeps } from '../core/streaming/consume-ports';
import { consumeRecords } from '../core/streaming/consume-records';

const embeddedMetrics = embeddedMetricsOf();
const logger = new Logger({ serviceName: 'stream-consumer' });

let deps: Promise<ConsumeDeps> | undefined;

/** Built on the first event; a failed start-up (a secret read, say) is not kept, so the retry builds again. */
function consumer(): Promise<ConsumeDeps> {
  deps ??= consumerFromEnvironment().catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  return deps;
}

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

export const handler = middy<KinesisStreamEvent, KinesisStreamBatchResponse>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(consume);
