import { CATALOG_KEYS } from '../config/env-names';
import type { Dataset, DatasetStore } from '../core/catalog/datasets';
import type { Page, PageRequest } from '../core/page';
import {
  catalogKey,
  catalogPartition,
  gsi1PartitionOf,
  partitionOf,
  withoutKeys,
} from './dynamo-catalog-keys';
import type { DynamoItems, Item } from './dynamo-items';

/** Dataset ids start with their creation time, so the sort key orders a sandbox's datasets oldest first. */
const partition = (sandbox: string) => catalogPartition(sandbox, 'dataset');
/** gsi1 groups a sandbox's datasets by schema for `?schemaId=`. */
const bySchema = (sandbox: string, schemaId: string) =>
  catalogPartition(sandbox, `dataset-schema#${schemaId}`);

function toItem(dataset: Dataset): Item {
  return {
    ...catalogKey(partition(dataset.sandbox), dataset.id),
    [CATALOG_KEYS.gsi1.partitionKey]: bySchema(dataset.sandbox, dataset.schemaId),
    [CATALOG_KEYS.gsi1.sortKey]: dataset.id,
    ...dataset,
  };
}

export class DynamoDatasetStore implements DatasetStore {
  constructor(private readonly items: DynamoItems) {}

  async get(sandbox: string, id: string): Promise<Dataset | undefined> {
    const item = await this.items.get(catalogKey(partition(sandbox), id));
    return item ? withoutKeys<Dataset>(item) : undefined;
  }

  create(dataset: Dataset): Promise<boolean> {
    return this.items.createIfAbsent(toItem(dataset), CATALOG_KEYS.partitionKey);
  }

  update(dataset: Dataset, expectedRevision: number): Promise<boolean> {
    return this.items.conditionalPut(
      toItem(dataset),
      '#revision = :revision',
      { '#revision': 'revision' },
      { ':revision': expectedRevision },
    );
  }

  async list(sandbox: string, page: PageRequest, filter: { schemaId?: string } = {}): Promise<Page<Dataset>> {
    const result =
      filter.schemaId === undefined
        ? await this.items.queryPage<Item>(partitionOf(partition(sandbox)), page)
        : await this.items.queryPage<Item>(gsi1PartitionOf(bySchema(sandbox, filter.schemaId)), page, {
            indexName: CATALOG_KEYS.gsi1.name,
          });
    return { ...result, items: result.items.map((item) => withoutKeys<Dataset>(item)) };
  }
}
