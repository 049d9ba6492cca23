/**
 * Changing a file batch: read it, let the caller decide the change from what it finds, write it conditionally on
 * the revision read, and start over when another writer got there first. Every status change of a file batch goes
 * through here, so none is lost to a race between the API and the workflow.
 */
import type { FileBatch, FileBatchStore } from './file-batch-types';

/** Rounds of read-decide-write before giving up; each loss means another writer made progress. */
const MAX_CHANGE_ROUNDS = 8;

/** The batch is not in a state the step can act on (gone, or moved on without it): retrying will not help. */
export class BatchStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchStateError';
  }
}

/** Lost every round to concurrent writers; retrying later is safe. */
export class BatchContentionError extends Error {
  readonly retryable = true;
  constructor(batchId: string) {
    super(`batch ${batchId} kept changing under concurrent writers; retry later`);
    this.name = 'BatchContentionError';
  }
}

export type BatchChange = Partial<Omit<FileBatch, 'batchId' | 'sandbox' | 'type' | 'revision'>>;

/**
 * Applies the change `decide` makes of the current batch and answers the stored batch; `decide` answers undefined
 * to leave the batch as it is (then the batch as read is answered). Undefined when there is no such file batch.
 */
export async function changeBatch(
  store: FileBatchStore,
  sandbox: string,
  batchId: string,
  now: () => Date,
  decide: (batch: FileBatch) => BatchChange | undefined,
): Promise<FileBatch | undefined> {
  for (let round = 0; round < MAX_CHANGE_ROUNDS; round += 1) {
    const batch = await store.getFileBatch(sandbox, batchId);
    if (!batch) return undefined;
    const change = decide(batch);
    if (!change) return batch;
    const next: FileBatch = {
      ...batch,
      ...change,
      updatedAt: now().toISOString(),
      revision: batch.revision + 1,
    };
    if (await store.replaceFileBatch(next)) return next;
  }
  throw new BatchContentionError(batchId);
}

/** The batch, or a BatchStateError for a step of a workflow whose batch is gone. */
export async function batchForStep(
  store: FileBatchStore,
  sandbox: string,
  batchId: string,
): Promise<FileBatch> {
  const batch = await store.getFileBatch(sandbox, batchId);
  if (!batch) throw new BatchStateError(`there is no file batch ${batchId} in sandbox ${sandbox}`);
  return batch;
}
