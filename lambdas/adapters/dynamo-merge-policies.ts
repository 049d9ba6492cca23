import { CATALOG_KEYS } from '../config/env-names';
import type { MergePolicy, MergePolicyStore } from '../core/profiles/merge-policies';
import type { Page, PageRequest } from '../core/page';
import { catalogKey, catalogPartition, partitionOf, withoutKeys } from './dynamo-catalog-keys';
import type { DynamoItems, Item } from './dynamo-items';

/** Policies of a sandbox, by id, in the catalog table. */
const partition = (sandbox: string) => catalogPartition(sandbox, 'merge-policy');
/** The default pointer lives in a partition of its own, so listing the policies never meets it. */
const defaultKey = (sandbox: string) =>
  catalogKey(catalogPartition(sandbox, 'merge-policy-default'), 'default');

export class DynamoMergePolicyStore implements MergePolicyStore {
  constructor(private readonly items: DynamoItems) {}

  async get(sandbox: string, id: string): Promise<MergePolicy | undefined> {
    const item = await this.items.get(catalogKey(partition(sandbox), id));
    return item ? withoutKeys<MergePolicy>(item) : undefined;
  }

  create(policy: MergePolicy): Promise<boolean> {
    const item: Item = { ...catalogKey(partition(policy.sandbox), policy.id), ...policy };
    return this.items.createIfAbsent(item, CATALOG_KEYS.partitionKey);
  }

  async list(sandbox: string, page: PageRequest): Promise<Page<MergePolicy>> {
    const result = await this.items.queryPage<Item>(partitionOf(partition(sandbox)), page);
    return { ...result, items: result.items.map((item) => withoutKeys<MergePolicy>(item)) };
  }

  async defaultId(sandbox: string): Promise<string | undefined> {
    const item = await this.items.get(defaultKey(sandbox));
    return typeof item?.mergePolicyId === 'string' ? item.mergePolicyId : undefined;
  }

  async setDefault(sandbox: string, id: string): Promise<void> {
    await this.items.put({ ...defaultKey(sandbox), mergePolicyId: id });
  }
}
