/**
 * Data Prep's string functions (data-prep/functions.md#string). A missing first argument gives a missing result
 * (the destination is left out, without a warning); positions are 0-based.
 */
import { isMissing, valuesEqual } from '../expression-values';
import { boundedInput, literalPatternCheck, regexOf } from './bounded-regex';
import {
  checkBuiltLength,
  defineFunction,
  expressionError,
  requiredInteger,
  requiredText,
  spreadSingleArray,
  textArg,
  withConstantCheck,
  type MappingFunction,
} from './function-types';

const concat = defineFunction('concat', 1, Infinity, true, (args) => {
  const texts = args.flatMap((_, index) => textArg('concat', args, index, 'text') ?? []);
  if (texts.length === 0) return undefined;
  checkBuiltLength(
    'concat',
    texts.reduce((sum, text) => sum + text.length, 0),
  );
  return texts.join('');
});

const explode = withConstantCheck(
  defineFunction('explode', 1, 2, true, (args) => {
    const text = textArg('explode', args, 0, 'input');
    if (text === undefined) return undefined;
    const pattern = textArg('explode', args, 1, 'regex') ?? ',';
    return regexOf('explode', pattern).split(boundedInput('explode', text));
  }),
  literalPatternCheck('explode', 1),
);

/** 0-based, as Experience Platform's example gives it (`instr("adobe.com", "com")` is 6); -1 when absent. */
const instr = defineFunction('instr', 2, 4, true, (args) => {
  const text = textArg('instr', args, 0, 'input');
  if (text === undefined) return undefined;
  const sought = requiredText('instr', args, 1, 'substring');
  const start = args.length > 2 ? requiredInteger('instr', args, 2, 'start position') : 0;
  const occurrence = args.length > 3 ? requiredInteger('instr', args, 3, 'occurrence') : 1;
  if (start < 0) throw expressionError('instr: argument 3 (start position) must be 0 or more');
  if (occurrence < 1) throw expressionError('instr: argument 4 (occurrence) must be 1 or more');
  let found = text.indexOf(sought, start);
  for (let count = 1; count < occurrence && found >= 0; count++) found = text.indexOf(sought, found + 1);
  return found;
});

const replacestr = defineFunction('replacestr', 3, 3, true, (args) => {
  const text = textArg('replacestr', args, 0, 'input');
  if (text === undefined) return undefined;
  const find = requiredText('replacestr', args, 1, 'to find');
  const replacement = requiredText('replacestr', args, 2, 'to replace');
  const occurrences = find === '' ? text.length + 1 : text.split(find).length - 1;
  checkBuiltLength('replacestr', text.length + occurrences * (replacement.length - find.length));
  return text.replaceAll(find, replacement);
});

const substr = defineFunction('substr', 2, 3, true, (args) => {
  const text = textArg('substr', args, 0, 'input');
  if (text === undefined) return undefined;
  const start = requiredInteger('substr', args, 1, 'start index');
  const length = args.length > 2 ? requiredInteger('substr', args, 2, 'length') : text.length;
  if (start < 0) throw expressionError('substr: argument 2 (start index) must be 0 or more');
  if (length < 0) throw expressionError('substr: argument 3 (length) must be 0 or more');
  return text.slice(start, start + length);
});

const lower = defineFunction(['lower', 'lcase'], 1, 1, true, (args) =>
  textArg('lower', args, 0, 'input')?.toLowerCase(),
);
const upper = defineFunction(['upper', 'ucase'], 1, 1, true, (args) =>
  textArg('upper', args, 0, 'input')?.toUpperCase(),
);

/** Splits on any of the separator's characters and keeps only the non-empty parts (the newer documented behaviour). */
const split = defineFunction('split', 2, 2, true, (args) => {
  const text = textArg('split', args, 0, 'input');
  if (text === undefined) return undefined;
  const separators = new Set(requiredText('split', args, 1, 'separator'));
  if (separators.size === 0) throw expressionError('split: argument 2 (separator) is empty');
  const parts: string[] = [];
  let current = '';
  for (const char of text) {
    if (separators.has(char)) {
      if (current !== '') parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current !== '') parts.push(current);
  return parts;
});

const join = defineFunction('join', 2, Infinity, true, (args) => {
  const separator = requiredText('join', args, 0, 'separator');
  const values = spreadSingleArray(args.slice(1));
  const texts: string[] = [];
  values.forEach((_, index) => {
    const text = textArg('join', values, index, 'value');
    if (text !== undefined) texts.push(text);
  });
  const length = texts.reduce((sum, text) => sum + text.length, 0);
  checkBuiltLength('join', length + separator.length * Math.max(0, texts.length - 1));
  return texts.join(separator);
});

function pad(fn: 'lpad' | 'rpad', args: readonly unknown[]): string | undefined {
  const text = textArg(fn, args, 0, 'input');
  if (text === undefined) return undefined;
  const count = requiredInteger(fn, args, 1, 'count');
  checkBuiltLength(fn, count);
  const padding = textArg(fn, args, 2, 'padding') || ' ';
  return fn === 'lpad' ? text.padStart(count, padding) : text.padEnd(count, padding);
}

/** A literal count over the bound could never be padded to: refused when the set is created. */
const padCountCheck =
  (fn: 'lpad' | 'rpad'): NonNullable<MappingFunction['checkConstants']> =>
  (constants) => {
    const count = constants[1]?.value;
    if (typeof count === 'number') checkBuiltLength(fn, count);
  };

const lpad = withConstantCheck(
  defineFunction('lpad', 3, 3, true, (args) => pad('lpad', args)),
  padCountCheck('lpad'),
);
const rpad = withConstantCheck(
  defineFunction('rpad', 3, 3, true, (args) => pad('rpad', args)),
  padCountCheck('rpad'),
);

function edge(fn: 'left' | 'right', args: readonly unknown[]): string | undefined {
  const text = textArg(fn, args, 0, 'input');
  if (text === undefined) return undefined;
  const count = requiredInteger(fn, args, 1, 'count');
  if (count < 0) throw expressionError(`${fn}: argument 2 (count) must be 0 or more`);
  return fn === 'left' ? text.slice(0, count) : text.slice(Math.max(0, text.length - count));
}

const left = defineFunction('left', 2, 2, true, (args) => edge('left', args));
const right = defineFunction('right', 2, 2, true, (args) => edge('right', args));
const ltrim = defineFunction('ltrim', 1, 1, true, (args) => textArg('ltrim', args, 0, 'input')?.trimStart());
const rtrim = defineFunction('rtrim', 1, 1, true, (args) => textArg('rtrim', args, 0, 'input')?.trimEnd());
const trim = defineFunction('trim', 1, 1, true, (args) => textArg('trim', args, 0, 'input')?.trim());

/** Java's `equals`: values of one type and the same content (no number-to-text conversion); missing equals missing. */
export function strictlyEqual(left: unknown, right: unknown): boolean {
  if (isMissing(left) || isMissing(right)) return isMissing(left) && isMissing(right);
  return (
    typeof left === typeof right && Array.isArray(left) === Array.isArray(right) && valuesEqual(left, right)
  );
}

export function equalIgnoringCase(left: unknown, right: unknown): boolean {
  if (typeof left === 'string' && typeof right === 'string')
    return left.toLowerCase() === right.toLowerCase();
  return strictlyEqual(left, right);
}

const equals = defineFunction('equals', 2, 2, true, (args) => strictlyEqual(args[0], args[1]));
const equalsIgnoreCase = defineFunction('equalsignorecase', 2, 2, true, (args) =>
  equalIgnoringCase(args[0], args[1]),
);

export const STRING_FUNCTIONS: readonly MappingFunction[] = [
  concat,
  explode,
  instr,
  replacestr,
  substr,
  lower,
  upper,
  split,
  join,
  lpad,
  rpad,
  left,
  right,
  ltrim,
  rtrim,
  trim,
  equals,
  equalsIgnoreCase,
];
