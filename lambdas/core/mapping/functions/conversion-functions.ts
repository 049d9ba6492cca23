/**
 * Data Prep's type conversions and `json_to_object`. A missing or empty text converts to missing; a text that
 * holds no number is a warning. `to_integer` and `to_bigint` drop the fraction (toward zero).
 */
import { parseNumber } from '../expression-values';
import { defineFunction, expressionError, textArg, type MappingFunction } from './function-types';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function numberFrom(fn: string, args: readonly unknown[]): number | undefined {
  const value = args[0];
  if (typeof value === 'number') return value;
  const text = textArg(fn, args, 0, 'input');
  if (text === undefined || text.trim() === '') return undefined;
  const number = parseNumber(text);
  if (number === undefined) throw expressionError(`${fn}: argument 1 (input) does not hold a number`);
  return number;
}

const toDecimal = defineFunction(['to_decimal'], 1, 1, true, (args) => numberFrom('to_decimal', args));
const toFloat = defineFunction(['to_float'], 1, 1, true, (args) => numberFrom('to_float', args));

const toInteger = defineFunction('to_integer', 1, 1, true, (args) => {
  const number = numberFrom('to_integer', args);
  if (number === undefined) return undefined;
  const integer = Math.trunc(number);
  if (integer < INT32_MIN || integer > INT32_MAX)
    throw expressionError('to_integer: the number is outside the 32-bit integer range');
  return integer;
});

/** JSON numbers hold integers exactly up to 2^53; a larger one would silently change, so it is refused. */
const toBigint = defineFunction('to_bigint', 1, 1, true, (args) => {
  const number = numberFrom('to_bigint', args);
  if (number === undefined) return undefined;
  const integer = Math.trunc(number);
  if (!Number.isSafeInteger(integer))
    throw expressionError('to_bigint: the number is beyond 2^53 and cannot be kept exactly');
  return integer;
});

const jsonToObject = defineFunction('json_to_object', 1, 1, false, (args) => {
  const text = textArg('json_to_object', args, 0, 'input');
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw expressionError('json_to_object: argument 1 (input) is not valid JSON');
  }
});

export const CONVERSION_FUNCTIONS: readonly MappingFunction[] = [
  toBigint,
  toDecimal,
  toFloat,
  toInteger,
  jsonToObject,
];
