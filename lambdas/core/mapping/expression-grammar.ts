/**
 * Data Prep's expression syntax on top of jsep (a small, maintained expression parser that leaves evaluation to
 * us). jsep brings literals, precedence, calls, member access, array literals and `?:`; two plugins add what Data
 * Prep has besides:
 * - field paths as single tokens: `address.street\.name`, `${first name}`, `emails[0].address`, `items[*].sku`;
 * - map literals `{"key": value}` (as JEXL writes them).
 * And the operator table becomes JEXL's: the word forms `and or not eq ne lt gt le ge div mod`, without
 * JavaScript's bitwise, strict-equality, exponent and nullish operators.
 *
 * jsep's grammar is global to the process; this module owns it (nothing else in Tributary parses with jsep).
 */
import jsep from 'jsep';
import { readWrapped, PathSyntaxError, type PathSegment } from './field-path';

/** A field path token: segments as `field-path.ts` reads them. */
export interface FieldPathNode extends jsep.Expression {
  readonly type: 'FieldPath';
  readonly segments: readonly PathSegment[];
  readonly iterations: number;
}

export interface MapLiteralNode extends jsep.Expression {
  readonly type: 'MapLiteral';
  readonly entries: readonly { readonly key: string; readonly value: jsep.Expression }[];
}

/** Words that are operators or literals, or reserved by Data Prep: a field of such a name is written `${name}`. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'new',
  'mod',
  'or',
  'break',
  'var',
  'lt',
  'for',
  'false',
  'while',
  'eq',
  'gt',
  'div',
  'not',
  'null',
  'continue',
  'else',
  'and',
  'ne',
  'true',
  'le',
  'if',
  'ge',
  'return',
  '_errors',
]);

/** Word operators, by jsep precedence (JEXL's order: or < and < equality < relation < additive < multiplicative). */
const WORD_OPERATORS: readonly (readonly [string, number])[] = [
  ['or', 1],
  ['and', 2],
  ['eq', 6],
  ['ne', 6],
  ['lt', 7],
  ['gt', 7],
  ['le', 7],
  ['ge', 7],
  ['div', 10],
  ['mod', 10],
];

const JAVASCRIPT_ONLY_BINARY = ['|', '^', '&', '===', '!==', '<<', '>>', '>>>', '**', '??'];
const JAVASCRIPT_ONLY_UNARY = ['~', '+'];

const DOLLAR = 36;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const BACKSLASH = 92;
const PERIOD = 46;
const OPEN_BRACKET = 91;
const OPEN_PAREN = 40;
const COLON = 58;
const COMMA = 44;
const SINGLE_QUOTE = 39;
const DOUBLE_QUOTE = 34;

/** jsep's identifier characters: letters, `$`, `_`, and any character past ASCII. */
const isNameStart = (code: number) =>
  (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === DOLLAR || code === 95 || code >= 128;
const isNamePart = (code: number) => isNameStart(code) || (code >= 48 && code <= 57);

interface ScannedPath {
  readonly segments: PathSegment[];
  readonly iterations: number;
  /** Where each segment started, to step back before a trailing method name (`name.equals(`). */
  readonly starts: number[];
  /** Whether any segment was written `${…}` or with `\` (such a path is never a word or a function name). */
  readonly quoted: boolean;
  /** Whether the first segment was, which frees it from the reserved words. */
  readonly firstQuoted: boolean;
}

/** Reads a field path starting at `scope.index`, leaving the index after it. Throws on a malformed wrapped name. */
function scanPath(scope: jsep.HookScope): ScannedPath {
  const { expr } = scope;
  const segments: PathSegment[] = [];
  const starts: number[] = [];
  let iterations = 0;
  let quoted = false;
  let index = scope.index;
  const readName = (): boolean => {
    starts.push(index);
    if (expr.charCodeAt(index) === DOLLAR && expr.charCodeAt(index + 1) === OPEN_BRACE) {
      const { name, end } = readWrapped(expr, index);
      segments.push({ kind: 'name', name });
      index = end;
      quoted = true;
      return true;
    }
    if (!isNameStart(expr.charCodeAt(index))) {
      starts.pop();
      return false;
    }
    let name = '';
    while (index < expr.length) {
      const code = expr.charCodeAt(index);
      if (code === BACKSLASH && index + 1 < expr.length) {
        name += expr[index + 1];
        index += 2;
        quoted = true;
      } else if (isNamePart(code)) {
        name += expr[index];
        index += 1;
      } else {
        break;
      }
    }
    segments.push({ kind: 'name', name });
    return true;
  };
  readName();
  const firstQuoted = quoted;
  for (;;) {
    const code = expr.charCodeAt(index);
    if (code === PERIOD) {
      const before = index;
      index += 1;
      if (!readName()) {
        index = before;
        break;
      }
    } else if (code === OPEN_BRACKET) {
      const close = expr.indexOf(']', index);
      const inside = close < 0 ? '' : expr.slice(index + 1, close);
      if (inside === '*') segments.push({ kind: 'each', level: iterations++ });
      else if (/^\d{1,9}$/.test(inside)) segments.push({ kind: 'index', index: Number(inside) });
      else break;
      starts.push(index);
      index = close + 1;
    } else {
      break;
    }
  }
  scope.index = index;
  return { segments, iterations, starts, quoted, firstQuoted };
}

function nextNonSpace(expr: string, index: number): number {
  let at = index;
  while (at < expr.length && /\s/.test(expr[at]!)) at += 1;
  return expr.charCodeAt(at);
}

const fieldPaths: jsep.IPlugin = {
  name: 'data-prep-field-paths',
  init() {
    jsep.hooks.add(
      'gobble-token',
      function gobbleFieldPath(this: jsep.HookScope, env: { node?: jsep.Expression }) {
        const start = this.index;
        const code = this.code;
        const wrapped = code === DOLLAR && this.expr.charCodeAt(start + 1) === OPEN_BRACE;
        if (!wrapped && !isNameStart(code)) return;
        let path: ScannedPath;
        try {
          path = scanPath(this);
        } catch (error) {
          if (error instanceof PathSyntaxError) this.throwError(error.message);
          throw error;
        }
        const first = path.segments[0] as { name: string };
        const single = path.segments.length === 1 && !path.quoted;
        const calls = nextNonSpace(this.expr, this.index) === OPEN_PAREN;
        // Literals, `not` and function names are jsep's to read.
        if (single && (calls || ['true', 'false', 'null', 'not'].includes(first.name))) {
          this.index = start;
          return;
        }
        if (!path.firstQuoted && RESERVED_WORDS.has(first.name)) {
          this.throwError(
            `"${first.name}" is a reserved word: write a field of that name as \${${first.name}}`,
          );
        }
        let segments = path.segments;
        const last = segments[segments.length - 1]!;
        // `name.equals(…)`: the path ends before the method, which jsep reads as a member call.
        if (calls && segments.length > 1 && last.kind === 'name') {
          this.index = path.starts[path.starts.length - 1]! - 1;
          segments = segments.slice(0, -1);
        }
        const iterations = segments.filter((segment) => segment.kind === 'each').length;
        const node: FieldPathNode = { type: 'FieldPath', segments, iterations };
        env.node = this.gobbleTokenProperty(node);
      },
    );
  },
};

/** The character code at the parser's position (a call, so that TypeScript does not narrow it between moves). */
const charAt = (scope: jsep.HookScope): number => scope.expr.charCodeAt(scope.index);

const mapLiterals: jsep.IPlugin = {
  name: 'data-prep-map-literals',
  init() {
    jsep.hooks.add(
      'gobble-token',
      function gobbleMapLiteral(this: jsep.HookScope, env: { node?: jsep.Expression }) {
        if (charAt(this) !== OPEN_BRACE) return;
        this.index += 1;
        const entries: { key: string; value: jsep.Expression }[] = [];
        for (;;) {
          this.gobbleSpaces();
          if (charAt(this) === CLOSE_BRACE) break;
          if (entries.length > 0) {
            if (charAt(this) !== COMMA) this.throwError('expected "," or "}" in a map literal');
            this.index += 1;
            this.gobbleSpaces();
          }
          const keyNode =
            charAt(this) === SINGLE_QUOTE || charAt(this) === DOUBLE_QUOTE
              ? this.gobbleStringLiteral()
              : this.gobbleIdentifier();
          const key =
            keyNode?.type === 'Literal'
              ? String((keyNode as jsep.Literal).value)
              : (keyNode as jsep.Identifier).name;
          this.gobbleSpaces();
          if (charAt(this) !== COLON) this.throwError('expected ":" after a key of a map literal');
          this.index += 1;
          const value = this.gobbleExpression();
          if (!value) this.throwError('expected a value in a map literal');
          entries.push({ key, value });
        }
        this.index += 1;
        const node: MapLiteralNode = { type: 'MapLiteral', entries };
        env.node = this.gobbleTokenProperty(node);
      },
    );
  },
};

for (const operator of JAVASCRIPT_ONLY_BINARY) jsep.removeBinaryOp(operator);
for (const operator of JAVASCRIPT_ONLY_UNARY) jsep.removeUnaryOp(operator);
for (const [operator, precedence] of WORD_OPERATORS) jsep.addBinaryOp(operator, precedence);
jsep.addUnaryOp('not');
jsep.plugins.register(fieldPaths, mapLiterals);

export class ExpressionSyntaxError extends Error {
  override readonly name = 'ExpressionSyntaxError';
}

/** The syntax tree of one expression; throws `ExpressionSyntaxError` with jsep's message and position. */
export function parseExpression(text: string): jsep.Expression {
  try {
    return jsep(text);
  } catch (error) {
    if (error instanceof RangeError) throw new ExpressionSyntaxError('the expression is nested too deeply');
    throw new ExpressionSyntaxError((error as Error).message);
  }
}
