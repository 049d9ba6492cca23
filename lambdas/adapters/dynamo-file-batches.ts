/**
 * File batches on the batches table (keys in core/batches/batch-keys.ts): the batch item, its pointer in the
 * sandbox's list and its place in the dataset's index, and the staged chunks of its workflow. Status changes are
 * conditional on the batch's revision, so two writers (a COMPLETE retried while the workflow advances, say) never
 * overwrite each other's change.
 */
import { BATCHES_KEYS } from '../config/env-names';
import {
  BATCH_SK,
  batchOrderKey,
  batchPk,
  planPageSk,
  planSk,
  sandboxBatchesPk,
  STAGED_SK_PREFIX,
  stagedSk,
} from '../core/batches/batch-keys';
import type {
  FileBatch,
  FileBatchStore,
  PlanPage,
  StagedChunk,
  StoredFilePlan,
} from '../core/batches/file-batch-types';
import type { Page, PageRequest } from '../core/page';
import { batchItem } from './batch-items';
import type { DynamoItems, Item } from './dynamo-items';

const { partitionKey: PK, sortKey: SK, gsi1 } = BATCHES_KEYS;

const KEY_ATTRIBUTES: readonly string[] = [PK, SK, gsi1.partitionKey, gsi1.sortKey];

/** The item's attributes without the table's key attributes. */
const withoutKeys = (item: Item): Item =>
  Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.includes(name)));

export const toFileBatch = (item: Item): FileBatch => withoutKeys(item) as unknown as FileBatch;

export class DynamoFileBatchStore implements FileBatchStore {
  constructor(private readonly items: DynamoItems) {}

  async createFileBatch(batch: FileBatch): Promise<void> {
    const order = batchOrderKey(batch.createdAt, batch.batchId);
    // The pointer first: a batch without its pointer would be missing from the sandbox's list. The pointer holds
    // only what identifies the batch; lists read the batch item itself for its current state.
    await this.items.put({
      [PK]: sandboxBatchesPk(batch.sandbox),
      [SK]: order,
      batchId: batch.batchId,
      sandbox: batch.sandbox,
      datasetId: batch.datasetId,
      type: batch.type,
    });
    await this.items.createIfAbsent(batchItem(batch, batch.createdAt), PK);
  }

  async getFileBatch(sandbox: string, batchId: string): Promise<FileBatch | undefined> {
    const item = await this.items.get({ [PK]: batchPk(sandbox, batchId), [SK]: BATCH_SK });
    return item && item['type'] === 'file' ? toFileBatch(item) : undefined;
  }

  async replaceFileBatch(next: FileBatch): Promise<boolean> {
    const outcome = await this.items.putIf(batchItem(next, next.createdAt), {
      expression: '#revision = :expected',
      names: { '#revision': 'revision' },
      values: { ':expected': next.revision - 1 },
    });
    return outcome.written;
  }

  async putFilePlan(sandbox: string, batchId: string, plan: StoredFilePlan): Promise<void> {
    await this.items.put({ [PK]: batchPk(sandbox, batchId), [SK]: planSk(plan.fileIndex), ...plan });
  }

  async getFilePlan(
    sandbox: string,
    batchId: string,
    fileIndex: number,
  ): Promise<StoredFilePlan | undefined> {
    const item = await this.items.get({ [PK]: batchPk(sandbox, batchId), [SK]: planSk(fileIndex) });
    return item ? (withoutKeys(item) as unknown as StoredFilePlan) : undefined;
  }

  async putPlanPage(sandbox: string, batchId: string, page: PlanPage): Promise<void> {
    await this.items.put({ [PK]: batchPk(sandbox, batchId), [SK]: planPageSk(page.page), ...page });
  }

  async getPlanPage(sandbox: string, batchId: string, page: number): Promise<PlanPage | undefined> {
    const item = await this.items.get({ [PK]: batchPk(sandbox, batchId), [SK]: planPageSk(page) });
    return item ? (withoutKeys(item) as unknown as PlanPage) : undefined;
  }

  async getStagedChunk(sandbox: string, batchId: string, chunk: string): Promise<StagedChunk | undefined> {
    const item = await this.items.get({ [PK]: batchPk(sandbox, batchId), [SK]: stagedSk(chunk) });
    return item ? (withoutKeys(item) as unknown as StagedChunk) : undefined;
  }

  async putStagedChunk(sandbox: string, batchId: string, chunk: StagedChunk): Promise<void> {
    await this.items.put({ [PK]: batchPk(sandbox, batchId), [SK]: stagedSk(chunk.chunk), ...chunk });
  }

  async deleteStagedChunk(sandbox: string, batchId: string, chunk: string): Promise<void> {
    await this.items.delete({ [PK]: batchPk(sandbox, batchId), [SK]: stagedSk(chunk) });
  }

  async stagedChunksOf(sandbox: string, batchId: string): Promise<StagedChunk[]> {
    const items = await this.items.queryAll(
      { name: PK, value: batchPk(sandbox, batchId) },
      {
        sortKeyPrefix: { name: SK, value: STAGED_SK_PREFIX },
      },
    );
    return items.map((item) => withoutKeys(item) as unknown as StagedChunk);
  }

  async stagedChunkPage(sandbox: string, batchId: string, page: PageRequest): Promise<Page<StagedChunk>> {
    const found = await this.items.queryPage({ name: PK, value: batchPk(sandbox, batchId) }, page, {
      sortKeyPrefix: { name: SK, value: STAGED_SK_PREFIX },
    });
    return {
      items: found.items.map((item) => withoutKeys(item) as unknown as StagedChunk),
      ...(found.next ? { next: found.next } : {}),
    };
  }
}
