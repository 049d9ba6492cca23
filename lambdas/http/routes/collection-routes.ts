import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { CollectRequest, CollectService } from '../../core/streaming/collect-service';
import { presentedKeyOf } from '../request';
import type { RouteMap } from '../api-handler';
import type { ApiRequest } from '../api-types';
import { pathId } from '../input';
import { badRequest, payloadTooLarge } from '../problem';
import { lowerCaseHeaders, MAX_BODY_BYTES } from '../request';

/** `?syncValidation=true|false` (absent: false); anything else is a 400 rather than a silent default. */
function syncValidationOf(request: ApiRequest): boolean {
  const value = request.query.syncValidation;
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  const message = `syncValidation must be true or false, not '${value}'`;
  throw badRequest('invalid-query', message, [
    { pointer: '/query/syncValidation', keyword: 'enum', message },
  ]);
}

const collectRequest = (request: ApiRequest): CollectRequest => ({
  inletId: pathId(request, 'inletId', 'inlet'),
  sandboxHint: request.sandbox,
  presentedKey: presentedKeyOf(request.headers),
  syncValidation: syncValidationOf(request),
  body: request.body,
});

/** Experience Platform's collection paths: one message (200) or a batch of messages (207, one entry each). */
export function collectionRoutes(deps: { readonly collect: CollectService }): RouteMap {
  return {
    'POST /collection/{inletId}': async (request) => ({
      status: 200,
      body: await deps.collect.collectOne(collectRequest(request)),
    }),
    'POST /collection/batch/{inletId}': async (request) => ({
      status: 207,
      body: await deps.collect.collectBatch(collectRequest(request)),
    }),
  };
}

/**
 * Refuses a request whose declared `content-length` is over the limit before anything else is read: a producer
 * learns of its oversized batch with a 413 even when the inlet is unknown or its key wrong. The body's actual size
 * is checked again when it is parsed, as a length header may be absent or wrong.
 */
export const declaredSizeLimit: middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> = {
  before: (request) => {
    const declared = Number(lowerCaseHeaders(request.event.headers)['content-length']);
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
      throw payloadTooLarge(`the body is ${declared} bytes; at most ${MAX_BODY_BYTES} bytes are accepted`);
    }
  },
};
