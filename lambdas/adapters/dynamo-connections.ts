import { CATALOG_KEYS } from '../config/env-names';
import type { ConnectionStore, StoredConnection } from '../core/connections/connections';
import type { Page, PageRequest } from '../core/page';
import { catalogKey, catalogPartition, partitionOf, withoutKeys } from './dynamo-catalog-keys';
import type { DynamoItems, Item } from './dynamo-items';

/** Connection ids are ULIDs, time first: the sort key lists a sandbox's connections oldest first. */
const partition = (sandbox: string) => catalogPartition(sandbox, 'connection');

const toItem = (connection: StoredConnection): Item => ({
  ...catalogKey(partition(connection.sandbox), connection.id),
  ...connection,
});

export class DynamoConnectionStore implements ConnectionStore {
  constructor(private readonly items: DynamoItems) {}

  async get(sandbox: string, id: string): Promise<StoredConnection | undefined> {
    const item = await this.items.get(catalogKey(partition(sandbox), id));
    return item ? withoutKeys<StoredConnection>(item) : undefined;
  }

  create(connection: StoredConnection): Promise<boolean> {
    return this.items.createIfAbsent(toItem(connection), CATALOG_KEYS.partitionKey);
  }

  update(connection: StoredConnection, expectedRevision: number): Promise<boolean> {
    return this.items.conditionalPut(
      toItem(connection),
      '#revision = :revision',
      { '#revision': 'revision' },
      { ':revision': expectedRevision },
    );
  }

  async delete(sandbox: string, id: string): Promise<StoredConnection | undefined> {
    const item = await this.items.delete(catalogKey(partition(sandbox), id));
    return item ? withoutKeys<StoredConnection>(item) : undefined;
  }

  async list(sandbox: string, page: PageRequest): Promise<Page<StoredConnection>> {
    const result = await this.items.queryPage<Item>(partitionOf(partition(sandbox)), page);
    return { ...result, items: result.items.map((item) => withoutKeys<StoredConnection>(item)) };
  }
}
