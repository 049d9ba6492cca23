/**
 * Turns a CSV record's field values into a JSON record: dotted column names become nested objects, empty values and
 * the null marker are left out, values are coerced where the schema says so, and the record is checked for its field
 * count and for a value that would have to be both a value and an object (`a` and `a.b` both given).
 */
import { toPointer } from '../../input';
import { InexactNumber, type InexactNumberAt } from '../../exact-json';
import { columnPath } from './csv-columns';
import { coercionFor, type Coercion } from '../field-coercion';
import type { FieldTypes, RowError } from '../file-format-types';
import { inexactNumberRowError } from '../row-errors';
import { tooManyFieldsMessage } from '../leaf-fields';
import { setOwn } from '../../own-property';

interface ColumnPlan {
  readonly name: string;
  readonly path: readonly string[];
  readonly coerce: Coercion | undefined;
  /** Another column's path starts with this one's, or this one is nested: values must be placed with checks. */
  readonly nested: boolean;
}

export type BuiltRecord =
  | { readonly record: Record<string, unknown>; readonly error?: undefined }
  | { readonly record?: undefined; readonly error: Omit<RowError, 'raw'> };

export interface CsvRecordOptions {
  readonly nullMarker?: string;
  readonly fieldTypes?: FieldTypes;
  readonly maxFieldsPerRow: number;
}

export class CsvRecordBuilder {
  private readonly columns: readonly ColumnPlan[];

  constructor(
    columns: readonly string[],
    private readonly options: CsvRecordOptions,
  ) {
    const paths = columns.map(columnPath);
    const prefixes = new Set(
      paths.flatMap((path) => path.slice(1).map((_, end) => path.slice(0, end + 1).join('.'))),
    );
    this.columns = columns.map((name, index) => {
      const path = paths[index]!;
      return {
        name,
        path,
        coerce: coercionFor(options.fieldTypes, path),
        nested: path.length > 1 || prefixes.has(path[0]!),
      };
    });
  }

  build(fields: readonly string[]): BuiltRecord {
    const { columns } = this;
    if (fields.length !== columns.length) {
      return {
        error: {
          code: 'malformed-csv',
          message: `Expected ${columns.length} fields (one per column), found ${fields.length}`,
        },
      };
    }
    const { nullMarker, maxFieldsPerRow } = this.options;
    const record: Record<string, unknown> = {};
    const inexact: InexactNumberAt[] = [];
    let fieldCount = 0;
    for (let index = 0; index < columns.length; index += 1) {
      const text = fields[index]!;
      if (text === '' || text === nullMarker) continue;
      fieldCount += 1;
      const column = columns[index]!;
      const value = column.coerce === undefined ? text : column.coerce(text);
      if (value instanceof InexactNumber) {
        inexact.push({ pointer: toPointer(column.path), literal: value.literal });
      } else if (!column.nested) {
        setOwn(record, column.path[0]!, value);
      } else if (!placeAt(record, column.path, value)) {
        return {
          error: {
            code: 'column-conflict',
            message: `Column "${column.name}" and another column both give a value at "${column.path.join('.')}"`,
          },
        };
      }
    }
    if (fieldCount > maxFieldsPerRow) {
      return { error: { code: 'too-many-fields', message: tooManyFieldsMessage(maxFieldsPerRow) } };
    }
    const error = inexactNumberRowError(inexact);
    return error ? { error } : { record };
  }
}

/** Places `value` at `path`, creating objects on the way; false when something else is already there. */
function placeAt(record: Record<string, unknown>, path: readonly string[], value: unknown): boolean {
  let node = record;
  for (let depth = 0; depth < path.length - 1; depth += 1) {
    const key = path[depth]!;
    const existing = Object.hasOwn(node, key) ? node[key] : undefined;
    if (existing === undefined) {
      const child: Record<string, unknown> = {};
      setOwn(node, key, child);
      node = child;
    } else if (typeof existing === 'object' && existing !== null) {
      node = existing as Record<string, unknown>;
    } else {
      return false;
    }
  }
  const leaf = path[path.length - 1]!;
  if (Object.hasOwn(node, leaf)) return false;
  setOwn(node, leaf, value);
  return true;
}
