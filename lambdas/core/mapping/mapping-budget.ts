/**
 * What mapping one row may cost: steps (each rule, each `[*]` element, each function call), output (the size of
 * what the record receives) and time. A mapping set of 2,000 rules, each a 4,096-character expression, over a
 * row with long arrays can ask for billions of steps or gigabytes of copies; these bounds turn that into a
 * failed row naming the rule, in every place a set is applied (preview, collect, batches, dataflows), before it
 * can hang or kill the function. Every value one function builds is bounded too (`MAX_BUILT_LENGTH`).
 */
import { ProcessingBudget, ProcessingBudgetError } from '../processing-budget';
import { MappingLimitError } from './functions/function-types';

export interface MappingLimits {
  /** Evaluations: rules, `[*]` elements and function calls. */
  readonly maxSteps: number;
  /** What the record receives: characters of its texts plus one per value. */
  readonly maxOutput: number;
}

/**
 * Per row. A row of Experience Platform's 10,000 fields under a few hundred rules stays far below a million
 * steps; a set that needs more iterates arrays it multiplies. The output bound is the largest row a batch file may
 * hold (32 MB of text, `MAX_RECORD_BYTES`): mapping reshapes a row, it does not multiply it.
 */
export const ROW_MAPPING_LIMITS: MappingLimits = { maxSteps: 1_000_000, maxOutput: 33_554_432 };

/** Steps between two readings of the clock: reading it costs about as much as a cheap step. */
const STEPS_PER_CLOCK_READING = 64;

export class MappingBudget {
  private steps = 0;
  private output = 0;

  constructor(
    private readonly limits: MappingLimits = ROW_MAPPING_LIMITS,
    /** The time the row (or the whole preview) may take; a fresh record budget by default. */
    private readonly time: ProcessingBudget = new ProcessingBudget(),
  ) {}

  /** Counts one evaluation; throws when the steps or the time are spent. */
  step(): void {
    this.steps += 1;
    if (this.steps > this.limits.maxSteps) {
      throw new MappingLimitError(
        `mapping the row took more than ${this.limits.maxSteps} steps (rules × [*] elements × function calls)`,
      );
    }
    if (this.steps % STEPS_PER_CLOCK_READING === 0) this.time.check('mapping');
  }

  /** Counts what the record receives; throws over the output bound. */
  receive(size: number): void {
    this.output += size;
    if (this.output > this.limits.maxOutput) {
      throw new MappingLimitError(
        `the mapped record would be larger than ${this.limits.maxOutput} (characters of its texts plus one per value)`,
      );
    }
  }
}

/** Whether an error is a bound of the evaluation, which fails the row instead of leaving a field out. */
export const isEvaluationBound = (error: unknown): error is MappingLimitError | ProcessingBudgetError =>
  error instanceof MappingLimitError || error instanceof ProcessingBudgetError;
