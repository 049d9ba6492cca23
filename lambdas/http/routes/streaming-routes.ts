import { z } from 'zod';
import type { RedriveService } from '../../core/streaming/redrive';
import type { RouteMap } from '../api-handler';
import { parseInput } from '../../core/input';
import { pageRequest } from '../input';

/** A redrive takes every pending part of the caller's sandbox: there is nothing to choose, so nothing is accepted. */
const RedriveBody = z.strictObject({});

export function streamingRoutes(deps: { readonly redrive: RedriveService }): RouteMap {
  return {
    'GET /streaming/failures': async (request) => ({
      status: 200,
      body: await deps.redrive.failures(request.sandbox, pageRequest(request.query)),
    }),
    'POST /streaming/redrive': async (request) => {
      parseInput(RedriveBody, request.body ?? {});
      return { status: 202, body: await deps.redrive.redrive(request.sandbox) };
    },
  };
}
