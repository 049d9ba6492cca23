import type { ApiKeyRecord, ApiKeyStore } from '../../../lambdas/core/api-keys/api-key';
import type { Page, PageRequest } from '../../../lambdas/core/page';

/** An in-memory ApiKeyStore for unit tests; page tokens are offsets. */
export class MemoryApiKeyStore implements ApiKeyStore {
  readonly records = new Map<string, ApiKeyRecord>();
  gets = 0;

  async get(keyId: string): Promise<ApiKeyRecord | undefined> {
    this.gets += 1;
    return this.records.get(keyId);
  }

  async create(record: ApiKeyRecord): Promise<boolean> {
    if (this.records.has(record.keyId)) return false;
    this.records.set(record.keyId, record);
    return true;
  }

  async put(record: ApiKeyRecord): Promise<void> {
    this.records.set(record.keyId, record);
  }

  async listBySandbox(sandbox: string, page: PageRequest): Promise<Page<ApiKeyRecord>> {
    const all = [...this.records.values()].filter((record) => record.sandbox === sandbox);
    const offset = Number(page.start ?? 0);
    const items = all.slice(offset, offset + page.limit);
    return offset + page.limit < all.length ? { items, next: String(offset + page.limit) } : { items };
  }

  async delete(keyId: string): Promise<ApiKeyRecord | undefined> {
    const record = this.records.get(keyId);
    this.records.delete(keyId);
    return record;
  }

  async touch(keyId: string, at: string): Promise<void> {
    const record = this.records.get(keyId);
    if (record) this.records.set(keyId, { ...record, lastUsedAt: at });
  }
}
