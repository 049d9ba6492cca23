/**
 * Data Prep mapping, as Experience Platform defines it: a mapping set is a list of rules from source fields to
 * destination (schema) fields — an attribute copy, a constant, or an expression in Data Prep's language
 * (`upper(first)`, `concat(firstName, " ", lastName)`, `iif(points > 100, "gold", "silver")`). Paths use dot
 * notation, `[n]` indexes, `[*]` iterates an array (`items[*].sku` → `productListItems[*].SKU`), `\.` escapes a dot
 * and `${...}` wraps a name with spaces or reserved words.
 *
 * This file is the contract between the mapping engine (`compileMappingSet`), the mapping-set API and store, and
 * the three places mapping applies: raw streaming inlets, file batches and dataflows.
 */
import type { MappingBudget } from './mapping-budget';

export const MAPPING_SOURCE_TYPES = ['ATTRIBUTE', 'STATIC', 'EXPRESSION'] as const;
export type MappingSourceType = (typeof MAPPING_SOURCE_TYPES)[number];

export interface MappingRule {
  readonly sourceType: MappingSourceType;
  /**
   * A source path (ATTRIBUTE), the constant (STATIC: text, or a JSON number or boolean) or the expression text
   * (EXPRESSION, at most 4,096 characters).
   */
  readonly source: string | number | boolean;
  /** The destination path in the record the mapping builds. */
  readonly destination: string;
  readonly name?: string;
  readonly description?: string;
}

/**
 * A mapping that could not produce its value for one row: the field is left out (null) and the rest of the row is
 * kept, as in Experience Platform; the row fails only when the record it ends as is invalid for the schema.
 */
export interface MappingWarning {
  /** Index of the rule in the mapping set. */
  readonly mapping: number;
  readonly destination: string;
  /** `expression-error` (the expression threw or a function refused its arguments), `path-error`, … */
  readonly code: string;
  readonly message: string;
}

/** Why a mapping set cannot be compiled: one entry per bad rule, pointing at it (`/mappings/2/source`). */
export interface MappingProblem {
  readonly pointer: string;
  /** `invalid-expression`, `unknown-function`, `invalid-path`, `expression-too-long`, `conflicting-destination`… */
  readonly code: string;
  readonly message: string;
}

export class MappingSetError extends Error {
  override readonly name = 'MappingSetError';
  constructor(readonly problems: readonly MappingProblem[]) {
    super(problems.map((problem) => `${problem.pointer}: ${problem.message}`).join('; '));
  }
}

/** What expressions may depend on besides the row: injected so tests and previews are deterministic. */
export interface MappingContext {
  readonly now: () => Date;
  readonly uuid: () => string;
  /** What mapping the row may cost; a fresh per-row budget (`ROW_MAPPING_LIMITS`) by default. */
  readonly budget?: MappingBudget;
}

export interface MappedRow {
  readonly record: Record<string, unknown>;
  readonly warnings: readonly MappingWarning[];
  /**
   * Set when the row went over a bound of its evaluation (`mapping-limit-exceeded`, `processing-budget-exceeded`),
   * naming the rule: the row fails as a whole and `record` is empty.
   */
  readonly failure?: MappingWarning;
}

/** A mapping set compiled once (expressions parsed, paths split) and applied to any number of rows. */
export interface CompiledMappingSet {
  apply(row: unknown, context?: Partial<MappingContext>): MappedRow;
}

/** A stored mapping set: versioned; a new version is written by PUT and every version stays readable. */
export interface MappingSet {
  readonly id: string;
  readonly sandbox: string;
  readonly name?: string;
  readonly description?: string;
  readonly version: number;
  readonly mappings: readonly MappingRule[];
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** Where a batch, an inlet or a dataflow names its mapping: the set and the version it was pinned to. */
export interface MappingReference {
  readonly mappingSetId: string;
  readonly version: number;
}

/** Loads and compiles a stored version (cached per id and version: a version never changes). */
export interface MappingSetLoader {
  /** Undefined when the set or version does not exist in the sandbox. */
  compiled(sandbox: string, reference: MappingReference): Promise<CompiledMappingSet | undefined>;
}

/** `MappingWarning.mapping` of a warning about the whole row (a row that is not an object) rather than one rule. */
export const WHOLE_ROW = -1;
