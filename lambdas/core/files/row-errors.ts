/** Why a parsed value cannot be a row: not an object, too many fields, or numbers that would change. */
import {
  INEXACT_NUMBER,
  inexactNumberMessage,
  inexactNumberViolations,
  type InexactNumberAt,
} from '../exact-json';
import type { RowError } from './file-format-types';
import { leafFieldCount, tooManyFieldsMessage } from './leaf-fields';

/**
 * A row holding numbers a JavaScript number would change fails, naming each: stored rounded, it would be another
 * record than the file's.
 */
export function inexactNumberRowError(found: readonly InexactNumberAt[]): Omit<RowError, 'raw'> | undefined {
  const [first] = found;
  if (first === undefined) return undefined;
  const more = found.length > 1 ? ` (and ${found.length - 1} more)` : '';
  return {
    code: INEXACT_NUMBER,
    message: `${first.pointer}: ${inexactNumberMessage(first.literal)}${more}`,
    violations: inexactNumberViolations(found),
  };
}

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
