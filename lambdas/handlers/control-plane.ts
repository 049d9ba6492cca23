/** The control-plane Lambda: sandboxes, API keys, identity namespaces, schemas, datasets, inlets and mapping sets. */
import { Logger } from '@aws-lambda-powertools/logger';
import { controlPlaneRoutesFromEnvironment } from '../composition/control-plane';
import { createApiHandler } from '../http/api-handler';
import { CONTROL_PLANE_ROUTES } from '../http/route-table';

const logger = new Logger({ serviceName: 'control-plane' });

export const handler = createApiHandler({
  routes: controlPlaneRoutesFromEnvironment,
  definitions: CONTROL_PLANE_ROUTES,
  logger,
});
