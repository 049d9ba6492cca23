/**
 * What a preview of a source shows besides its rows: the columns and the JSON type of their values, and the rows
 * with the connection's secret blanked out wherever a source echoes it.
 */
import { InexactNumber } from '../exact-json';

export interface InferredColumn {
  readonly name: string;
  /**
   * The JSON type of the values shown: `string`, `integer`, `number`, `boolean`, `object`, `array`; `null` when
   * every value shown is null or absent; `mixed` when they differ (integers with decimals are `number`).
   */
  readonly type: string;
}

function typeOf(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof InexactNumber) return /[.eE]/.test(value.literal) ? 'number' : 'integer';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** A column's value in a row: a CSV column `a.b` is read as nested fields, as the batch readers nest it. */
function columnValue(row: Record<string, unknown>, column: string): unknown {
  if (Object.hasOwn(row, column)) return row[column];
  let current: unknown = row;
  for (const name of column.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}

/** Shown in place of the auth value wherever a source's records hold it. */
export const REDACTED = '[redacted]';

/**
 * The record with every occurrence of the secret replaced: an API that echoes its requests (as test endpoints do)
 * would otherwise show the key in a preview.
 */
export function redacted<T>(value: T, secret: string | undefined): T {
  if (secret === undefined || value instanceof InexactNumber) return value;
  if (typeof value === 'string') return value.split(secret).join(REDACTED) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redacted(item, secret)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [redacted(name, secret), redacted(item, secret)]),
    ) as T;
  }
  return value;
}

/** The columns named (default: every key of the rows, in the order first seen) with their values' type. */
export function inferColumns(
  rows: readonly Record<string, unknown>[],
  names: readonly string[] = [...new Set(rows.flatMap((row) => Object.keys(row)))],
): InferredColumn[] {
  return names.map((name) => {
    const types = new Set(
      rows.map((row) => typeOf(columnValue(row, name))).filter((type) => type !== undefined),
    );
    if (types.has('integer') && types.has('number')) types.delete('integer');
    const [only] = types;
    return { name, type: types.size === 0 ? 'null' : types.size === 1 && only ? only : 'mixed' };
  });
}
