import { describe, expect, it } from 'vitest';
import {
  generateKey,
  hashKey,
  isPlausibleKey,
  keyIdOf,
  KEY_PREFIX,
} from '../../../lambdas/core/api-keys/api-key';
import { accessDenial, hasScope } from '../../../lambdas/core/api-keys/access';
import {
  ApiKeyService,
  authenticate,
  ensurePlatformKey,
  recordUse,
} from '../../../lambdas/core/api-keys/api-keys';
import { CachedApiKeyStore, KEY_CACHE_TTL_MS, KeyCache } from '../../../lambdas/core/api-keys/key-cache';
import type { Caller } from '../../../lambdas/core/api-keys/caller';
import { domainErrorOf } from '../../support/domain-error';
import { MemoryApiKeyStore } from './memory-api-key-store';

const PLATFORM_KEY = generateKey();
const platform: Caller = { keyId: 'platform-id', keySandbox: '*', scopes: ['admin'] };
const devAdmin: Caller = { keyId: 'dev-admin-id', keySandbox: 'dev', scopes: ['admin'] };

function service(store = new MemoryApiKeyStore(), sandboxes = ['prod', 'dev']) {
  return new ApiKeyService({
    store,
    sandboxes: { exists: async (name) => sandboxes.includes(name) },
    now: () => new Date('2026-01-02T03:04:05.000Z'),
  });
}

describe('key format and hashing', () => {
  it('makes keys of trb_ and 43 base64url characters, all different', () => {
    // Act
    const keys = Array.from({ length: 20 }, () => generateKey());

    // Assess
    for (const key of keys) expect(key).toMatch(new RegExp(`^${KEY_PREFIX}[A-Za-z0-9_-]{43}$`));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('derives the key id from the first 32 hex digits of the SHA-256', () => {
    // Act
    const hash = hashKey('abc');

    // Assess
    expect(hash).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(keyIdOf(hash)).toBe('ba7816bf8f01cfea414140de5dae2223');
  });

  it('refuses texts that cannot be keys before any lookup', () => {
    // Assess
    expect(isPlausibleKey('short')).toBe(false);
    expect(isPlausibleKey('x'.repeat(300))).toBe(false);
    expect(isPlausibleKey('trb_has a space in it!!')).toBe(false);
    expect(isPlausibleKey(generateKey())).toBe(true);
  });
});

describe('scopes and sandboxes', () => {
  it('lets admin stand for every scope and the others only for themselves', () => {
    // Assess
    expect(hasScope(['admin'], 'ingest')).toBe(true);
    expect(hasScope(['admin'], 'read')).toBe(true);
    expect(hasScope(['read'], 'ingest')).toBe(false);
    expect(hasScope(['ingest'], 'admin')).toBe(false);
    expect(hasScope([], 'none')).toBe(true);
  });

  it('explains a denial by scope, then by sandbox', () => {
    // Assess
    expect(accessDenial({ keySandbox: 'prod', scopes: ['read'] }, 'ingest', 'prod')).toBe(
      "the key's scopes (read) do not include ingest",
    );
    expect(accessDenial({ keySandbox: 'dev', scopes: ['read'] }, 'read', 'prod')).toBe(
      "the key belongs to sandbox 'dev', not 'prod'",
    );
    expect(accessDenial({ keySandbox: '*', scopes: ['read'] }, 'read', 'anything')).toBeUndefined();
  });
});

describe('authenticate and ensurePlatformKey', () => {
  it('stores the platform key once, hashed, and finds it again', async () => {
    // Prepare
    const store = new MemoryApiKeyStore();

    // Act
    await ensurePlatformKey(store, PLATFORM_KEY, new Date('2026-01-01T00:00:00Z'));
    await ensurePlatformKey(store, PLATFORM_KEY, new Date('2026-02-01T00:00:00Z'));
    const found = await authenticate(store, PLATFORM_KEY);

    // Assess
    expect(store.records.size).toBe(1);
    expect(found).toMatchObject({
      sandbox: '*',
      scopes: ['admin'],
      name: 'platform',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(JSON.stringify([...store.records.values()])).not.toContain(PLATFORM_KEY);
  });

  it('refuses a platform key too short to be safe', async () => {
    // Act, Assess
    await expect(ensurePlatformKey(new MemoryApiKeyStore(), 'admin')).rejects.toThrow(/at least|16 to 256/);
  });

  it('answers undefined for unknown keys and for a key whose stored hash differs', async () => {
    // Prepare
    const store = new MemoryApiKeyStore();
    await ensurePlatformKey(store, PLATFORM_KEY);
    const id = keyIdOf(hashKey(PLATFORM_KEY));
    const stored = store.records.get(id)!;
    const other = generateKey();

    // Act
    const unknown = await authenticate(store, other);
    store.records.set(id, { ...stored, keyHash: id + '0'.repeat(32) });
    const tampered = await authenticate(store, PLATFORM_KEY);

    // Assess
    expect(unknown).toBeUndefined();
    expect(tampered).toBeUndefined();
  });

  it('records use at most hourly', async () => {
    // Prepare
    const store = new MemoryApiKeyStore();
    await ensurePlatformKey(store, PLATFORM_KEY);
    const id = keyIdOf(hashKey(PLATFORM_KEY));

    // Act
    await recordUse(store, store.records.get(id)!, new Date('2026-01-01T10:00:00Z'));
    await recordUse(store, store.records.get(id)!, new Date('2026-01-01T10:30:00Z'));
    const afterHalfHour = store.records.get(id)!.lastUsedAt;
    await recordUse(store, store.records.get(id)!, new Date('2026-01-01T11:00:00Z'));

    // Assess
    expect(afterHalfHour).toBe('2026-01-01T10:00:00.000Z');
    expect(store.records.get(id)!.lastUsedAt).toBe('2026-01-01T11:00:00.000Z');
  });
});

describe('ApiKeyService', () => {
  it('mints a key shown once, stored only as its hash', async () => {
    // Prepare
    const store = new MemoryApiKeyStore();

    // Act
    const created = await service(store).create(platform, 'prod', {
      name: 'ingest bot',
      scopes: ['ingest', 'ingest'],
    });

    // Assess
    expect(created).toMatchObject({
      name: 'ingest bot',
      sandbox: 'prod',
      scopes: ['ingest'],
      createdBy: 'platform-id',
    });
    expect(created.id).toBe(keyIdOf(hashKey(created.key)));
    expect(await authenticate(store, created.key)).toMatchObject({ keyId: created.id });
    expect(JSON.stringify([...store.records.values()])).not.toContain(created.key);
  });

  it('keeps a sandbox admin inside its sandbox', async () => {
    // Prepare
    const keys = service();

    // Act
    const otherSandbox = await domainErrorOf(
      keys.create(devAdmin, 'dev', { name: 'x', scopes: ['read'], sandbox: 'prod' }),
    );
    const platformKey = await domainErrorOf(
      keys.create(devAdmin, 'dev', { name: 'x', scopes: ['admin'], sandbox: '*' }),
    );
    const listOther = await domainErrorOf(keys.list(devAdmin, 'dev', { limit: 10 }, 'prod'));
    const own = await keys.create(devAdmin, 'dev', { name: 'dev reader', scopes: ['read'] });

    // Assess
    expect(otherSandbox.kind).toBe('forbidden');
    expect(platformKey.kind).toBe('forbidden');
    expect(listOther.kind).toBe('forbidden');
    expect(own.sandbox).toBe('dev');
  });

  it('refuses keys for a sandbox that does not exist, naming the field', async () => {
    // Act
    const problem = await domainErrorOf(
      service().create(platform, 'prod', { name: 'x', scopes: ['read'], sandbox: 'nowhere' }),
    );

    // Assess
    expect(problem.kind).toBe('invalid');
    expect(problem.violations?.[0]?.pointer).toBe('/sandbox');
  });

  it('hides other sandboxes keys from a sandbox admin and never shows a hash', async () => {
    // Prepare
    const keys = service();
    const prodKey = await keys.create(platform, 'prod', { name: 'prod reader', scopes: ['read'] });

    // Act
    const hidden = await domainErrorOf(keys.get(devAdmin, prodKey.id));
    const shown = await keys.get(platform, prodKey.id);
    const listed = await keys.list(platform, 'prod', { limit: 10 });

    // Assess
    expect(hidden.kind).toBe('not-found');
    expect(shown).not.toHaveProperty('keyHash');
    expect(listed.items.map((key) => key.id)).toEqual([prodKey.id]);
    expect(listed.items[0]).not.toHaveProperty('keyHash');
  });

  it('deletes keys, but not the one making the request', async () => {
    // Prepare
    const store = new MemoryApiKeyStore();
    const keys = service(store);
    const created = await keys.create(platform, 'prod', { name: 'temp', scopes: ['read'] });
    const self: Caller = { keyId: created.id, keySandbox: 'prod', scopes: ['admin'] };

    // Act
    const selfDelete = await domainErrorOf(keys.delete(self, created.id));
    await keys.delete(platform, created.id);
    const again = await domainErrorOf(keys.delete(platform, created.id));

    // Assess
    expect(selfDelete.kind).toBe('conflict');
    expect(await authenticate(store, created.key)).toBeUndefined();
    expect(again.kind).toBe('not-found');
  });
});

describe('CachedApiKeyStore', () => {
  it('serves lookups from the cache until the TTL passes, and evicts on delete', async () => {
    // Prepare
    let now = 0;
    const inner = new MemoryApiKeyStore();
    await ensurePlatformKey(inner, PLATFORM_KEY);
    const cached = new CachedApiKeyStore(inner, new KeyCache(() => now));
    const id = keyIdOf(hashKey(PLATFORM_KEY));
    inner.gets = 0;

    // Act
    await cached.get(id);
    await cached.get(id);
    const afterTwo = inner.gets;
    now += KEY_CACHE_TTL_MS + 1;
    await cached.get(id);
    const afterExpiry = inner.gets;
    await cached.delete(id);
    const afterDelete = await cached.get(id);

    // Assess
    expect(afterTwo).toBe(1);
    expect(afterExpiry).toBe(2);
    expect(afterDelete).toBeUndefined();
  });
});
