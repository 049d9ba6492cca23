import { CATALOG_KEYS } from '../config/env-names';
import type { NamespaceStore } from '../core/catalog/identity-namespaces';
import type { IdentityNamespace } from '../core/catalog/standard-namespaces';
import type { Page, PageRequest } from '../core/page';
import { catalogKey, catalogPartition, partitionOf, withoutKeys } from './dynamo-catalog-keys';
import type { DynamoItems, Item } from './dynamo-items';

/** Sorted by lower-cased code, which also makes codes unique case-insensitively. */
const partition = (sandbox: string) => catalogPartition(sandbox, 'namespace');

export class DynamoNamespaceStore implements NamespaceStore {
  constructor(private readonly items: DynamoItems) {}

  async get(sandbox: string, codeLower: string): Promise<IdentityNamespace | undefined> {
    const item = await this.items.get(catalogKey(partition(sandbox), codeLower));
    return item ? withoutKeys<IdentityNamespace>(item) : undefined;
  }

  create(sandbox: string, namespace: IdentityNamespace): Promise<boolean> {
    const key = catalogKey(partition(sandbox), namespace.code.toLowerCase());
    return this.items.createIfAbsent({ ...key, ...namespace }, CATALOG_KEYS.partitionKey);
  }

  async list(sandbox: string, page: PageRequest): Promise<Page<IdentityNamespace>> {
    const result = await this.items.queryPage<Item>(partitionOf(partition(sandbox)), page);
    return { ...result, items: result.items.map((item) => withoutKeys<IdentityNamespace>(item)) };
  }
}
