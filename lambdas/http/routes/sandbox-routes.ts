import { z } from 'zod';
import { isPlatformKey } from '../../core/api-keys/access';
import type { SandboxService } from '../../core/catalog/sandboxes';
import { SANDBOX_NAME_PATTERN } from '../../core/catalog/sandboxes';
import type { RouteMap } from '../api-handler';
import { displayText, pageRequest, parseInput, pathId, requireCaller } from '../input';
import { forbidden } from '../problem';

const NewSandboxBody = z.strictObject({
  name: z.string().regex(SANDBOX_NAME_PATTERN, `must match ${SANDBOX_NAME_PATTERN.source}`),
  title: displayText(256).optional(),
});

/** Sandboxes are managed with the platform key; a sandbox's own keys see only their sandbox. */
export function sandboxRoutes(deps: { readonly sandboxes: SandboxService }): RouteMap {
  return {
    'POST /sandboxes': async (request) => {
      const caller = requireCaller(request);
      if (!isPlatformKey(caller)) throw forbidden('only the platform key may create sandboxes');
      const input = parseInput(NewSandboxBody, request.body);
      return { status: 201, body: await deps.sandboxes.create(input, caller.keyId) };
    },
    'GET /sandboxes': async (request) => {
      const caller = requireCaller(request);
      const page = pageRequest(request.query);
      if (isPlatformKey(caller)) return { status: 200, body: await deps.sandboxes.list(page) };
      return { status: 200, body: { items: [await deps.sandboxes.get(caller.keySandbox)] } };
    },
    'GET /sandboxes/{sandboxName}': async (request) => {
      const caller = requireCaller(request);
      const name = pathId(request, 'sandboxName', 'sandbox');
      if (!isPlatformKey(caller) && name !== caller.keySandbox) {
        throw forbidden(`a key of sandbox '${caller.keySandbox}' may only read that sandbox`);
      }
      return { status: 200, body: await deps.sandboxes.get(name) };
    },
  };
}
