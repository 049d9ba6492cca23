/** The profiles Lambda: profile lookups, event timelines, identity graphs, privacy deletes and merge policies. */
import { Logger } from '@aws-lambda-powertools/logger';
import { profileRoutesFromEnvironment } from '../composition/profiles';
import { createApiHandler } from '../http/api-handler';
import { PROFILE_ROUTES } from '../http/route-table';

const logger = new Logger({ serviceName: 'profiles' });

export const handler = createApiHandler({
  routes: profileRoutesFromEnvironment,
  definitions: PROFILE_ROUTES,
  logger,
});
