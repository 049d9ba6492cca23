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
  /**
   * What the row's function calls and `+` build, summed (characters of texts, elements of arrays), kept or not:
   * each value is bounded by `MAX_BUILT_LENGTH`, this bounds the memory and work of all of them together.
   */
  readonly maxBuilt: number;
}

/**
 * Per row. A row of Experience Platform's 10,000 fields under a few hundred rules stays far below a million
 * steps; a set that needs more iterates arrays it multiplies. The output bound is the largest row a batch file may
 * hold (32 MB of text, `MAX_RECORD_BYTES`): mapping reshapes a row, it does not multiply it. What the calls build
 * may be that much again (each rule converting what it reads once), at most 64 MB of a function's memory.
 */
export const ROW_MAPPING_LIMITS: MappingLimits = {
  maxSteps: 1_000_000,
  maxOutput: 33_554_432,
  maxBuilt: 33_554_432,
};

/** Steps between two readings of the clock: reading it costs about as much as a cheap step. */
const STEPS_PER_CLOCK_READING = 64;

export class MappingBudget {
  private steps = 0;
  private output = 0;
  private built = 0;

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

  /** Counts a value a function call or operator built, `length` characters or elements; throws over the bound. */
  build(fn: string, length: number): void {
    this.built += length;
    if (this.built > this.limits.maxBuilt) {
      throw new MappingLimitError(
        `${fn}: the row's function calls built more than ${this.limits.maxBuilt} characters and elements in all`,
      );
    }
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
