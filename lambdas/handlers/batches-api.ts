/** The batches Lambda: streaming batches in the catalog, their failed records, and replays of those. */
import { logger } from '../adapters/handler-shell';
import { batchRoutesFromEnvironment } from '../composition/batches-api';
import { createApiHandler } from '../http/api-handler';
import { BATCH_ROUTES } from '../http/route-table';

export const handler = createApiHandler({
  routes: batchRoutesFromEnvironment,
  definitions: BATCH_ROUTES,
  logger,
});
