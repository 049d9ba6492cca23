/**
 * Data Prep's array functions. `coalesce`, `first` and `last` take their values as arguments
 * (`first("1", "2", "3")`) or, given one array, its elements (`first(items)`).
 */
import { isMissing } from '../expression-values';
import {
  arrayArg,
  booleanArg,
  checkBuiltLength,
  defineFunction,
  expressionError,
  spreadSingleArray,
  type MappingFunction,
} from './function-types';

const coalesce = defineFunction('coalesce', 1, Infinity, false, (args) =>
  spreadSingleArray(args).find((value) => !isMissing(value)),
);

const first = defineFunction('first', 1, Infinity, false, (args) => spreadSingleArray(args)[0]);

const last = defineFunction('last', 1, Infinity, false, (args) => {
  const values = spreadSingleArray(args);
  return values[values.length - 1];
});

/** The array with the values appended (an array value is appended as one element; a missing array is empty). */
const addToArray = defineFunction('add_to_array', 1, Infinity, false, (args) => {
  const array = arrayArg('add_to_array', args, 0, 'array') ?? [];
  checkBuiltLength('add_to_array', array.length + args.length - 1, 'array');
  return [...array, ...args.slice(1)];
});

/** The arrays one after the other (missing ones count as empty). */
const joinArrays = defineFunction('join_arrays', 1, Infinity, false, (args) => {
  const arrays = args.map((_, index) => arrayArg('join_arrays', args, index, 'array') ?? []);
  checkBuiltLength(
    'join_arrays',
    arrays.reduce((sum, array) => sum + array.length, 0),
    'array',
  );
  return arrays.flat();
});

const toArray = defineFunction('to_array', 1, Infinity, false, (args) => {
  const includeNulls = booleanArg('to_array', args, 0, 'include nulls');
  if (includeNulls === undefined) throw expressionError('to_array: argument 1 (include nulls) is missing');
  const values = args.slice(1).map((value) => (value === undefined ? null : value));
  return includeNulls ? values : values.filter((value) => value !== null);
});

/** Elements of an array, characters of a text, fields of an object. */
const sizeOf = defineFunction('size_of', 1, 1, true, ([value]) => {
  if (isMissing(value)) return undefined;
  if (Array.isArray(value) || typeof value === 'string') return value.length;
  if (typeof value === 'object') return Object.keys(value).length;
  throw expressionError('size_of: argument 1 (input) must be an array, a text or an object');
});

export const ARRAY_FUNCTIONS: readonly MappingFunction[] = [
  coalesce,
  first,
  last,
  addToArray,
  joinArrays,
  toArray,
  sizeOf,
];
