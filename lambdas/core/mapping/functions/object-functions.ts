/**
 * Data Prep's object (hierarchy) functions. Objects are JSON objects; a key repeated in the input keeps its first
 * value. Keys given as numbers or booleans are used as their text.
 */
import { setOwn } from '../../own-property';
import { parseFieldPath, PathSyntaxError, readPath, type FieldPath } from '../field-path';
import { isMissing, isRecord } from '../expression-values';
import {
  arrayArg,
  checkBuiltLength,
  defineFunction,
  definePairsFunction,
  expressionError,
  recordArg,
  requiredText,
  textArg,
  type MappingFunction,
} from './function-types';

const isEmpty = defineFunction('is_empty', 1, 1, true, ([value]) => {
  if (isMissing(value) || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.keys(value).length === 0;
});

/** An object of `key, value, key, value…` arguments; a missing value leaves its key out. */
export function objectOfPairs(fn: string, args: readonly unknown[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (let index = 0; index < args.length; index += 2) {
    const key = requiredText(fn, args, index, 'key');
    const value = args[index + 1];
    if (!isMissing(value) && !Object.hasOwn(object, key)) setOwn(object, key, value);
  }
  return object;
}

const toObject = definePairsFunction('to_object', (args) => objectOfPairs('to_object', args));

/** `arrays_to_object('sku', skus, 'price', prices)` → `[{sku, price}, …]`, as long as the longest array. */
const arraysToObject = definePairsFunction('arrays_to_object', (args) => {
  const columns: { key: string; values: readonly unknown[] }[] = [];
  for (let index = 0; index < args.length; index += 2) {
    const key = requiredText('arrays_to_object', args, index, 'key');
    columns.push({ key, values: arrayArg('arrays_to_object', args, index + 1, 'values') ?? [] });
  }
  const length = Math.max(...columns.map((column) => column.values.length));
  checkBuiltLength('arrays_to_object', length * columns.length, 'objects');
  return Array.from({ length }, (_, row) =>
    objectOfPairs(
      'arrays_to_object',
      columns.flatMap((column) => [column.key, column.values[row]]),
    ),
  );
});

/** Key/value pairs in a text: `firstName=John,lastName=Doe` with `=` and `,`; keys and values are trimmed. */
export function pairsInText(
  text: string,
  valueDelimiter: string,
  fieldDelimiter: string,
): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const field of text.split(fieldDelimiter)) {
    const at = field.indexOf(valueDelimiter);
    if (at < 0) continue;
    const key = field.slice(0, at).trim();
    if (key !== '' && !Object.hasOwn(object, key))
      setOwn(object, key, field.slice(at + valueDelimiter.length).trim());
  }
  return object;
}

const delimiter = (fn: string, args: readonly unknown[], index: number, label: string, fallback: string) =>
  textArg(fn, args, index, label) || fallback;

const strToObject = defineFunction('str_to_object', 1, 3, false, (args) => {
  const text = textArg('str_to_object', args, 0, 'input');
  if (text === undefined) return undefined;
  const valueDelimiter = delimiter('str_to_object', args, 1, 'value delimiter', ':');
  return pairsInText(text, valueDelimiter, delimiter('str_to_object', args, 2, 'field delimiter', ','));
});

const getValues = defineFunction('get_values', 2, 4, true, (args) => {
  const text = textArg('get_values', args, 0, 'input');
  if (text === undefined) return undefined;
  const key = requiredText('get_values', args, 1, 'key');
  const valueDelimiter = delimiter('get_values', args, 2, 'value delimiter', ':');
  const pairs = pairsInText(text, valueDelimiter, delimiter('get_values', args, 3, 'field delimiter', ','));
  return Object.hasOwn(pairs, key) ? pairs[key] : undefined;
});

/** Paths `contains_key` was asked about, kept parsed (they are constants of the mapping set). */
const PATH_CACHE_LIMIT = 512;
const parsedPaths = new Map<string, FieldPath>();

function pathOf(text: string): FieldPath {
  let path = parsedPaths.get(text);
  if (path === undefined) {
    try {
      path = parseFieldPath(text);
    } catch (error) {
      if (error instanceof PathSyntaxError)
        throw expressionError(`contains_key: argument 1 (path): ${error.message}`);
      throw error;
    }
    if (path.iterations > 0) throw expressionError('contains_key: argument 1 (path) cannot use [*]');
    if (parsedPaths.size >= PATH_CACHE_LIMIT) parsedPaths.clear();
    parsedPaths.set(text, path);
  }
  return path;
}

/** Whether the source row has the field at the path (given as text: `contains_key("evars.evar.field1")`). */
const containsKey = defineFunction('contains_key', 1, 1, true, (args, env) => {
  const path = pathOf(requiredText('contains_key', args, 0, 'path'));
  return readPath(env.row, path.segments, []) !== undefined;
});

/** Leaves the destination out. */
const nullify = defineFunction('nullify', 0, 0, true, () => undefined);

const getKeys = defineFunction('get_keys', 1, 1, false, (args) => {
  const object = recordArg('get_keys', args, 0, 'object');
  return object === undefined ? undefined : Object.keys(object);
});

export const OBJECT_FUNCTIONS: readonly MappingFunction[] = [
  isEmpty,
  arraysToObject,
  toObject,
  strToObject,
  containsKey,
  nullify,
  getKeys,
  getValues,
];
