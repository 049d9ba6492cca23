/**
 * hyparquet's values made JSON-able, as a record to validate: a 64-bit integer becomes a number when it fits exactly
 * (otherwise its decimal string), a timestamp its ISO 8601 string, bytes base64, and a non-finite float its name. A
 * null in a struct means "no value" and is left out, as an empty CSV field is; a null list element stays (the
 * position is data).
 */
import { setOwn } from './own-property';

export function jsonRecord(row: Record<string, unknown>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const key of Object.keys(row)) {
    const value = row[key];
    if (value !== null && value !== undefined) setOwn(record, key, jsonValue(value));
  }
  return record;
}

function jsonValue(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value.toString();
    case 'undefined':
      return null;
    default:
      break;
  }
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(jsonValue);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>, jsonValue);
  return typeof value === 'object' ? jsonRecord(value as Record<string, unknown>) : null;
}
