import { z } from 'zod';
import { isPlatformKey } from '../../core/api-keys/access';
import type { SandboxService } from '../../core/catalog/sandboxes';
import { SANDBOX_NAME_PATTERN } from '../../core/catalog/sandboxes';
import type { SourceAccessService } from '../../core/connections/source-access';
import type { RouteMap } from '../api-handler';
import type { Caller } from '../../core/api-keys/caller';
import { BUCKET_NAME, ROLE_ARN, S3PrefixInput } from '../connection-input';
import { displayText, parseInput } from '../../core/input';
import { pageRequest, pathId, requireCaller } from '../input';
import { forbidden } from '../../core/errors/domain-error';

/** Far more than one session policy holds (MAX_SESSION_POLICY_CHARS decides); bounds the body's size only. */
const MAX_SOURCE_ACCESS_ENTRIES = 100;

const NewSandboxBody = z.strictObject({
  name: z.string().regex(SANDBOX_NAME_PATTERN, `must match ${SANDBOX_NAME_PATTERN.source}`),
  title: displayText(256).optional(),
});

/** Both lists, always: the grant is replaced whole, and `[]` takes everything back. */
const SourceAccessBody = z.strictObject({
  locations: z
    .array(
      z.strictObject({
        bucket: z.string().regex(BUCKET_NAME, 'must be an S3 bucket name'),
        prefix: S3PrefixInput.optional(),
      }),
    )
    .max(MAX_SOURCE_ACCESS_ENTRIES),
  roleArns: z
    .array(z.string().regex(ROLE_ARN, 'must be the ARN of an IAM role'))
    .max(MAX_SOURCE_ACCESS_ENTRIES),
});

/** A sandbox's own keys see only their sandbox; the platform key sees every one. */
function requireOwnSandbox(caller: Caller, name: string): void {
  if (!isPlatformKey(caller) && name !== caller.keySandbox) {
    throw forbidden(`a key of sandbox '${caller.keySandbox}' may only read that sandbox`);
  }
}

/**
 * Sandboxes are managed with the platform key; a sandbox's own keys see only their sandbox. Source access is granted
 * by the platform key only: a sandbox's admin choosing its own buckets among the deployment's would reach the
 * buckets granted to other sandboxes.
 */
export function sandboxRoutes(deps: {
  readonly sandboxes: SandboxService;
  readonly sourceAccess: SourceAccessService;
}): RouteMap {
  const sandboxName = (request: Parameters<typeof pathId>[0]) => pathId(request, 'sandboxName', 'sandbox');
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
      const name = sandboxName(request);
      requireOwnSandbox(requireCaller(request), name);
      return { status: 200, body: await deps.sandboxes.get(name) };
    },
    'GET /sandboxes/{sandboxName}/source-access': async (request) => {
      const name = sandboxName(request);
      requireOwnSandbox(requireCaller(request), name);
      return { status: 200, body: await deps.sourceAccess.view(name) };
    },
    'PUT /sandboxes/{sandboxName}/source-access': async (request) => {
      const caller = requireCaller(request);
      if (!isPlatformKey(caller))
        throw forbidden("only the platform key may grant a sandbox's source access");
      const name = sandboxName(request);
      const rules = parseInput(SourceAccessBody, request.body);
      return { status: 200, body: await deps.sourceAccess.configure(name, rules, caller.keyId) };
    },
  };
}
