/**
 * A short per-container cache of key lookups, so that a burst of requests costs one GetItem. A deleted key keeps
 * working in other warm containers until its entry expires: that window is KEY_CACHE_TTL_MS (the local runtime runs
 * each function in its own environment, so the same window applies there). Within one container, deleting or
 * creating a key evicts it at once.
 */
import type { Page, PageRequest } from '../page';
import type { ApiKeyRecord, ApiKeyStore } from './api-key';

/** How long a revoked key may still be honoured by a warm authorizer container. */
export const KEY_CACHE_TTL_MS = 30_000;
/** Bounds the memory a flood of distinct unknown keys can take; the oldest entries go first. */
const KEY_CACHE_MAX_ENTRIES = 1_000;

interface Entry {
  readonly record: ApiKeyRecord | undefined;
  readonly expiresAt: number;
}

export class KeyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  lookup(keyId: string): Entry | undefined {
    const entry = this.entries.get(keyId);
    if (entry && entry.expiresAt > this.now()) return entry;
    this.entries.delete(keyId);
    return undefined;
  }

  remember(keyId: string, record: ApiKeyRecord | undefined): void {
    if (this.entries.size >= KEY_CACHE_MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(keyId, { record, expiresAt: this.now() + KEY_CACHE_TTL_MS });
  }

  evict(keyId: string): void {
    this.entries.delete(keyId);
  }

  /**
   * Notes a use of a cached key in its entry (the expiry unchanged), so the entry stays and the next requests do not
   * record the use again: neither after the write nor when it was refused.
   */
  noteUse(keyId: string, at: string): void {
    const entry = this.lookup(keyId);
    if (entry?.record) this.entries.set(keyId, { ...entry, record: { ...entry.record, lastUsedAt: at } });
  }
}

/** One cache per process, shared by every composition root in it. */
export const sharedKeyCache = new KeyCache();

/** An ApiKeyStore that answers `get` from the cache and keeps the cache honest on every write. */
export class CachedApiKeyStore implements ApiKeyStore {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly cache: KeyCache = sharedKeyCache,
  ) {}

  async get(keyId: string): Promise<ApiKeyRecord | undefined> {
    const cached = this.cache.lookup(keyId);
    if (cached) return cached.record;
    const record = await this.store.get(keyId);
    this.cache.remember(keyId, record);
    return record;
  }

  async create(record: ApiKeyRecord): Promise<boolean> {
    this.cache.evict(record.keyId);
    return this.store.create(record);
  }

  async put(record: ApiKeyRecord): Promise<void> {
    this.cache.evict(record.keyId);
    await this.store.put(record);
  }

  listBySandbox(sandbox: string, page: PageRequest): Promise<Page<ApiKeyRecord>> {
    return this.store.listBySandbox(sandbox, page);
  }

  async delete(keyId: string): Promise<ApiKeyRecord | undefined> {
    this.cache.evict(keyId);
    return this.store.delete(keyId);
  }

  /** The cached entry keeps the key (the cache keeps working) and learns the use before the write is tried. */
  async touch(keyId: string, at: string): Promise<void> {
    this.cache.noteUse(keyId, at);
    await this.store.touch(keyId, at);
  }
}
