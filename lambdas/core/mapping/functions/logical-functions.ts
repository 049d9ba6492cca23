/**
 * Data Prep's logical and aggregation functions. `iif` evaluates only the branch it returns: the compiler treats
 * it as a conditional (`expression-compiler.ts`); its entry here gives its name and arity.
 */
import { compareValues, isMissing, isTruthy, kindOf, valuesEqual } from '../expression-values';
import { defineFunction, expressionError, spreadSingleArray, type MappingFunction } from './function-types';

/** `decode(key, k1, v1, k2, v2, …, default?)`: the value paired with the first option equal to the key. */
const decode = defineFunction('decode', 3, Infinity, false, ([key, ...options]) => {
  const pairs = Math.floor(options.length / 2);
  for (let pair = 0; pair < pairs; pair++)
    if (valuesEqual(key, options[pair * 2])) return options[pair * 2 + 1];
  return options.length % 2 === 1 ? options[options.length - 1] : undefined;
});

export const iif = defineFunction('iif', 3, 3, false, ([condition, whenTrue, whenFalse]) =>
  isTruthy(condition) ? whenTrue : whenFalse,
);

/** The least (or greatest) of values of one kind in natural order; missing values are skipped. */
function extreme(fn: 'min' | 'max', args: readonly unknown[]): unknown {
  let best: unknown;
  for (const value of spreadSingleArray(args)) {
    if (isMissing(value)) continue;
    if (best === undefined) {
      if (kindOf(value) === 'array' || kindOf(value) === 'object')
        throw expressionError(`${fn}: an ${kindOf(value)} has no order`);
      best = value;
      continue;
    }
    const order = typeof best === typeof value ? compareValues(value, best) : undefined;
    if (order === undefined) throw expressionError(`${fn}: the values are of kinds that cannot be compared`);
    if (fn === 'min' ? order < 0 : order > 0) best = value;
  }
  return best;
}

const min = defineFunction('min', 1, Infinity, true, (args) => extreme('min', args));
const max = defineFunction('max', 1, Infinity, true, (args) => extreme('max', args));

export const LOGICAL_FUNCTIONS: readonly MappingFunction[] = [decode, iif, min, max];
