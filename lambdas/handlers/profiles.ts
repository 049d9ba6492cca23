/** The profiles Lambda: profile lookups, event timelines, identity graphs, privacy deletes and merge policies. */
import { logger } from '../adapters/handler-shell';
import { profileRoutesFromEnvironment } from '../composition/profiles';
import { createApiHandler } from '../http/api-handler';
import { PROFILE_ROUTES } from '../http/route-table';

export const handler = createApiHandler({
  routes: profileRoutesFromEnvironment,
  definitions: PROFILE_ROUTES,
  logger,
});
