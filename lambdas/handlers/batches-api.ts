/** The batches Lambda: streaming batches in the catalog, their failed records, and replays of those. */
import { Logger } from '@aws-lambda-powertools/logger';
import { batchRoutesFromEnvironment } from '../composition/batches-api';
import { createApiHandler } from '../http/api-handler';
import { BATCH_ROUTES } from '../http/route-table';

const logger = new Logger({ serviceName: 'batches' });

export const handler = createApiHandler({
  routes: batchRoutesFromEnvironment,
  definitions: BATCH_ROUTES,
  logger,
});
