/** The dataflows Lambda: source connections, dataflows and their runs. */
import { Logger } from '@aws-lambda-powertools/logger';
import { dataflowRoutesFromEnvironment } from '../composition/dataflows-api';
import { createApiHandler } from '../http/api-handler';
import { DATAFLOW_ROUTES } from '../http/route-table';

const logger = new Logger({ serviceName: 'dataflows' });

export const handler = createApiHandler({
  routes: dataflowRoutesFromEnvironment,
  definitions: DATAFLOW_ROUTES,
  logger,
});
