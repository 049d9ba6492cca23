/**
 * Turns an expression's syntax tree into a tree of closures, once per mapping set: applying it to a row is a walk
 * of plain function calls, with no parsing, no name lookups and no `eval`. Functions are resolved, their arity
 * checked and `[*]` paths collected at compile time.
 *
 * Semantics, following JEXL as Data Prep uses it: identifiers and paths read the source row (own fields only);
 * `+` joins text when either side is text and adds numbers otherwise; arithmetic reads numeric text as numbers
 * (CSV columns are text) and gives missing when a side is missing; comparisons with a missing side are false;
 * `&&`, `||`, `?:` and `iif` evaluate only what they need.
 */
import type jsep from 'jsep';
import { setOwn } from '../own-property';
import type { FieldPathNode, MapLiteralNode } from './expression-grammar';
import { parseExpression, ExpressionSyntaxError } from './expression-grammar';
import {
  compareValues,
  isMissing,
  isRecord,
  isTruthy,
  numberOf,
  textOf,
  valuesEqual,
} from './expression-values';
import { readPath, type FieldPath } from './field-path';
import { findFunction } from './functions/function-library';
import {
  checkBuiltLength,
  expressionError,
  kindWord,
  MAPPING_LIMIT_EXCEEDED,
  MappingEvaluationError,
  MappingLimitError,
  type CallEnvironment,
  type ConstantArgument,
  type MappingFunction,
} from './functions/function-types';
import type { MappingBudget } from './mapping-budget';
import { equalIgnoringCase, strictlyEqual } from './functions/string-functions';

/** What an expression sees while it is evaluated. Mutable and reused across the elements of a row. */
export interface Scope {
  row: Record<string, unknown>;
  /** Element index of each `[*]` level of the rule being applied. */
  elements: number[];
  env: CallEnvironment;
  /** What the row may still cost: each function call is a step. */
  budget: MappingBudget;
}

export type Evaluate = (scope: Scope) => unknown;

export interface CompiledExpression {
  readonly evaluate: Evaluate;
  /** The paths with `[*]`: their arrays decide how many elements each level has. */
  readonly iteratedPaths: readonly FieldPath[];
  /** The most `[*]` any path of the expression has. */
  readonly iterations: number;
  /** Whether the result is always a scalar, so that no destination can lie inside it. */
  readonly scalar: boolean;
}

/** Why an expression cannot be compiled; `code` is a MappingProblem code. */
export class ExpressionCompileError extends Error {
  override readonly name = 'ExpressionCompileError';
  constructor(
    readonly code:
      | 'invalid-expression'
      | 'unknown-function'
      | 'wrong-arity'
      | 'invalid-argument'
      | typeof MAPPING_LIMIT_EXCEEDED,
    message: string,
  ) {
    super(message);
  }
}

interface Compiled {
  readonly evaluate: Evaluate;
  readonly scalar: boolean;
  /** Set for a literal: its value, known when the set is compiled. */
  readonly constant?: ConstantArgument;
}

const OPERATOR_WORDS: Readonly<Record<string, string>> = {
  and: '&&',
  or: '||',
  not: '!',
  eq: '==',
  ne: '!=',
  lt: '<',
  gt: '>',
  le: '<=',
  ge: '>=',
  div: '/',
  mod: '%',
};

function arithmetic(operator: string, compute: (left: number, right: number) => number) {
  return (left: unknown, right: unknown): unknown => {
    if (isMissing(left) || isMissing(right)) return undefined;
    const [a, b] = [numberOf(left), numberOf(right)];
    if (a === undefined || b === undefined) {
      throw expressionError(
        `the operator ${operator} needs numbers, not ${kindWord(left)} and ${kindWord(right)}`,
      );
    }
    const result = compute(a, b);
    if (!Number.isFinite(result)) {
      throw expressionError(
        `the operator ${operator}: ${b === 0 ? 'division by zero' : 'the result is not a finite number'}`,
      );
    }
    return result;
  };
}

const addNumbers = arithmetic('+', (a, b) => a + b);

function plus(left: unknown, right: unknown): unknown {
  if (typeof left !== 'string' && typeof right !== 'string') return addNumbers(left, right);
  const [a, b] = [isMissing(left) ? '' : textOf(left), isMissing(right) ? '' : textOf(right)];
  if (a === undefined || b === undefined) {
    throw expressionError(`the operator + cannot join ${kindWord(left)} and ${kindWord(right)} as text`);
  }
  checkBuiltLength('the operator +', a.length + b.length);
  return a + b;
}

function relation(operator: string, holds: (order: number) => boolean) {
  return (left: unknown, right: unknown): boolean => {
    if (isMissing(left) || isMissing(right)) return false;
    const order = compareValues(left, right);
    if (order === undefined) {
      throw expressionError(
        `the operator ${operator} cannot compare ${kindWord(left)} with ${kindWord(right)}`,
      );
    }
    return holds(order);
  };
}

const BINARY_OPERATORS: Readonly<Record<string, (left: unknown, right: unknown) => unknown>> = {
  '==': valuesEqual,
  '!=': (left, right) => !valuesEqual(left, right),
  '<': relation('<', (order) => order < 0),
  '>': relation('>', (order) => order > 0),
  '<=': relation('<=', (order) => order <= 0),
  '>=': relation('>=', (order) => order >= 0),
  '+': plus,
  '-': arithmetic('-', (a, b) => a - b),
  '*': arithmetic('*', (a, b) => a * b),
  '/': arithmetic('/', (a, b) => a / b),
  '%': arithmetic('%', (a, b) => a % b),
};

function negate(value: unknown): unknown {
  if (isMissing(value)) return undefined;
  const number = numberOf(value);
  if (number === undefined) throw expressionError(`the operator - needs a number, not ${kindWord(value)}`);
  return -number;
}

function fieldOf(value: unknown, key: unknown): unknown {
  if (typeof key === 'number') return Array.isArray(value) && Number.isInteger(key) ? value[key] : undefined;
  if (typeof key !== 'string') return undefined;
  return isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

interface Method {
  readonly scalar: boolean;
  readonly call: (receiver: unknown, argument: unknown) => unknown;
}

/** Methods Data Prep documents on values: `s1.equals(s2)`, `s1.equalsIgnoreCase(s2)`, `str_to_object(…).get(k)`. */
const METHODS: Readonly<Record<string, Method>> = {
  equals: { scalar: true, call: strictlyEqual },
  equalsignorecase: { scalar: true, call: equalIgnoringCase },
  get: { scalar: false, call: fieldOf },
};

const constant = (value: unknown): Compiled => ({ evaluate: () => value, scalar: true, constant: { value } });

/** Runs a function's compile-time check of its literal arguments, as a compile error of the expression. */
function checkConstants(definition: MappingFunction, args: readonly Compiled[]): void {
  try {
    definition.checkConstants?.(args.map((argument) => argument.constant));
  } catch (error) {
    if (error instanceof MappingLimitError)
      throw new ExpressionCompileError(MAPPING_LIMIT_EXCEEDED, error.message);
    if (error instanceof MappingEvaluationError)
      throw new ExpressionCompileError('invalid-argument', error.message);
    throw error;
  }
}

class Compiler {
  readonly iteratedPaths: FieldPath[] = [];

  compile(node: jsep.Expression): Compiled {
    switch (node.type) {
      case 'Literal':
        return constant((node as jsep.Literal).value);
      case 'FieldPath':
        return this.fieldPath(node as FieldPathNode);
      case 'ArrayExpression':
        return this.array(node as jsep.ArrayExpression);
      case 'MapLiteral':
        return this.map(node as MapLiteralNode);
      case 'UnaryExpression':
        return this.unary(node as jsep.UnaryExpression);
      case 'BinaryExpression':
        return this.binary(node as jsep.BinaryExpression);
      case 'ConditionalExpression': {
        const { test, consequent, alternate } = node as jsep.ConditionalExpression;
        return this.conditional(this.compile(test), this.compile(consequent), this.compile(alternate));
      }
      case 'MemberExpression':
        return this.member(node as jsep.MemberExpression);
      case 'CallExpression':
        return this.call(node as jsep.CallExpression);
      case 'Compound':
        throw new ExpressionCompileError('invalid-expression', 'one expression is expected, not several');
      default:
        throw new ExpressionCompileError(
          'invalid-expression',
          `${describeNode(node)} is not part of the expression language`,
        );
    }
  }

  private fieldPath(node: FieldPathNode): Compiled {
    const { segments } = node;
    if (node.iterations > 0) this.iteratedPaths.push({ segments, iterations: node.iterations });
    if (segments.length === 1 && segments[0]!.kind === 'name') {
      const { name } = segments[0]!;
      return {
        evaluate: (scope) => (Object.hasOwn(scope.row, name) ? scope.row[name] : undefined),
        scalar: false,
      };
    }
    return { evaluate: (scope) => readPath(scope.row, segments, scope.elements), scalar: false };
  }

  private array(node: jsep.ArrayExpression): Compiled {
    const elements = node.elements.map((element) => {
      if (element === null)
        throw new ExpressionCompileError('invalid-expression', 'an array literal has an empty element');
      return this.compile(element).evaluate;
    });
    return { evaluate: (scope) => elements.map((element) => element(scope) ?? null), scalar: false };
  }

  private map(node: MapLiteralNode): Compiled {
    const entries = node.entries.map(({ key, value }) => ({ key, value: this.compile(value).evaluate }));
    return {
      evaluate: (scope) => {
        const object: Record<string, unknown> = {};
        for (const { key, value } of entries) {
          const computed = value(scope);
          if (!isMissing(computed)) setOwn(object, key, computed);
        }
        return object;
      },
      scalar: false,
    };
  }

  private unary(node: jsep.UnaryExpression): Compiled {
    const operator = OPERATOR_WORDS[node.operator] ?? node.operator;
    const argument = this.compile(node.argument).evaluate;
    if (operator === '!') return { evaluate: (scope) => !isTruthy(argument(scope)), scalar: true };
    if (operator === '-') return { evaluate: (scope) => negate(argument(scope)), scalar: true };
    throw new ExpressionCompileError('invalid-expression', `the operator ${node.operator} is not supported`);
  }

  private binary(node: jsep.BinaryExpression): Compiled {
    const operator = OPERATOR_WORDS[node.operator] ?? node.operator;
    const left = this.compile(node.left).evaluate;
    const right = this.compile(node.right).evaluate;
    if (operator === '&&')
      return { evaluate: (scope) => isTruthy(left(scope)) && isTruthy(right(scope)), scalar: true };
    if (operator === '||')
      return { evaluate: (scope) => isTruthy(left(scope)) || isTruthy(right(scope)), scalar: true };
    const apply = BINARY_OPERATORS[operator];
    if (apply === undefined)
      throw new ExpressionCompileError(
        'invalid-expression',
        `the operator ${node.operator} is not supported`,
      );
    if (operator === '+') {
      // `+` joins texts: what it builds counts towards the row's bound, as a function's result does.
      return {
        evaluate: (scope) => {
          const result = apply(left(scope), right(scope));
          if (typeof result === 'string') scope.budget.build('the operator +', result.length);
          return result;
        },
        scalar: true,
      };
    }
    return { evaluate: (scope) => apply(left(scope), right(scope)), scalar: true };
  }

  private conditional(test: Compiled, whenTrue: Compiled, whenFalse: Compiled): Compiled {
    return {
      evaluate: (scope) =>
        isTruthy(test.evaluate(scope)) ? whenTrue.evaluate(scope) : whenFalse.evaluate(scope),
      scalar: whenTrue.scalar && whenFalse.scalar,
    };
  }

  private member(node: jsep.MemberExpression): Compiled {
    const object = this.compile(node.object).evaluate;
    if (!node.computed) {
      const name = (node.property as jsep.Identifier).name;
      return { evaluate: (scope) => fieldOf(object(scope), name), scalar: false };
    }
    const property = this.compile(node.property).evaluate;
    return { evaluate: (scope) => fieldOf(object(scope), property(scope)), scalar: false };
  }

  private call(node: jsep.CallExpression): Compiled {
    const { callee } = node;
    if (callee.type === 'MemberExpression' && !(callee as jsep.MemberExpression).computed) {
      return this.method(callee as jsep.MemberExpression, node.arguments);
    }
    if (callee.type !== 'Identifier') {
      throw new ExpressionCompileError(
        'invalid-expression',
        `${describeNode(callee)} cannot be called: only functions and the methods equals, equalsIgnoreCase and get can`,
      );
    }
    const name = (callee as jsep.Identifier).name;
    const definition = findFunction(name);
    if (definition === undefined)
      throw new ExpressionCompileError('unknown-function', `unknown function ${name}()`);
    const count = node.arguments.length;
    const canonical = definition.names[0]!;
    if (
      count < definition.minArgs ||
      count > definition.maxArgs ||
      (definition.pairs === true && count % 2 === 1)
    ) {
      throw new ExpressionCompileError(
        'wrong-arity',
        `${canonical}() takes ${arityText(definition)}, not ${count}`,
      );
    }
    const args = node.arguments.map((argument) => this.compile(argument));
    checkConstants(definition, args);
    if (canonical === 'iif') return this.conditional(args[0]!, args[1]!, args[2]!);
    const evaluators = args.map((argument) => argument.evaluate);
    const call = definition.call;
    return {
      evaluate: (scope) => {
        const values = new Array<unknown>(evaluators.length);
        for (let index = 0; index < evaluators.length; index++) values[index] = evaluators[index]!(scope);
        scope.budget.step();
        const result = call(values, scope.env);
        // Functions check what they build before building it; this catches any that grows a value by other means.
        if (typeof result === 'string' || Array.isArray(result)) {
          checkBuiltLength(canonical, result.length);
          scope.budget.build(canonical, result.length);
        }
        return result;
      },
      scalar: definition.scalar,
    };
  }

  private method(callee: jsep.MemberExpression, argumentNodes: jsep.Expression[]): Compiled {
    const name = (callee.property as jsep.Identifier).name;
    const method = METHODS[name.toLowerCase()];
    if (method === undefined) {
      throw new ExpressionCompileError(
        'unknown-function',
        `unknown method .${name}(): the methods are equals, equalsIgnoreCase and get`,
      );
    }
    if (argumentNodes.length !== 1) {
      throw new ExpressionCompileError(
        'wrong-arity',
        `.${name}() takes 1 argument, not ${argumentNodes.length}`,
      );
    }
    const receiver = this.compile(callee.object).evaluate;
    const argument = this.compile(argumentNodes[0]!).evaluate;
    return { evaluate: (scope) => method.call(receiver(scope), argument(scope)), scalar: method.scalar };
  }
}

function arityText(definition: { minArgs: number; maxArgs: number; pairs?: boolean }): string {
  const { minArgs, maxArgs } = definition;
  if (definition.pairs === true) return 'key/value pairs (an even number of arguments)';
  if (minArgs === maxArgs) return `${minArgs} argument${minArgs === 1 ? '' : 's'}`;
  if (maxArgs === Infinity) return `at least ${minArgs} argument${minArgs === 1 ? '' : 's'}`;
  return `${minArgs} to ${maxArgs} arguments`;
}

function describeNode(node: jsep.Expression): string {
  switch (node.type) {
    case 'SequenceExpression':
      return 'a comma-separated sequence';
    case 'ThisExpression':
      return '"this"';
    case 'CallExpression':
      return 'the result of a call';
    case 'FieldPath':
      return 'a field';
    default:
      return `a ${node.type}`;
  }
}

/** Compiles one expression; throws `ExpressionCompileError`. */
export function compileExpression(text: string): CompiledExpression {
  let tree: jsep.Expression;
  try {
    tree = parseExpression(text);
  } catch (error) {
    if (error instanceof ExpressionSyntaxError)
      throw new ExpressionCompileError('invalid-expression', error.message);
    throw error;
  }
  const compiler = new Compiler();
  const { evaluate, scalar } = compiler.compile(tree);
  const iterations = Math.max(0, ...compiler.iteratedPaths.map((path) => path.iterations));
  return { evaluate, iteratedPaths: compiler.iteratedPaths, iterations, scalar };
}
