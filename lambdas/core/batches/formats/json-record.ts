/** Why a parsed JSON value cannot be a row: it is not an object, or it has too many fields; undefined when it can. */
import type { RowError } from './file-format-types';
import { leafFieldCount, tooManyFieldsMessage } from './leaf-fields';

export function jsonRecordError(value: unknown, maxFieldsPerRow: number): Omit<RowError, 'raw'> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { code: 'not-an-object', message: `Expected a JSON object, found ${kind}` };
  }
  if (leafFieldCount(value, maxFieldsPerRow) > maxFieldsPerRow) {
    return { code: 'too-many-fields', message: tooManyFieldsMessage(maxFieldsPerRow) };
  }
  return undefined;
}
