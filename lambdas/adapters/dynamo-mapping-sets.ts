/**
 * Mapping sets on the catalog table: one item per version (`{sandbox}#mapping-set-version#{id}`, sorted by
 * version) and a copy of the latest version (`{sandbox}#mapping-set`, by id), so that "the latest" is one read and
 * the sandbox's list is one query of latest copies.
 *
 * A write is two conditional puts without a transaction (the local emulator has none): the version item first, so a
 * version exists exactly once whoever races for it, then the latest copy, only if it is older. A writer that stops
 * between the two leaves the latest copy one version behind; the next writer of that set meets the version that
 * already exists and rolls the latest copy forward before it answers, so nothing stays behind for long.
 */
import { CATALOG_KEYS } from '../config/env-names';
import type { MappingSetStore, StoredMappingSet } from '../core/mapping-sets/mapping-sets';
import type { Page, PageRequest } from '../core/page';
import { catalogKey, catalogPartition, partitionOf, withoutKeys } from './dynamo-catalog-keys';
import type { DynamoItems, Item } from './dynamo-items';

/** Versions as fixed-width decimals, so the sort key orders them numerically. */
const VERSION_DIGITS = 10;

const latestPartition = (sandbox: string) => catalogPartition(sandbox, 'mapping-set');
const versionsPartition = (sandbox: string, id: string) =>
  catalogPartition(sandbox, `mapping-set-version#${id}`);
const versionSort = (version: number) => String(version).padStart(VERSION_DIGITS, '0');

const latestKey = (sandbox: string, id: string) => catalogKey(latestPartition(sandbox), id);
const versionKey = (sandbox: string, id: string, version: number) =>
  catalogKey(versionsPartition(sandbox, id), versionSort(version));

export class DynamoMappingSetStore implements MappingSetStore {
  constructor(private readonly items: DynamoItems) {}

  async get(sandbox: string, id: string, version?: number): Promise<StoredMappingSet | undefined> {
    const key = version === undefined ? latestKey(sandbox, id) : versionKey(sandbox, id, version);
    const item = await this.items.get(key);
    return item ? withoutKeys<StoredMappingSet>(item) : undefined;
  }

  async put(set: StoredMappingSet): Promise<boolean> {
    const created = await this.items.createIfAbsent(
      { ...versionKey(set.sandbox, set.id, set.version), ...set },
      CATALOG_KEYS.partitionKey,
    );
    if (!created) {
      await this.rollForward(set.sandbox, set.id, set.version);
      return false;
    }
    await this.putLatest(set);
    return true;
  }

  async list(sandbox: string, page: PageRequest): Promise<Page<StoredMappingSet>> {
    const result = await this.items.queryPage<Item>(partitionOf(latestPartition(sandbox)), page);
    return { ...result, items: result.items.map((item) => withoutKeys<StoredMappingSet>(item)) };
  }

  /** Makes the stored `version` the latest copy, unless a newer one is there already. */
  private async rollForward(sandbox: string, id: string, version: number): Promise<void> {
    const stored = await this.items.get(versionKey(sandbox, id, version));
    if (stored) await this.putLatest(withoutKeys<StoredMappingSet>(stored));
  }

  private async putLatest(set: StoredMappingSet): Promise<void> {
    await this.items.conditionalPut(
      { ...latestKey(set.sandbox, set.id), ...set },
      'attribute_not_exists(#pk) OR #version < :version',
      { '#pk': CATALOG_KEYS.partitionKey, '#version': 'version' },
      { ':version': set.version },
    );
  }
}
