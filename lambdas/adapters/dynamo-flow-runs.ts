/**
 * Flow runs on the batches table, beside the batches they feed: pk `{sandbox}#dataflow#{dataflowId}`, sk
 * `run#{runId}`. Run ids are ULIDs, so a backwards query lists a flow's runs newest first. Changes are conditional
 * on the run's revision.
 */
import { BATCHES_KEYS } from '../config/env-names';
import type { FlowRun, FlowRunStore } from '../core/dataflows/dataflow-types';
import type { Page, PageRequest } from '../core/page';
import type { DynamoItems, Item, Key } from './dynamo-items';

const { partitionKey: PK, sortKey: SK } = BATCHES_KEYS;
const RUN_SK_PREFIX = 'run#';

const runsPk = (sandbox: string, dataflowId: string) => `${sandbox}#dataflow#${dataflowId}`;
const runKey = (sandbox: string, dataflowId: string, runId: string): Key => ({
  [PK]: runsPk(sandbox, dataflowId),
  [SK]: `${RUN_SK_PREFIX}${runId}`,
});

const toItem = (run: FlowRun): Item => ({ ...runKey(run.sandbox, run.dataflowId, run.id), ...run });

const toRun = (item: Item): FlowRun =>
  Object.fromEntries(
    Object.entries(item).filter(([name]) => name !== PK && name !== SK),
  ) as unknown as FlowRun;

const runsOf = (sandbox: string, dataflowId: string) => ({ name: PK, value: runsPk(sandbox, dataflowId) });
const RUNS_ONLY = { name: SK, value: RUN_SK_PREFIX };

export class DynamoFlowRunStore implements FlowRunStore {
  constructor(private readonly items: DynamoItems) {}

  async get(sandbox: string, dataflowId: string, runId: string): Promise<FlowRun | undefined> {
    const item = await this.items.get(runKey(sandbox, dataflowId, runId));
    return item ? toRun(item) : undefined;
  }

  create(run: FlowRun): Promise<boolean> {
    return this.items.createIfAbsent(toItem(run), PK);
  }

  replace(next: FlowRun): Promise<boolean> {
    return this.items.conditionalPut(
      toItem(next),
      '#revision = :revision',
      { '#revision': 'revision' },
      { ':revision': next.revision - 1 },
    );
  }

  async list(sandbox: string, dataflowId: string, page: PageRequest): Promise<Page<FlowRun>> {
    const result = await this.items.queryPage<Item>(runsOf(sandbox, dataflowId), page, {
      newestFirst: true,
      sortKeyPrefix: RUNS_ONLY,
    });
    return { ...result, items: result.items.map(toRun) };
  }

  async deleteAll(sandbox: string, dataflowId: string): Promise<void> {
    const items = await this.items.queryAll<Item>(runsOf(sandbox, dataflowId), { sortKeyPrefix: RUNS_ONLY });
    await this.items.batchDelete(items.map((item) => ({ [PK]: String(item[PK]), [SK]: String(item[SK]) })));
  }
}
