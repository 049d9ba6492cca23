/**
 * The wall-clock budget of one record's mapping and validation. Patterns run on a linear-time engine and every
 * mapping evaluation is bounded in size and steps, so no single step can stall; the budget bounds their sum (a huge
 * record under many rules), so that a record slow to process fails — quarantined, with this code — instead of
 * holding up the records of every tenant behind it in a shared stream shard or batch chunk. A synchronous step
 * cannot be interrupted: the budget is checked between steps (each mapping step, after validation).
 */
import type { Violation } from './errors/domain-error';

/** Machine code of a record failed for its budget, in the quarantine and in answers. */
export const PROCESSING_BUDGET_EXCEEDED = 'processing-budget-exceeded';

/**
 * Milliseconds one record may take to map and validate. An ordinary record takes tens of microseconds (some 40,000
 * mapped rows per second, docs/data-prep.md); this is four orders of magnitude above, so only a pathological record
 * reaches it, and a consumer batch of 100 records that all did (25 s) still ends inside the consumer's 60 s timeout.
 */
export const RECORD_PROCESSING_BUDGET_MS = 250;

/**
 * Milliseconds added to a record's budget for each KiB it weighs: validation and mapping are linear in a record's
 * size, and a legitimate 1 MiB streaming message (1.27 s in all) or 32 MiB batch row must not fail for being big.
 * Linear checks run at tens of MB per second even on a small function, so this is still some twenty times what a
 * large record needs; the consumer's batch payload (6 MB) keeps its sum inside the consumer's timeout.
 */
export const RECORD_BUDGET_MS_PER_KIB = 1;

/** A monotonic clock in milliseconds (`performance.now`); injectable so tests measure without timing. */
export type MonotonicClock = () => number;

export const monotonicClock: MonotonicClock = () => performance.now();

/** A record's weight for its budget: the bytes of its JSON. */
export const jsonBytes = (record: unknown): number => Buffer.byteLength(JSON.stringify(record) ?? '', 'utf8');

export class ProcessingBudgetError extends Error {
  override readonly name = 'ProcessingBudgetError';
  readonly code = PROCESSING_BUDGET_EXCEEDED;
  constructor(budgetMs: number, stage: string) {
    super(`processing took longer than its budget of ${budgetMs} ms (during ${stage})`);
  }
}

export class ProcessingBudget {
  private readonly started: number;
  /** The budget with the record's weight added, once the base budget is spent (weighing is only paid then). */
  private weighted: number | undefined;

  constructor(
    private readonly clock: MonotonicClock = monotonicClock,
    readonly budgetMs: number = RECORD_PROCESSING_BUDGET_MS,
    /** The record's size in bytes, for `RECORD_BUDGET_MS_PER_KIB`; without it the budget is `budgetMs` alone. */
    private readonly bytesOf?: () => number,
  ) {
    this.started = clock();
  }

  /** Throws `ProcessingBudgetError` once the budget is spent; `stage` says what was running. */
  check(stage: string): void {
    const elapsed = this.clock() - this.started;
    if (elapsed <= this.budgetMs) return;
    this.weighted ??=
      this.budgetMs + (this.bytesOf ? Math.ceil(this.bytesOf() / 1024) * RECORD_BUDGET_MS_PER_KIB : 0);
    if (elapsed > this.weighted) throw new ProcessingBudgetError(this.weighted, stage);
  }

  /** The violation that fails a record whose budget is spent after `stage`; none while it is not. */
  overrun(stage: string): Violation[] {
    try {
      this.check(stage);
      return [];
    } catch (error) {
      if (!(error instanceof ProcessingBudgetError)) throw error;
      return [{ pointer: '', keyword: 'budget', message: error.message }];
    }
  }
}
