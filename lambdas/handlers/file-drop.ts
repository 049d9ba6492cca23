/**
 * The file-drop Lambda: S3 `ObjectCreated` notifications of the landing bucket (prefix `landing/`) → one file batch
 * per object, completed at once and read at the version the notification names. A notification may be delivered
 * more than once; the batch id is derived from the object's key, ETag and size, so a redelivery (or the same content
 * dropped again) completes the same batch. An object that cannot become a batch (no such dataset, a key outside the
 * layout) is logged with why and skipped; anything else fails the invocation, and Lambda's asynchronous retries
 * deliver it again.
 */
import type { S3Event } from 'aws-lambda';
import { lambdaHandler, logger, startedOnce } from '../adapters/handler-shell';
import { decodeS3EventKey } from '../adapters/s3-event-keys';
import { fileDropFromEnvironment } from '../composition/file-drop';
import { ingestDroppedFile, type FileDropDeps } from '../core/batches/file-drop';
import { DomainError } from '../core/errors/domain-error';

const fileDropDeps = startedOnce<FileDropDeps>(fileDropFromEnvironment);

async function drop(event: S3Event): Promise<void> {
  const deps = await fileDropDeps();
  for (const record of event.Records) {
    const key = decodeS3EventKey(record.s3.object.key);
    try {
      const { size, versionId, eTag, sequencer } = record.s3.object;
      const outcome = await ingestDroppedFile(deps, {
        key,
        size,
        ...(versionId ? { versionId } : {}),
        // S3 names the ETag of every created object; were it missing, the write's sequencer tells writes apart.
        eTag: eTag ?? sequencer ?? record.eventTime,
        eventTime: new Date(record.eventTime).toISOString(),
      });
      if ('ignored' in outcome) logger.warn('dropped object ignored', { key, reason: outcome.ignored });
      else logger.info('dropped object became a batch', { key, ...outcome });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      logger.warn('dropped object cannot become a batch', { key, code: error.code, reason: error.message });
    }
  }
}

export const handler = lambdaHandler(drop);
