/**
 * Dataflows on the catalog table: `{sandbox}#dataflow` / `{id}`. An enabled flow with a next slot is also in the
 * scheduler's index — gsi1 `dataflows#due` / `{nextRunAt}#{sandbox}#{id}` — one partition across sandboxes, so the
 * minute's dispatch finds every due flow with one query read in time order; a flow without a next slot leaves the
 * index (the attributes are not written). Changes are conditional on the flow's revision.
 */
import { CATALOG_KEYS } from '../config/env-names';
import type { Dataflow, DataflowStore } from '../core/dataflows/dataflow-types';
import type { Page, PageRequest } from '../core/page';
import {
  catalogKey,
  catalogPartition,
  gsi1PartitionOf,
  partitionOf,
  withoutKeys,
} from './dynamo-catalog-keys';
import type { DynamoItems, Item } from './dynamo-items';

const partition = (sandbox: string) => catalogPartition(sandbox, 'dataflow');
const DUE_PARTITION = 'dataflows#due';
/** Index pages read per look for due flows: a page is cut at 1 MB anyway. */
const DUE_PAGE_SIZE = 100;

const REVISION = { '#revision': 'revision' };

function toItem(flow: Dataflow): Item {
  const { nextRunAt } = flow.state;
  return {
    ...catalogKey(partition(flow.sandbox), flow.id),
    ...(flow.enabled && nextRunAt
      ? {
          [CATALOG_KEYS.gsi1.partitionKey]: DUE_PARTITION,
          [CATALOG_KEYS.gsi1.sortKey]: `${nextRunAt}#${flow.sandbox}#${flow.id}`,
        }
      : {}),
    ...flow,
  };
}

export class DynamoDataflowStore implements DataflowStore {
  constructor(private readonly items: DynamoItems) {}

  async get(sandbox: string, id: string): Promise<Dataflow | undefined> {
    const item = await this.items.get(catalogKey(partition(sandbox), id));
    return item ? withoutKeys<Dataflow>(item) : undefined;
  }

  create(flow: Dataflow): Promise<boolean> {
    return this.items.createIfAbsent(toItem(flow), CATALOG_KEYS.partitionKey);
  }

  replace(next: Dataflow): Promise<boolean> {
    return this.items.conditionalPut(toItem(next), '#revision = :revision', REVISION, {
      ':revision': next.revision - 1,
    });
  }

  async delete(sandbox: string, id: string, revision: number): Promise<boolean> {
    const outcome = await this.items.deleteIf(catalogKey(partition(sandbox), id), {
      expression: '#revision = :revision',
      names: REVISION,
      values: { ':revision': revision },
    });
    return outcome.written;
  }

  async list(sandbox: string, page: PageRequest): Promise<Page<Dataflow>> {
    const result = await this.items.queryPage<Item>(partitionOf(partition(sandbox)), page);
    return { ...result, items: result.items.map((item) => withoutKeys<Dataflow>(item)) };
  }

  /** The index is read oldest slot first and no further than the first slot after `at`. */
  async due(at: string, limit: number): Promise<Dataflow[]> {
    const due: Dataflow[] = [];
    let start: string | undefined;
    do {
      const page = await this.items.queryPage<Item>(
        gsi1PartitionOf(DUE_PARTITION),
        { limit: DUE_PAGE_SIZE, ...(start ? { start } : {}) },
        { indexName: CATALOG_KEYS.gsi1.name },
      );
      for (const item of page.items) {
        const flow = withoutKeys<Dataflow>(item);
        if (flow.state.nextRunAt === undefined || flow.state.nextRunAt > at || due.length >= limit)
          return due;
        due.push(flow);
      }
      start = page.next;
    } while (start);
    return due;
  }

  async usingConnection(sandbox: string, connectionId: string): Promise<string[]> {
    const items = await this.items.queryAll<Item>(partitionOf(partition(sandbox)));
    return items
      .map((item) => withoutKeys<Dataflow>(item))
      .filter((flow) => flow.connectionId === connectionId)
      .map((flow) => flow.id);
  }
}
