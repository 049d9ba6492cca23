import { z } from 'zod';
import type { NamespaceService } from '../../core/catalog/identity-namespaces';
import { NAMESPACE_CODE_PATTERN } from '../../core/catalog/identity-namespaces';
import { ID_TYPES } from '../../core/catalog/standard-namespaces';
import type { RouteMap } from '../api-handler';
import { displayText, parseInput } from '../../core/input';
import { pageRequest, pathId } from '../input';

/** Experience Platform documents the types as `Cross_device`, answers them as `CROSS_DEVICE`: take either. */
const NewNamespaceBody = z.strictObject({
  code: z.string().regex(NAMESPACE_CODE_PATTERN, `must match ${NAMESPACE_CODE_PATTERN.source}`),
  name: displayText(256),
  idType: z
    .string()
    .transform((value) => value.toUpperCase())
    .pipe(z.enum(ID_TYPES)),
  description: z.string().max(1024).optional(),
});

export function namespaceRoutes(deps: { readonly namespaces: NamespaceService }): RouteMap {
  return {
    'POST /identity/namespaces': async (request) => {
      const input = parseInput(NewNamespaceBody, request.body);
      return { status: 201, body: await deps.namespaces.create(request.sandbox, input) };
    },
    'GET /identity/namespaces': async (request) => ({
      status: 200,
      body: await deps.namespaces.list(request.sandbox, pageRequest(request.query)),
    }),
    'GET /identity/namespaces/{namespaceCode}': async (request) => ({
      status: 200,
      body: await deps.namespaces.get(
        request.sandbox,
        pathId(request, 'namespaceCode', 'identity namespace'),
      ),
    }),
  };
}
