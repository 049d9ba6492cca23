/**
 * Every function a Data Prep expression may call, by name. Names are matched without regard to case: Experience
 * Platform documents them in lower case, and resolving once at compile time makes any spelling free.
 */
import { ARRAY_FUNCTIONS } from './array-functions';
import { CONVERSION_FUNCTIONS } from './conversion-functions';
import { DATE_FUNCTIONS } from './date-functions';
import type { MappingFunction } from './function-types';
import { HASHING_FUNCTIONS } from './hashing-functions';
import { LOGICAL_FUNCTIONS } from './logical-functions';
import { MAP_FUNCTIONS } from './map-functions';
import { OBJECT_FUNCTIONS } from './object-functions';
import { REGEX_FUNCTIONS } from './regex-functions';
import { SPECIAL_FUNCTIONS } from './special-functions';
import { STRING_FUNCTIONS } from './string-functions';
import { URL_FUNCTIONS } from './url-functions';

const ALL_FUNCTIONS: readonly MappingFunction[] = [
  ...STRING_FUNCTIONS,
  ...REGEX_FUNCTIONS,
  ...HASHING_FUNCTIONS,
  ...URL_FUNCTIONS,
  ...DATE_FUNCTIONS,
  ...OBJECT_FUNCTIONS,
  ...MAP_FUNCTIONS,
  ...ARRAY_FUNCTIONS,
  ...LOGICAL_FUNCTIONS,
  ...CONVERSION_FUNCTIONS,
  ...SPECIAL_FUNCTIONS,
];

const BY_NAME: ReadonlyMap<string, MappingFunction> = new Map(
  ALL_FUNCTIONS.flatMap((definition) => definition.names.map((name) => [name, definition] as const)),
);

export function findFunction(name: string): MappingFunction | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Every name an expression may call, sorted (for documentation and tests). */
export const FUNCTION_NAMES: readonly string[] = [...BY_NAME.keys()].sort();
