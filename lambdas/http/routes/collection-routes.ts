import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { isMessageError, type MessageError } from '../../core/streaming/collect-messages';
import type { BatchAnswer, CollectRequest, CollectService } from '../../core/streaming/collect-service';
import { presentedKeyOf } from '../request';
import type { RouteMap } from '../api-handler';
import type { ApiRequest } from '../api-types';
import { pathId } from '../input';
import { invalid, tooLarge } from '../../core/errors/domain-error';
import { statusOfKind } from '../problem';
import { lowerCaseHeaders, MAX_BODY_BYTES } from '../request';

/** `synchronousValidation` is the older spelling of `syncValidation` in Experience Platform's docs. */
const SYNC_VALIDATION_NAMES = ['syncValidation', 'synchronousValidation'];

const invalidQuery = (name: string, keyword: string, message: string) =>
  invalid('invalid-query', message, [{ pointer: `/query/${name}`, keyword, message }]);

/**
 * `?syncValidation=true|false` (absent: false), also spelled `synchronousValidation`; anything else is a 400 rather
 * than a silent default, and so is any other query parameter: the collection routes take no other, and one that
 * would change what happens to the message (Experience Platform's `x-adobe-flow-id`, which picks a dataflow) must
 * not be dropped unread.
 */
function syncValidationOf(request: ApiRequest): boolean {
  const unknown = Object.keys(request.query).find((name) => !SYNC_VALIDATION_NAMES.includes(name));
  if (unknown !== undefined) {
    throw invalidQuery(
      unknown,
      'additionalProperties',
      `unknown query parameter '${unknown}': the collection routes take only ${SYNC_VALIDATION_NAMES.join(' or ')}`,
    );
  }
  const values = SYNC_VALIDATION_NAMES.flatMap((name) => {
    const value = request.query[name];
    if (value === undefined) return [];
    if (value !== 'true' && value !== 'false')
      throw invalidQuery(name, 'enum', `${name} must be true or false, not '${value}'`);
    return [value === 'true'];
  });
  if (new Set(values).size > 1) {
    throw invalidQuery(
      'synchronousValidation',
      'const',
      'syncValidation and synchronousValidation (its older spelling) disagree',
    );
  }
  return values[0] ?? false;
}

const collectRequest = (request: ApiRequest): CollectRequest => ({
  inletId: pathId(request, 'inletId', 'inlet'),
  sandboxHint: request.sandbox,
  presentedKey: presentedKeyOf(request.headers),
  syncValidation: syncValidationOf(request),
  body: request.body,
  inexactNumbers: request.inexactNumbers ?? [],
});

/** A refused message of a batch as Experience Platform answers it: its kind as the `statusCode` it would have alone. */
const messageAnswer = ({ kind, ...error }: MessageError) => ({ statusCode: statusOfKind(kind), ...error });

const batchBody = (answer: BatchAnswer) => ({
  ...answer,
  responses: answer.responses.map((entry) => (isMessageError(entry) ? messageAnswer(entry) : entry)),
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
      body: batchBody(await deps.collect.collectBatch(collectRequest(request))),
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
      throw tooLarge(`the body is ${declared} bytes; at most ${MAX_BODY_BYTES} bytes are accepted`);
    }
  },
};
