/**
 * hyparquet's values made JSON-able, as a record to validate: a 64-bit integer or a DECIMAL (read raw, see
 * parquet-decimals.ts) becomes a number when a JavaScript number holds it exactly (otherwise it is reported in
 * `inexact`, and the row fails rather than carry a changed value), a timestamp its ISO 8601 string, bytes base64, and a non-finite float its name. A null in a struct means
 * "no value" and is left out, as an empty CSV field is; a null list element stays (the position is data).
 */
import { toPointer } from '../../input';
import { isExactNumberLiteral, type InexactNumberAt } from '../../exact-json';
import { decimalText } from './parquet-decimals';
import { setOwn } from '../../own-property';

/** What converting one row gathers: the numbers that would change, and the DECIMALs read raw (by pointer). */
export interface RowConversion {
  readonly inexact: InexactNumberAt[];
  readonly decimals: ReadonlyMap<string, number>;
}

export function jsonRecord(
  row: Record<string, unknown>,
  conversion: RowConversion = { inexact: [], decimals: new Map() },
  pointer = '',
): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const key of Object.keys(row)) {
    const value = row[key];
    if (value !== null && value !== undefined)
      setOwn(record, key, jsonValue(value, conversion, pointer + toPointer([key])));
  }
  return record;
}

/** A number when it is exactly the literal, else the literal, reported. */
function exactNumber(literal: string, conversion: RowConversion, pointer: string): number | string {
  if (isExactNumberLiteral(literal)) return Number(literal);
  conversion.inexact.push({ pointer, literal });
  return literal;
}

function jsonValue(value: unknown, conversion: RowConversion, pointer: string): unknown {
  const scale = conversion.decimals.get(pointer);
  const decimal = scale === undefined ? undefined : decimalText(value, scale);
  if (decimal !== undefined) return exactNumber(decimal, conversion, pointer);
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return exactNumber(value.toString(), conversion, pointer);
    case 'undefined':
      return null;
    default:
      break;
  }
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  const item = (element: unknown, index: number) =>
    jsonValue(element, conversion, pointer + toPointer([index]));
  if (Array.isArray(value)) return value.map(item);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>, item);
  return typeof value === 'object' ? jsonRecord(value as Record<string, unknown>, conversion, pointer) : null;
}
