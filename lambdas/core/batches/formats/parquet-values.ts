/**
 * hyparquet's values made JSON-able, as a record to validate: a 64-bit integer becomes a number when a JavaScript
 * number holds it exactly (otherwise it is reported in `inexact`, and the row fails rather than carry a changed
 * value), a timestamp its ISO 8601 string, bytes base64, and a non-finite float its name. A null in a struct means
 * "no value" and is left out, as an empty CSV field is; a null list element stays (the position is data).
 */
import { toPointer } from '../../../http/input';
import { isExactNumberLiteral, type InexactNumberAt } from '../../exact-json';
import { setOwn } from './own-property';

export function jsonRecord(
  row: Record<string, unknown>,
  inexact: InexactNumberAt[] = [],
  pointer = '',
): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const key of Object.keys(row)) {
    const value = row[key];
    if (value !== null && value !== undefined)
      setOwn(record, key, jsonValue(value, inexact, pointer + toPointer([key])));
  }
  return record;
}

function jsonValue(value: unknown, inexact: InexactNumberAt[], pointer: string): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint': {
      const literal = value.toString();
      if (isExactNumberLiteral(literal)) return Number(value);
      inexact.push({ pointer, literal });
      return literal;
    }
    case 'undefined':
      return null;
    default:
      break;
  }
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  const item = (element: unknown, index: number) => jsonValue(element, inexact, pointer + toPointer([index]));
  if (Array.isArray(value)) return value.map(item);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>, item);
  return typeof value === 'object' ? jsonRecord(value as Record<string, unknown>, inexact, pointer) : null;
}
