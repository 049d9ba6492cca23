import { z } from 'zod';
import { SCOPES } from '../../core/api-keys/api-key';
import type { ApiKeyService } from '../../core/api-keys/api-keys';
import { SANDBOX_NAME_PATTERN } from '../../core/catalog/sandboxes';
import type { RouteMap } from '../api-handler';
import { PLATFORM_SANDBOX } from '../../core/api-keys/caller';
import { displayText, parseInput } from '../../core/input';
import { pageRequest, pathId, requireCaller } from '../input';

const keySandbox = z.union([
  z.literal(PLATFORM_SANDBOX),
  z.string().regex(SANDBOX_NAME_PATTERN, 'must be a sandbox name or *'),
]);

const NewApiKeyBody = z.strictObject({
  name: displayText(128),
  scopes: z.array(z.enum(SCOPES)).min(1, 'at least one scope is required'),
  sandbox: keySandbox.optional(),
});

const ListQuery = z.object({ sandbox: keySandbox.optional() });

export function apiKeyRoutes(deps: { readonly apiKeys: ApiKeyService }): RouteMap {
  return {
    'POST /api-keys': async (request) => {
      const input = parseInput(NewApiKeyBody, request.body);
      return { status: 201, body: await deps.apiKeys.create(requireCaller(request), request.sandbox, input) };
    },
    'GET /api-keys': async (request) => {
      const { sandbox } = parseInput(ListQuery, request.query, 'the query');
      const page = pageRequest(request.query);
      return {
        status: 200,
        body: await deps.apiKeys.list(requireCaller(request), request.sandbox, page, sandbox),
      };
    },
    'GET /api-keys/{keyId}': async (request) => ({
      status: 200,
      body: await deps.apiKeys.get(requireCaller(request), pathId(request, 'keyId', 'API key')),
    }),
    'DELETE /api-keys/{keyId}': async (request) => {
      await deps.apiKeys.delete(requireCaller(request), pathId(request, 'keyId', 'API key'));
      return { status: 204 };
    },
  };
}
