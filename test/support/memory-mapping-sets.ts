/** Mapping sets in memory, with the DynamoDB store's behaviour: one entry per version, a version written once. */
import type { MappingSetStore, StoredMappingSet } from '../../lambdas/core/mapping-sets/mapping-sets';
import type { Page, PageRequest } from '../../lambdas/core/page';

const setKey = (sandbox: string, id: string) => JSON.stringify([sandbox, id]);

export class MemoryMappingSetStore implements MappingSetStore {
  /** Versions of each set, in version order. */
  private readonly versions = new Map<string, StoredMappingSet[]>();
  /** Every `get`, as `id@version` (`id@latest` without a version), for tests of caching. */
  readonly reads: string[] = [];

  async get(sandbox: string, id: string, version?: number): Promise<StoredMappingSet | undefined> {
    this.reads.push(`${id}@${version ?? 'latest'}`);
    const versions = this.versions.get(setKey(sandbox, id)) ?? [];
    const found = version === undefined ? versions.at(-1) : versions.find((set) => set.version === version);
    return found && structuredClone(found);
  }

  async put(set: StoredMappingSet): Promise<boolean> {
    const key = setKey(set.sandbox, set.id);
    const versions = this.versions.get(key) ?? [];
    if (versions.some((stored) => stored.version === set.version)) return false;
    versions.push(structuredClone(set));
    versions.sort((a, b) => a.version - b.version);
    this.versions.set(key, versions);
    return true;
  }

  /** Latest versions by id; `start` is the last id of the previous page. */
  async list(sandbox: string, page: PageRequest): Promise<Page<StoredMappingSet>> {
    const latest = [...this.versions.values()]
      .map((versions) => versions.at(-1)!)
      .filter((set) => set.sandbox === sandbox && (page.start === undefined || set.id > page.start))
      .sort((a, b) => a.id.localeCompare(b.id));
    const items = latest.slice(0, page.limit).map((set) => structuredClone(set));
    const last = items.at(-1);
    return { items, ...(latest.length > page.limit && last ? { next: last.id } : {}) };
  }
}
