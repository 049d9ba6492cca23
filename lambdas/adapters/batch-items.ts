/**
 * The batch item of either kind of batch as the batches table stores it: under the batch's key, with its place in
 * the dataset's index (gsi1) ordered by `orderTime` (a streaming batch's window start, a file batch's creation).
 */
import { BATCHES_KEYS } from '../config/env-names';
import { BATCH_SK, batchOrderKey, batchPk, datasetBatchesPk } from '../core/batches/batch-keys';
import type { AnyBatch } from '../core/batches/batch-types';
import type { Item } from './dynamo-items';

const { partitionKey: PK, sortKey: SK, gsi1 } = BATCHES_KEYS;

export const batchItem = (batch: AnyBatch, orderTime: string): Item => ({
  [PK]: batchPk(batch.sandbox, batch.batchId),
  [SK]: BATCH_SK,
  [gsi1.partitionKey]: datasetBatchesPk(batch.sandbox, batch.datasetId),
  [gsi1.sortKey]: batchOrderKey(orderTime, batch.batchId),
  ...batch,
});
