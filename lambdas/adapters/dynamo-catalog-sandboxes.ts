import { CATALOG_KEYS } from '../config/env-names';
import type { Sandbox, SandboxStore } from '../core/catalog/sandboxes';
import type { Page, PageRequest } from '../core/page';
import { PLATFORM_SANDBOX } from '../core/api-keys/caller';
import { catalogKey, catalogPartition, partitionOf, withoutKeys } from './dynamo-catalog-keys';
import type { DynamoItems, Item } from './dynamo-items';

/** All sandboxes live in one platform-wide partition, sorted by name. */
const PARTITION = catalogPartition(PLATFORM_SANDBOX, 'sandbox');

export class DynamoSandboxStore implements SandboxStore {
  constructor(private readonly items: DynamoItems) {}

  async get(name: string): Promise<Sandbox | undefined> {
    const item = await this.items.get(catalogKey(PARTITION, name));
    return item ? withoutKeys<Sandbox>(item) : undefined;
  }

  create(sandbox: Sandbox): Promise<boolean> {
    return this.items.createIfAbsent(
      { ...catalogKey(PARTITION, sandbox.name), ...sandbox },
      CATALOG_KEYS.partitionKey,
    );
  }

  async list(page: PageRequest): Promise<Page<Sandbox>> {
    const result = await this.items.queryPage<Item>(partitionOf(PARTITION), page);
    return { ...result, items: result.items.map((item) => withoutKeys<Sandbox>(item)) };
  }
}
