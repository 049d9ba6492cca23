/**
 * The collect Lambda: Experience Platform's streaming collection (`POST /collection/{inletId}` and
 * `/collection/batch/{inletId}`). The routes take no authorizer; the service checks keys for authenticated inlets.
 */
import { logger } from '../adapters/handler-shell';
import { collectRoutesFromEnvironment } from '../composition/collect';
import { createApiHandler } from '../http/api-handler';
import { COLLECTION_ROUTES } from '../http/route-table';
import { declaredSizeLimit } from '../http/routes/collection-routes';

export const handler = createApiHandler({
  routes: collectRoutesFromEnvironment,
  definitions: COLLECTION_ROUTES,
  logger,
  inexactNumbersPerMessage: true,
}).use(declaredSizeLimit);
