/** The control-plane Lambda: sandboxes, API keys, identity namespaces, schemas, datasets, inlets and mapping sets. */
import { logger } from '../adapters/handler-shell';
import { controlPlaneRoutesFromEnvironment } from '../composition/control-plane';
import { createApiHandler } from '../http/api-handler';
import { CONTROL_PLANE_ROUTES } from '../http/route-table';

export const handler = createApiHandler({
  routes: controlPlaneRoutesFromEnvironment,
  definitions: CONTROL_PLANE_ROUTES,
  logger,
});
