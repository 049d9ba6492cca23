/**
 * The file-drop Lambda: S3 `ObjectCreated` notifications of the landing bucket (prefix `landing/`) → one file batch
 * per object, completed at once. A notification may be delivered more than once; the batch id is derived from the
 * object's key and sequencer, so a redelivery completes the same batch. An object that cannot become a batch (no
 * such dataset, a key outside the layout) is logged with why and skipped; anything else fails the invocation, and
 * Lambda's asynchronous retries deliver it again.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { S3Event } from 'aws-lambda';
import { decodeS3EventKey } from '../adapters/s3-event-keys';
import { fileDropFromEnvironment } from '../composition/file-drop';
import { ingestDroppedFile, type FileDropDeps } from '../core/batches/file-drop';
import { HttpProblem } from '../http/problem';

const logger = new Logger({ serviceName: 'file-drop' });

let deps: FileDropDeps | undefined;

async function drop(event: S3Event): Promise<void> {
  deps ??= fileDropFromEnvironment();
  for (const record of event.Records) {
    const key = decodeS3EventKey(record.s3.object.key);
    try {
      const outcome = await ingestDroppedFile(deps, {
        key,
        size: record.s3.object.size,
        // Emulators may leave the sequencer out; the ETag and time of the write tell writes of one key apart too.
        sequencer: record.s3.object.sequencer ?? `${record.s3.object.eTag}@${record.eventTime}`,
        eventTime: new Date(record.eventTime).toISOString(),
      });
      if ('ignored' in outcome) logger.warn('dropped object ignored', { key, reason: outcome.ignored });
      else logger.info('dropped object became a batch', { key, ...outcome });
    } catch (error) {
      if (!(error instanceof HttpProblem)) throw error;
      logger.warn('dropped object cannot become a batch', { key, code: error.code, reason: error.detail });
    }
  }
}

export const handler = middy<S3Event, void>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(drop);
