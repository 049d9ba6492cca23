/** The dataflows Lambda: source connections, dataflows and their runs. */
import { logger } from '../adapters/handler-shell';
import { dataflowRoutesFromEnvironment } from '../composition/dataflows-api';
import { createApiHandler } from '../http/api-handler';
import { DATAFLOW_ROUTES } from '../http/route-table';

export const handler = createApiHandler({
  routes: dataflowRoutesFromEnvironment,
  definitions: DATAFLOW_ROUTES,
  logger,
});
