/**
 * What a mapped record goes through before it is judged: Data Prep's implicit conversions to the schema's types
 * (numbers, booleans and text by the field's JSON types; dates by the validator's verdict, since a `date` or
 * `date-time` field is a string with a format), then validation. Only strings the validator refused as dates are
 * read with Data Prep's default date patterns (the engine's, shared with `date(text)`) and written as RFC 3339, so
 * a valid record is validated once and a record with a date to convert twice.
 */
import type { Violation } from '../errors/domain-error';
import type { RecordCoercion } from '../files/field-coercion';
import { setOwn } from '../own-property';
import { parseDefaultDate } from '../mapping/java-date-pattern';
import { parsePointer } from '../schemas/json-pointer';

export interface RecordTyping {
  readonly coercion: RecordCoercion;
  readonly validate: (record: unknown) => Violation[];
}

export interface TypedRecord {
  readonly record: Record<string, unknown>;
  readonly violations: Violation[];
}

/** Ajv's message for a value its `format` refused: `must match format "date-time"`. */
const DATE_FORMAT_MESSAGE = /format "(date|date-time)"/;

type DateFormat = 'date' | 'date-time';

/** The text as the format wants it (`2024-01-05`, `2024-01-05T10:11:12Z`), or undefined when it is no date. */
export function implicitDate(text: string, format: DateFormat): string | undefined {
  const iso = parseDefaultDate(text)?.toString();
  return iso === undefined || format === 'date-time' ? iso : iso.slice(0, 10);
}

export function typeMappedRecord(mapped: Record<string, unknown>, typing: RecordTyping): TypedRecord {
  const { record, violations: coercion } = typing.coercion.apply(mapped);
  if (coercion.length > 0) return { record, violations: coercion };
  const violations = typing.validate(record);
  let converted = false;
  for (const violation of violations) {
    const format =
      violation.keyword === 'format' ? DATE_FORMAT_MESSAGE.exec(violation.message)?.[1] : undefined;
    if (format !== undefined && convertDateAt(record, violation.pointer, format as DateFormat))
      converted = true;
  }
  return converted ? { record, violations: typing.validate(record) } : { record, violations };
}

/** Replaces the string at `pointer` with its date in `format`; false when there is none to convert. */
function convertDateAt(record: Record<string, unknown>, pointer: string, format: DateFormat): boolean {
  const path = parsePointer(pointer);
  if (!path || path.length === 0) return false;
  let node: unknown = record;
  for (const segment of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return false;
    node = (node as Record<string, unknown>)[segment];
  }
  if (node === null || typeof node !== 'object') return false;
  const holder = node as Record<string, unknown>;
  const leaf = path[path.length - 1]!;
  const value = Object.hasOwn(holder, leaf) ? holder[leaf] : undefined;
  const date = typeof value === 'string' ? implicitDate(value, format) : undefined;
  if (date === undefined) return false;
  if (Array.isArray(holder)) holder[Number(leaf)] = date;
  else setOwn(holder, leaf, date);
  return true;
}
