import { describe, expect, it } from 'vitest';
import { generateKey } from '../../../lambdas/core/api-keys/api-key';
import { ApiKeyService, ensurePlatformKey } from '../../../lambdas/core/api-keys/api-keys';
import type { AuthorizationRequest } from '../../../lambdas/http/authorization';
import { authorizeRequest } from '../../../lambdas/http/authorization';
import { CONTROL_PLANE_ROUTES } from '../../../lambdas/http/route-table';
import { MemoryApiKeyStore } from '../api-keys/memory-api-key-store';

const PLATFORM_KEY = generateKey();

async function setup() {
  const store = new MemoryApiKeyStore();
  await ensurePlatformKey(store, PLATFORM_KEY);
  const sandboxes = { exists: async (name: string) => ['prod', 'dev'].includes(name) };
  const keys = new ApiKeyService({ store, sandboxes });
  const platform = { keyId: 'p', keySandbox: '*', scopes: ['admin' as const] };
  const reader = await keys.create(platform, 'prod', { name: 'reader', scopes: ['read'] });
  const devIngest = await keys.create(platform, 'dev', { name: 'dev ingest', scopes: ['ingest'] });
  const decide = (request: Partial<AuthorizationRequest>) =>
    authorizeRequest(
      { keys: store, sandboxes, routes: CONTROL_PLANE_ROUTES },
      { presentedKey: undefined, method: 'GET', resource: '/datasets', sandboxHeader: undefined, ...request },
    );
  return { decide, reader: reader.key, devIngest: devIngest.key };
}

describe('authorizeRequest', () => {
  it('answers Unauthenticated without a key or with an unknown one', async () => {
    // Prepare
    const { decide } = await setup();

    // Act
    const missing = await decide({});
    const unknown = await decide({ presentedKey: generateKey() });

    // Assess
    expect(missing.effect).toBe('Unauthenticated');
    expect(unknown.effect).toBe('Unauthenticated');
  });

  it('allows a read key to read in its sandbox (prod by default)', async () => {
    // Prepare
    const { decide, reader } = await setup();

    // Act
    const decision = await decide({ presentedKey: reader });

    // Assess
    expect(decision).toMatchObject({
      effect: 'Allow',
      sandbox: 'prod',
      key: { sandbox: 'prod', scopes: ['read'] },
    });
  });

  it('denies with a reason: missing scope, other sandbox, unknown route, bad header', async () => {
    // Prepare
    const { decide, reader, devIngest } = await setup();

    // Act
    const scope = await decide({ presentedKey: reader, method: 'POST', resource: '/datasets' });
    const sandbox = await decide({ presentedKey: devIngest, method: 'GET', resource: '/datasets' });
    const route = await decide({ presentedKey: reader, method: 'GET', resource: '/nowhere' });
    const header = await decide({ presentedKey: reader, sandboxHeader: 'Bad Name!' });

    // Assess
    expect(scope).toMatchObject({ effect: 'Deny', reason: "the key's scopes (read) do not include admin" });
    expect(sandbox).toMatchObject({
      effect: 'Deny',
      reason: "the key's scopes (ingest) do not include read",
    });
    expect(route).toMatchObject({ effect: 'Deny', reason: 'GET /nowhere is not a route of this API' });
    expect(header).toMatchObject({
      effect: 'Deny',
      reason: 'the x-sandbox-name header is not a valid sandbox name',
    });
  });

  it('denies a key of another sandbox', async () => {
    // Prepare
    const { decide, reader } = await setup();

    // Act
    const decision = await decide({ presentedKey: reader, sandboxHeader: 'dev' });

    // Assess
    expect(decision).toMatchObject({
      effect: 'Deny',
      reason: "the key belongs to sandbox 'prod', not 'dev'",
    });
  });

  it('lets the platform key act anywhere that exists, and manage sandboxes from anywhere', async () => {
    // Prepare
    const { decide } = await setup();

    // Act
    const dev = await decide({ presentedKey: PLATFORM_KEY, sandboxHeader: 'dev' });
    const missing = await decide({ presentedKey: PLATFORM_KEY, sandboxHeader: 'staging' });
    const create = await decide({
      presentedKey: PLATFORM_KEY,
      method: 'POST',
      resource: '/sandboxes',
      sandboxHeader: 'staging',
    });

    // Assess
    expect(dev.effect).toBe('Allow');
    expect(missing).toMatchObject({ effect: 'Deny', reason: "sandbox 'staging' does not exist" });
    expect(create.effect).toBe('Allow');
  });
});
