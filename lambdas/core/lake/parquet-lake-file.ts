/**
 * The lake's Parquet files (written with hyparquet-writer, pure JavaScript): three fixed columns — `message_id`,
 * `received_at` (timestamp, milliseconds, UTC) and `record` (the whole record, JSON logical type) — then one
 * nullable typed column per top-level scalar property the schema declares, so queries can filter without parsing
 * JSON. Nested objects and arrays, and properties reached only through `$ref`, live in `record` alone.
 *
 * Streaming files also carry `upsert_operation`: null for a record that is whole (a create), `merge` for a partial
 * record patched onto the stored one, `delete` for a record removed from the profile store — a reader of the lake
 * must not take those for whole records.
 */
import { ByteWriter, ParquetWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';
import type { UpsertOperation } from '../profiles/fragments';

export type ScalarKind = 'string' | 'number' | 'integer' | 'boolean';

export interface TypedColumn {
  readonly name: string;
  readonly kind: ScalarKind;
}

export interface LakeRow {
  readonly messageId: string;
  readonly receivedAt: string;
  readonly record: unknown;
  /** Streaming: the message's upsert operation; absent for a create. */
  readonly operation?: UpsertOperation;
}

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

const OPERATION_COLUMN = 'upsert_operation';
/** The fixed columns; a schema property of the same name is only in `record`. */
const FIXED_COLUMNS = ['message_id', 'received_at', 'record', OPERATION_COLUMN];
const SCALAR_KINDS: readonly string[] = ['string', 'number', 'integer', 'boolean'];
const PARQUET_TYPES = { string: 'STRING', number: 'DOUBLE', integer: 'INT64', boolean: 'BOOLEAN' } as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** `"string"`, or `["string", "null"]`: one scalar kind, else none. */
function scalarKindOf(type: unknown): ScalarKind | undefined {
  const kinds = (Array.isArray(type) ? (type as unknown[]) : [type]).filter((kind) => kind !== 'null');
  const [kind] = kinds;
  return kinds.length === 1 && typeof kind === 'string' && SCALAR_KINDS.includes(kind)
    ? (kind as ScalarKind)
    : undefined;
}

/** The top-level scalar properties of a JSON Schema: its own `properties` and those of inline `allOf` members. */
export function typedColumnsOf(schema: Record<string, unknown>): TypedColumn[] {
  const allOf: unknown = schema['allOf'];
  const members = [schema, ...(Array.isArray(allOf) ? (allOf as unknown[]) : [])].filter(isObject);
  const columns = new Map<string, TypedColumn>();
  for (const member of members) {
    const properties = member['properties'];
    if (!isObject(properties)) continue;
    for (const [name, definition] of Object.entries(properties)) {
      const kind = isObject(definition) ? scalarKindOf(definition['type']) : undefined;
      if (kind && !FIXED_COLUMNS.includes(name) && !columns.has(name)) columns.set(name, { name, kind });
    }
  }
  return [...columns.values()];
}

/** A record's value for a typed column, or null when absent or not of the column's kind. */
function cell(record: unknown, column: TypedColumn): unknown {
  // Own fields only: a record without `constructor` or `__proto__` must not answer what it inherits.
  const value = isObject(record) && Object.hasOwn(record, column.name) ? record[column.name] : undefined;
  switch (column.kind) {
    case 'string':
      return typeof value === 'string' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'integer':
      // INT64 holds exactly the integers a JSON number carries without loss; larger ones stay in `record`.
      return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : null;
  }
}

/**
 * A record as the writer's JSON column turns values into JSON (hyparquet's `toJson`: bigints to numbers, dates to
 * ISO text, bytes to arrays, undefined fields left out), but in objects without a prototype. `toJson` copies
 * objects by assignment, which would take a `__proto__` field for the copy's prototype and drop it; it passes an
 * object without a prototype through untouched, and JSON.stringify writes its `__proto__` field like any other.
 */
function jsonCell(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(jsonCell);
  if (value instanceof Uint8Array) return Array.from(value);
  if (value instanceof Date) return value.toISOString();
  if (!(value instanceof Object)) return value;
  const copy = Object.create(null) as Record<string, unknown>;
  for (const [key, field] of Object.entries(value)) if (field !== undefined) copy[key] = jsonCell(field);
  return copy;
}

/**
 * Rows per row group. A row group is what a reader fetches at once and what the writer holds before encoding it:
 * ten thousand rows keep both bounded (a few MB) while leaving few enough groups for readers to skip by statistics.
 */
export const LAKE_ROW_GROUP_ROWS = 10_000;

/**
 * Columns whose every value differs: a dictionary would be as large as the data and min/max statistics filter
 * nothing, while both cost the writer memory (measured: a chunk's buffers at finish 26 → 16 MB) and time.
 */
const UNIQUE_VALUES = { encoding: 'PLAIN', statistics: false } as const;

function columnDataOf(
  rows: readonly LakeRow[],
  columns: readonly TypedColumn[],
  withOperations: boolean,
): ColumnSource[] {
  const operation: ColumnSource[] = withOperations
    ? [{ name: OPERATION_COLUMN, data: rows.map((row) => row.operation ?? null), type: 'STRING' }]
    : [];
  return [
    {
      name: 'message_id',
      data: rows.map((row) => row.messageId),
      type: 'STRING',
      nullable: false,
      ...UNIQUE_VALUES,
    },
    {
      name: 'received_at',
      data: rows.map((row) => new Date(row.receivedAt)),
      type: 'TIMESTAMP',
      nullable: false,
    },
    {
      name: 'record',
      data: rows.map((row) => jsonCell(row.record)),
      type: 'JSON',
      nullable: false,
      ...UNIQUE_VALUES,
    },
    ...operation,
    ...columns.map((column): ColumnSource => ({
      name: column.name,
      data: rows.map((row) => cell(row.record, column)),
      type: PARQUET_TYPES[column.kind],
    })),
  ];
}

/**
 * A lake file written a row group at a time: only the rows of the group being filled are held as objects, the
 * rest is already encoded (and compressed) in the output buffer.
 */
export class LakeParquetWriter {
  private readonly output = new ByteWriter();
  private readonly parquet: ParquetWriter;
  private pending: LakeRow[] = [];
  private count = 0;

  constructor(
    private readonly columns: readonly TypedColumn[],
    private readonly rowGroupRows = LAKE_ROW_GROUP_ROWS,
    /** Whether rows carry an upsert operation (streaming files). */
    private readonly withOperations = false,
  ) {
    const schema = schemaFromColumnData({ columnData: columnDataOf([], columns, withOperations) });
    this.parquet = new ParquetWriter({ writer: this.output, schema });
  }

  get rows(): number {
    return this.count;
  }

  add(row: LakeRow): void {
    this.pending.push(row);
    this.count += 1;
    if (this.pending.length >= this.rowGroupRows) this.flush();
  }

  finish(): Uint8Array {
    this.flush();
    // Both calls return a promise only for writers with an asynchronous flush; a ByteWriter completes at once.
    void this.parquet.finish();
    return new Uint8Array(this.output.getBuffer());
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    // The schema is fixed at construction; each group gives only the values and how to encode them.
    const columnData = columnDataOf(this.pending, this.columns, this.withOperations).map(
      ({ type: _type, nullable: _nullable, ...rest }) => rest,
    );
    void this.parquet.write({ columnData, rowGroupSize: this.pending.length });
    this.pending = [];
  }
}

/** A streaming lake file: every row at once, with the upsert operation column. */
export function lakeParquetFile(rows: readonly LakeRow[], columns: readonly TypedColumn[]): Uint8Array {
  const writer = new LakeParquetWriter(columns, Math.max(rows.length, 1), true);
  for (const row of rows) writer.add(row);
  return writer.finish();
}
