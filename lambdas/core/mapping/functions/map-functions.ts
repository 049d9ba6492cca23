/**
 * Data Prep's map functions (newer documentation). A map is a JSON object here, so maps and objects are the same
 * values; keys given as numbers or booleans are used as their text, and a repeated key keeps its first value.
 */
import { setOwn } from '../../own-property';
import { isRecord, textOf } from '../expression-values';
import {
  argumentError,
  arrayArg,
  defineFunction,
  definePairsFunction,
  expressionError,
  recordArg,
  requiredText,
  type MappingFunction,
} from './function-types';
import { objectOfPairs } from './object-functions';

/** The keys argument: one key, or an array of keys (each a scalar), without repeats. */
function keysArg(fn: string, args: readonly unknown[], index: number): string[] {
  const value = args[index];
  if (!Array.isArray(value)) return [requiredText(fn, args, index, 'key')];
  const keys = value.map((key) => {
    const text = textOf(key);
    if (text === undefined) throw argumentError(fn, index, 'keys', 'text or an array of texts', key);
    return text;
  });
  return [...new Set(keys)];
}

/** One key: its value. An array of keys: the values of those present, in the order of the keys. */
const mapGetValues = defineFunction('map_get_values', 2, 2, false, (args) => {
  const map = recordArg('map_get_values', args, 0, 'map');
  if (map === undefined) return undefined;
  const keys = keysArg('map_get_values', args, 1);
  const present = keys.filter((key) => Object.hasOwn(map, key));
  if (!Array.isArray(args[1])) return present.length === 0 ? undefined : map[present[0]!];
  return present.map((key) => map[key]);
});

/** Whether the map has the key, or any of the keys. */
const mapHasKeys = defineFunction('map_has_keys', 2, 2, true, (args) => {
  const map = recordArg('map_has_keys', args, 0, 'map');
  if (map === undefined) return undefined;
  return keysArg('map_has_keys', args, 1).some((key) => Object.hasOwn(map, key));
});

/** The maps merged; a key in several keeps the value of the first map that has it. */
const addToMap = defineFunction('add_to_map', 2, Infinity, false, (args) => {
  const merged: Record<string, unknown> = {};
  args.forEach((_, index) => {
    const map = recordArg('add_to_map', args, index, 'map');
    for (const [key, value] of Object.entries(map ?? {}))
      if (!Object.hasOwn(merged, key)) setOwn(merged, key, value);
  });
  return merged;
});

/** Elements of an array of objects keyed by the text of their field `key` (elements without it are left out). */
function keyedBy(array: readonly unknown[], key: string): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (const element of array) {
    const name = isRecord(element) && Object.hasOwn(element, key) ? textOf(element[key]) : undefined;
    if (name !== undefined && !Object.hasOwn(map, name)) setOwn(map, name, element);
  }
  return map;
}

/**
 * `object_to_map(key, value, …)`, `object_to_map(object)` (a copy of its fields) or `object_to_map(objects,
 * keyField)` (as `array_to_map`).
 */
const objectToMap = defineFunction('object_to_map', 1, Infinity, false, (args) => {
  if (args.length === 1) {
    const object = recordArg('object_to_map', args, 0, 'object');
    return object === undefined ? undefined : { ...object };
  }
  if (Array.isArray(args[0]) && args.length === 2) {
    return keyedBy(args[0], requiredText('object_to_map', args, 1, 'key field'));
  }
  if (args.length % 2 === 1) throw expressionError('object_to_map: keys and values come in pairs');
  return objectOfPairs('object_to_map', args);
});

const arrayToMap = defineFunction('array_to_map', 2, 2, false, (args) => {
  const array = arrayArg('array_to_map', args, 0, 'objects');
  if (array === undefined) return undefined;
  return keyedBy(array, requiredText('array_to_map', args, 1, 'key field'));
});

const toMap = definePairsFunction('to_map', (args) => objectOfPairs('to_map', args));

export const MAP_FUNCTIONS: readonly MappingFunction[] = [
  mapGetValues,
  mapHasKeys,
  addToMap,
  objectToMap,
  arrayToMap,
  toMap,
];
