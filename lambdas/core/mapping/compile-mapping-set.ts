/**
 * The Data Prep mapping engine: a mapping set is checked and compiled once (paths split, expressions parsed into
 * closures, functions resolved), then applied to any number of rows. Applying never throws: a rule that fails for
 * a row leaves its destination out and adds a warning, as Experience Platform nulls the field and keeps the row.
 *
 * Rules are applied parents first (by destination depth), so `address → addr` copies the object and
 * `address.line1 → addr.addrLine1` then writes into the copy, whatever their order in the set. A rule whose
 * destination has `[*]` runs once per element of its source arrays and writes element i of the destination array;
 * rules iterating the same source array therefore fill the same destination elements.
 */
import { randomUUID } from 'node:crypto';
import { compileExpression, ExpressionCompileError, type Evaluate, type Scope } from './expression-compiler';
import { detach, isMissing, isRecord } from './expression-values';
import { isEvaluationBound, MappingBudget, type MappingLimits } from './mapping-budget';
import { monotonicClock, ProcessingBudget } from '../processing-budget';
import {
  DestinationConflict,
  describePath,
  MAX_DESTINATION_INDEX,
  parseFieldPath,
  PathSyntaxError,
  readPath,
  touchElement,
  writePath,
  type FieldPath,
  type PathSegment,
} from './field-path';
import {
  expressionError,
  kindWord,
  MappingEvaluationError,
  type CallEnvironment,
} from './functions/function-types';
import {
  MAPPING_SOURCE_TYPES,
  MappingSetError,
  WHOLE_ROW,
  type CompiledMappingSet,
  type MappedRow,
  type MappingContext,
  type MappingProblem,
  type MappingRule,
  type MappingWarning,
} from './mapping-types';

/** Experience Platform's limit on a calculated field (data-prep/home.md). */
export const MAX_EXPRESSION_LENGTH = 4_096;

export type PreviewWarning = MappingWarning & { readonly row: number };

export interface MappingPreview {
  readonly rows: Record<string, unknown>[];
  readonly warnings: PreviewWarning[];
  /** The first row that went over a bound; the rows after it are not mapped. */
  readonly failure?: PreviewWarning;
}

/**
 * What one preview may cost, all its rows together: its answer goes back through a Lambda response (6 MB at most,
 * JSON escaping included); what its calls build stays within a quarter of the API function's 512 MB (two bytes a
 * character at worst); and it runs in a request, well inside API Gateway's 29 s, leaving the function free soon
 * for the next request.
 */
export const PREVIEW_MAPPING_LIMITS: MappingLimits = {
  maxSteps: 1_000_000,
  maxOutput: 4_000_000,
  maxBuilt: 64_000_000,
};
export const PREVIEW_TIME_BUDGET_MS = 5_000;

export function compileMappingSet(rules: readonly MappingRule[]): CompiledMappingSet {
  const { problems, compiled } = build(rules);
  if (problems.length > 0) throw new MappingSetError(problems);
  return compiled;
}

/** The problems `compileMappingSet` would throw, one per bad rule (none for a good set). */
export function validateMappingSet(rules: readonly MappingRule[]): MappingProblem[] {
  return build(rules).problems;
}

/** Applies the set to sample rows; throws `MappingSetError` when the set does not compile. */
export function previewMappingSet(
  rules: readonly MappingRule[],
  rows: readonly unknown[],
  context?: Partial<MappingContext>,
): MappingPreview {
  const compiled = compileMappingSet(rules);
  const budget =
    context?.budget ??
    new MappingBudget(PREVIEW_MAPPING_LIMITS, new ProcessingBudget(monotonicClock, PREVIEW_TIME_BUDGET_MS));
  const preview: { rows: Record<string, unknown>[]; warnings: PreviewWarning[] } = { rows: [], warnings: [] };
  for (const [index, row] of rows.entries()) {
    const { record, warnings, failure } = compiled.apply(row, { ...context, budget });
    if (failure) return { ...preview, failure: { ...failure, row: index } };
    preview.rows.push(record);
    for (const warning of warnings) preview.warnings.push({ ...warning, row: index });
  }
  return preview;
}

/** A rule ready to run: where it writes, and how it gets its value for the current row and elements. */
interface CompiledRule {
  readonly index: number;
  readonly destination: string;
  readonly target: FieldPath;
  readonly value: Evaluate;
  /** Whether the value is always a scalar (a constant, `upper(…)`), so no destination can lie inside it. */
  readonly scalar: boolean;
  /** For each `[*]` level, the paths (cut before that `[*]`) of the arrays whose elements it takes. */
  readonly arraysOfLevel: readonly (readonly (readonly PathSegment[])[])[];
  /** For each `[*]` level, the destination cut after that `[*]` (for messages). */
  readonly elementPaths: readonly (readonly PathSegment[])[];
  /** The destination cut after its last `[*]`: the element an iteration writes in. */
  readonly elementPath: readonly PathSegment[];
  /** Whether the destination goes on below its last `[*]` (the element is an object). */
  readonly elementHoldsFields: boolean;
}

class RuleProblem extends Error {
  constructor(
    readonly field: 'sourceType' | 'source' | 'destination',
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function build(rules: readonly MappingRule[]): { problems: MappingProblem[]; compiled: CompiledMappingSet } {
  const found: { index: number; problem: MappingProblem }[] = [];
  const good: CompiledRule[] = [];
  rules.forEach((rule, index) => {
    try {
      good.push(compileRule(rule, index));
    } catch (error) {
      if (!(error instanceof RuleProblem)) throw error;
      const problem = {
        pointer: `/mappings/${index}/${error.field}`,
        code: error.code,
        message: error.message,
      };
      found.push({ index, problem });
    }
  });
  const conflicting = new Set<number>();
  for (const { index, message } of destinationConflicts(good)) {
    found.push({
      index,
      problem: { pointer: `/mappings/${index}/destination`, code: 'conflicting-destination', message },
    });
    conflicting.add(index);
  }
  found.sort((a, b) => a.index - b.index);
  return {
    problems: found.map(({ problem }) => problem),
    compiled: new MappingSetRunner(good.filter((rule) => !conflicting.has(rule.index))),
  };
}

function compileRule(rule: MappingRule, index: number): CompiledRule {
  const sourceType: unknown = rule.sourceType;
  if (!(MAPPING_SOURCE_TYPES as readonly unknown[]).includes(sourceType)) {
    throw new RuleProblem(
      'sourceType',
      'invalid-source-type',
      `sourceType must be one of ${MAPPING_SOURCE_TYPES.join(', ')}`,
    );
  }
  const source = compileSource(rule);
  const target = pathOf(rule.destination, 'destination');
  const tooFar = target.segments.find(
    (segment) => segment.kind === 'index' && segment.index > MAX_DESTINATION_INDEX,
  );
  if (tooFar !== undefined) {
    throw new RuleProblem(
      'destination',
      'invalid-path',
      `a destination index may be at most ${MAX_DESTINATION_INDEX}`,
    );
  }
  if (source.iterations !== target.iterations) {
    const field = rule.sourceType === 'STATIC' ? 'destination' : 'source';
    throw new RuleProblem(
      field,
      'iteration-mismatch',
      iterationMessage(rule.sourceType, source.iterations, target.iterations),
    );
  }
  const levels = Array.from({ length: target.iterations }, (_, level) =>
    source.iteratedPaths
      .filter((path) => path.iterations > level)
      .map((path) =>
        path.segments.slice(
          0,
          path.segments.findIndex((segment) => segment.kind === 'each' && segment.level === level),
        ),
      ),
  );
  const elementPaths = target.segments.flatMap((segment, position) =>
    segment.kind === 'each' ? [target.segments.slice(0, position + 1)] : [],
  );
  return {
    index,
    destination: rule.destination,
    target,
    value: source.value,
    scalar: source.scalar,
    arraysOfLevel: levels,
    elementPaths,
    elementPath: elementPaths[elementPaths.length - 1] ?? [],
    elementHoldsFields: target.segments[target.segments.length - 1]?.kind !== 'each',
  };
}

function iterationMessage(sourceType: string, source: number, destination: number): string {
  if (sourceType === 'STATIC') {
    return 'a constant cannot fill [*] elements: name the source array in an expression, such as iif(items[*] == null, null, "USD")';
  }
  return `the source has ${source} [*] and the destination ${destination}: each [*] of the destination takes its elements from a [*] of the source`;
}

interface CompiledSource {
  readonly value: Evaluate;
  readonly iteratedPaths: readonly FieldPath[];
  readonly iterations: number;
  readonly scalar: boolean;
}

function compileSource(rule: MappingRule): CompiledSource {
  const source: unknown = rule.source;
  switch (rule.sourceType) {
    case 'ATTRIBUTE': {
      const path = pathOf(source, 'source');
      const { segments } = path;
      return {
        value: (scope) => readPath(scope.row, segments, scope.elements),
        iteratedPaths: path.iterations > 0 ? [path] : [],
        iterations: path.iterations,
        scalar: false,
      };
    }
    case 'STATIC': {
      const valid =
        typeof source === 'string' ||
        typeof source === 'boolean' ||
        (typeof source === 'number' && Number.isFinite(source));
      if (!valid)
        throw new RuleProblem('source', 'invalid-constant', 'a constant is a text, a number or a boolean');
      return { value: () => source, iteratedPaths: [], iterations: 0, scalar: true };
    }
    case 'EXPRESSION':
      return compileExpressionSource(source);
  }
}

function compileExpressionSource(source: unknown): CompiledSource {
  if (typeof source !== 'string') {
    throw new RuleProblem('source', 'invalid-expression', 'an expression is text');
  }
  if (source.trim() === '') throw new RuleProblem('source', 'invalid-expression', 'the expression is empty');
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new RuleProblem(
      'source',
      'expression-too-long',
      `an expression is at most ${MAX_EXPRESSION_LENGTH} characters`,
    );
  }
  try {
    const compiled = compileExpression(source);
    return {
      value: compiled.evaluate,
      iteratedPaths: compiled.iteratedPaths,
      iterations: compiled.iterations,
      scalar: compiled.scalar,
    };
  } catch (error) {
    if (error instanceof ExpressionCompileError) throw new RuleProblem('source', error.code, error.message);
    if (error instanceof RangeError)
      throw new RuleProblem('source', 'invalid-expression', 'the expression is nested too deeply');
    throw error;
  }
}

function pathOf(text: unknown, field: 'source' | 'destination'): FieldPath {
  if (typeof text !== 'string') throw new RuleProblem(field, 'invalid-path', `the ${field} must be a path`);
  try {
    return parseFieldPath(text.trim());
  } catch (error) {
    if (error instanceof PathSyntaxError) throw new RuleProblem(field, 'invalid-path', error.message);
    throw error;
  }
}

/**
 * Destinations that cannot all be written: the same field twice (`[*]` overlapping any `[n]`), one path using a
 * field as an object where another uses it as an array, or a field inside a value that is always a scalar. The
 * later rule of each pair is the one reported.
 */
function destinationConflicts(rules: readonly CompiledRule[]): { index: number; message: string }[] {
  const conflicts: { index: number; message: string }[] = [];
  const reported = new Set<number>();
  rules.forEach((later, position) => {
    for (const earlier of rules.slice(0, position)) {
      if (reported.has(earlier.index)) continue;
      const message = conflictBetween(earlier, later);
      if (message === undefined) continue;
      conflicts.push({ index: later.index, message });
      reported.add(later.index);
      break;
    }
  });
  return conflicts;
}

const containerWord = (segment: PathSegment) => (segment.kind === 'name' ? 'an object' : 'an array');

function conflictBetween(earlier: CompiledRule, later: CompiledRule): string | undefined {
  const [a, b] = [earlier.target.segments, later.target.segments];
  const shared = Math.min(a.length, b.length);
  for (let position = 0; position < shared; position++) {
    const [x, y] = [a[position]!, b[position]!];
    if ((x.kind === 'name') !== (y.kind === 'name')) {
      const field = describePath(b.slice(0, position));
      return `${field} is ${containerWord(y)} here but ${containerWord(x)} in mapping ${earlier.index}`;
    }
    if (!segmentsOverlap(x, y)) return undefined;
  }
  if (a.length === b.length) return `mapping ${earlier.index} writes the same destination`;
  if (a.length < b.length && earlier.scalar) {
    return `it lies inside the value of mapping ${earlier.index}, which is never an object`;
  }
  if (b.length < a.length && later.scalar) {
    return `mapping ${earlier.index} writes inside its value, which is never an object`;
  }
  return undefined;
}

function segmentsOverlap(x: PathSegment, y: PathSegment): boolean {
  if (x.kind === 'name' && y.kind === 'name') return x.name === y.name;
  if (x.kind === 'each' || y.kind === 'each') return true;
  return x.kind === 'index' && y.kind === 'index' && x.index === y.index;
}

class MappingSetRunner implements CompiledMappingSet {
  private readonly rules: readonly CompiledRule[];

  constructor(rules: readonly CompiledRule[]) {
    // Parents first: a shallower destination is written before the ones inside it (a stable sort keeps set order).
    this.rules = [...rules].sort((a, b) => a.target.segments.length - b.target.segments.length);
  }

  apply(row: unknown, context?: Partial<MappingContext>): MappedRow {
    const record: Record<string, unknown> = {};
    if (!isRecord(row)) {
      const message = `the row is ${kindWord(row)}, not an object`;
      return { record, warnings: [{ mapping: WHOLE_ROW, destination: '', code: 'invalid-row', message }] };
    }
    const budget = context?.budget ?? new MappingBudget();
    const scope: Scope = { row, elements: [], env: environment(row, context), budget };
    const warnings: MappingWarning[] = [];
    for (const rule of this.rules) {
      try {
        budget.step();
        applyRule(rule, scope, record);
      } catch (error) {
        if (isEvaluationBound(error)) return { record: {}, warnings, failure: warningOf(rule, error) };
        warnings.push(warningOf(rule, error));
      }
    }
    if (warnings.length > 1) warnings.sort((a, b) => a.mapping - b.mapping);
    return { record, warnings };
  }
}

function environment(
  row: Record<string, unknown>,
  context: Partial<MappingContext> | undefined,
): CallEnvironment {
  const clock = context?.now ?? (() => new Date());
  let time: Date | undefined;
  return { row, now: () => (time ??= clock()), uuid: context?.uuid ?? randomUUID };
}

function warningOf(rule: CompiledRule, error: unknown): MappingWarning {
  const base = { mapping: rule.index, destination: rule.destination };
  if (error instanceof MappingEvaluationError || isEvaluationBound(error))
    return { ...base, code: error.code, message: error.message };
  if (error instanceof DestinationConflict)
    return { ...base, code: 'destination-conflict', message: error.message };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : 'the mapping failed';
  return { ...base, code: 'expression-error', message };
}

function write(rule: CompiledRule, scope: Scope, record: Record<string, unknown>): void {
  const value = rule.value(scope);
  if (!isMissing(value))
    writePath(record, rule.target.segments, scope.elements, recordValue(value, scope.budget));
}

/**
 * The value as the record takes it (see `detach`), counted against the row's output bound; a number that is not
 * finite has no JSON form.
 */
function recordValue(value: unknown, budget: MappingBudget): unknown {
  if (typeof value === 'number' && !Number.isFinite(value))
    throw expressionError('the result is not a finite number');
  return detach(value, (size) => budget.receive(size));
}

function applyRule(rule: CompiledRule, scope: Scope, record: Record<string, unknown>): void {
  if (rule.target.iterations === 0) {
    write(rule, scope, record);
    return;
  }
  const failure: Failure = { first: undefined };
  iterate(rule, scope, record, 0, failure);
  if (failure.first !== undefined) throw failure.first;
}

interface Failure {
  first: Error | undefined;
}

/** Runs the rule for every element of level `level` (and below), keeping the first failure and going on. */
function iterate(
  rule: CompiledRule,
  scope: Scope,
  record: Record<string, unknown>,
  level: number,
  failure: Failure,
): void {
  const count = elementCount(rule, scope, level);
  const innermost = level === rule.target.iterations - 1;
  for (let element = 0; element < count; element++) {
    scope.elements[level] = element;
    try {
      scope.budget.step();
      if (!innermost) {
        iterate(rule, scope, record, level + 1, failure);
        continue;
      }
      writeElement(rule, scope, record);
    } catch (error) {
      // A bound ends the row; any other failure is the element's, and the next elements are still written.
      if (isEvaluationBound(error)) throw error;
      failure.first ??= inElement(error, rule, scope.elements.slice(0, level + 1));
    }
  }
}

/**
 * Writes the value of one element; when there is none (or it fails), the destination element is still made, so
 * that element i of the destination stays element i of the source.
 */
function writeElement(rule: CompiledRule, scope: Scope, record: Record<string, unknown>): void {
  let value: unknown;
  try {
    value = rule.value(scope);
  } finally {
    if (isMissing(value)) touchElement(record, rule.elementPath, rule.elementHoldsFields, scope.elements);
  }
  if (!isMissing(value))
    writePath(record, rule.target.segments, scope.elements, recordValue(value, scope.budget));
}

/** How many elements level `level` has: the longest of the arrays the rule's `[*]` paths reach there. */
function elementCount(rule: CompiledRule, scope: Scope, level: number): number {
  let count = 0;
  for (const arrayPath of rule.arraysOfLevel[level]!) {
    const array = readPath(scope.row, arrayPath, scope.elements);
    if (isMissing(array)) continue;
    if (!Array.isArray(array)) {
      throw new MappingEvaluationError(
        'path-error',
        `${describePath(arrayPath, scope.elements)} is not an array`,
      );
    }
    count = Math.max(count, array.length);
  }
  return count;
}

/** The error of one element, its message saying which (`productListItems[1]: …`). */
function inElement(error: unknown, rule: CompiledRule, elements: readonly number[]): Error {
  const where = `${describePath(rule.elementPaths[elements.length - 1]!, elements)}: `;
  if (error instanceof MappingEvaluationError)
    return new MappingEvaluationError(error.code, where + error.message);
  if (error instanceof DestinationConflict) return new DestinationConflict(where + error.message);
  return error instanceof Error ? error : new Error(String(error));
}
