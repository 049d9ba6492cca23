import { CATALOG_KEYS } from '../config/env-names';
import type { Inlet, InletStore } from '../core/catalog/inlets';
import type { Page, PageRequest } from '../core/page';
import {
  catalogKey,
  catalogPartition,
  gsi1PartitionOf,
  partitionOf,
  withoutKeys,
} from './dynamo-catalog-keys';
import type { DynamoItems, Item } from './dynamo-items';

const partition = (sandbox: string) => catalogPartition(sandbox, 'inlet');
/** gsi1 finds an inlet by id alone: producers name only the inlet, never the sandbox. */
const byId = (inletId: string) => `inlet#${inletId}`;

export class DynamoInletStore implements InletStore {
  constructor(private readonly items: DynamoItems) {}

  async get(sandbox: string, inletId: string): Promise<Inlet | undefined> {
    const item = await this.items.get(catalogKey(partition(sandbox), inletId));
    return item ? withoutKeys<Inlet>(item) : undefined;
  }

  /** The hinted sandbox is read consistently; the index (eventually consistent) finds inlets of other sandboxes. */
  async findById(inletId: string, sandboxHint?: string): Promise<Inlet | undefined> {
    if (sandboxHint !== undefined) {
      const hinted = await this.get(sandboxHint, inletId);
      if (hinted) return hinted;
    }
    const found = await this.items.queryPage<Item>(
      gsi1PartitionOf(byId(inletId)),
      { limit: 1 },
      { indexName: CATALOG_KEYS.gsi1.name },
    );
    const item = found.items[0];
    return item ? withoutKeys<Inlet>(item) : undefined;
  }

  create(inlet: Inlet): Promise<boolean> {
    return this.items.createIfAbsent(
      {
        ...catalogKey(partition(inlet.sandbox), inlet.inletId),
        [CATALOG_KEYS.gsi1.partitionKey]: byId(inlet.inletId),
        [CATALOG_KEYS.gsi1.sortKey]: inlet.sandbox,
        ...inlet,
      },
      CATALOG_KEYS.partitionKey,
    );
  }

  async delete(sandbox: string, inletId: string): Promise<Inlet | undefined> {
    const item = await this.items.delete(catalogKey(partition(sandbox), inletId));
    return item ? withoutKeys<Inlet>(item) : undefined;
  }

  async list(sandbox: string, page: PageRequest): Promise<Page<Inlet>> {
    const result = await this.items.queryPage<Item>(partitionOf(partition(sandbox)), page);
    return { ...result, items: result.items.map((item) => withoutKeys<Inlet>(item)) };
  }
}
