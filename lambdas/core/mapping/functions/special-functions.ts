/** Data Prep's special operations: ids come from the mapping context, so tests and previews can fix them. */
import { defineFunction, type MappingFunction } from './function-types';

const uuid = defineFunction(['uuid', 'guid'], 0, 0, true, (_, env) => env.uuid());

export const SPECIAL_FUNCTIONS: readonly MappingFunction[] = [uuid];
