/**
 * Text to the schema's types. CSV values are text; where the schema allows a number, an integer or a boolean but not
 * a string, the text is converted when it reads as one (surrounding spaces ignored). Text that does not convert
 * stays a string, so that validation reports the field with the type the schema expected. Number text that a
 * JavaScript number would not hold exactly (`9007199254740993`, `1e400`, `1e-400`) becomes an `InexactNumber`, which
 * the CSV reader and `RecordCoercion` turn into an `inexact-number` failure naming the field: never a changed value.
 *
 * A record a mapping made (`RecordCoercion`) is converted the same way, field by field, with Data Prep's implicit
 * conversions: its wider boolean words (`yes`, `on`, `y`…), and numbers or booleans written where the schema wants
 * text become text. Dates are the validator's to recognise (core/mapping-sets/implicit-dates.ts).
 */
import { toPointer } from '../input';
import type { Violation } from '../errors/domain-error';
import { InexactNumber, inexactNumberViolations, isExactNumberLiteral } from '../exact-json';
import type { FieldTypes } from './file-format-types';
import { setOwn } from '../own-property';

export type Coercion = (text: string) => unknown;

/** The words read as booleans (compared lower-cased). */
export interface BooleanWords {
  readonly true: ReadonlySet<string>;
  readonly false: ReadonlySet<string>;
}

/** CSV without a mapping: JSON's words only, as the CSV readers always did. */
export const CSV_BOOLEANS: BooleanWords = { true: new Set(['true']), false: new Set(['false']) };

/** Data Prep's implicit conversion of strings to booleans (Experience Platform's data-handling guide). */
export const DATA_PREP_BOOLEANS: BooleanWords = {
  true: new Set(['y', 'yes', 'on', 'true']),
  false: new Set(['n', 'no', 'off', 'false']),
};

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** The conversion for one column, or undefined when its values stay strings. */
export function coercionFor(
  fieldTypes: FieldTypes | undefined,
  path: readonly string[],
  booleans: BooleanWords = CSV_BOOLEANS,
): Coercion | undefined {
  const types = fieldTypes?.(path);
  if (types === undefined || types.has('string')) return undefined;
  const number = types.has('number');
  const integer = types.has('integer');
  const boolean = types.has('boolean');
  if (!number && !integer && !boolean) return undefined;
  return (text) => {
    const trimmed = hasOuterSpace(text) ? text.trim() : text;
    if ((number && NUMBER.test(trimmed)) || (integer && INTEGER.test(trimmed))) {
      return isExactNumberLiteral(trimmed) ? Number(trimmed) : new InexactNumber(trimmed);
    }
    if (boolean) {
      const lower = trimmed.toLowerCase();
      if (booleans.true.has(lower)) return true;
      if (booleans.false.has(lower)) return false;
    }
    return text;
  };
}

function hasOuterSpace(text: string): boolean {
  return text.charCodeAt(0) <= 0x20 || text.charCodeAt(text.length - 1) <= 0x20;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Converts the scalar fields of records to the schema's types with Data Prep's rules: strings as CSV text (with
 * Data Prep's boolean words), and numbers or booleans to text where the schema wants a string and not their own
 * type. Nested objects are followed; arrays are left as they are (the schema's field types do not reach into
 * items). One instance serves every record of a chunk or a request: each field path's conversion is worked out once.
 */
export class RecordCoercion {
  private readonly conversions = new Map<string, Coercion | null>();
  private readonly asText = new Map<string, ReadonlySet<string> | null>();

  constructor(private readonly fieldTypes: FieldTypes) {}

  /**
   * A converted copy of the record; fields the schema does not type stay as they are. Number text a JavaScript
   * number would change stays text, with a violation naming it.
   */
  apply(record: Record<string, unknown>): { record: Record<string, unknown>; violations: Violation[] } {
    const violations: Violation[] = [];
    return { record: this.object(record, [], violations), violations };
  }

  private object(
    record: Record<string, unknown>,
    path: readonly string[],
    violations: Violation[],
  ): Record<string, unknown> {
    const converted: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(record)) {
      const at = [...path, name];
      let next = isPlainObject(value) ? this.object(value, at, violations) : this.scalar(value, at);
      if (next instanceof InexactNumber) {
        violations.push(...inexactNumberViolations([{ pointer: toPointer(at), literal: next.literal }]));
        next = value;
      }
      setOwn(converted, name, next);
    }
    return converted;
  }

  private scalar(value: unknown, path: readonly string[]): unknown {
    if (typeof value === 'string') return this.conversion(path)?.(value) ?? value;
    if (typeof value === 'number' || typeof value === 'boolean') {
      const types = this.typesWantingText(path);
      const keeps =
        typeof value === 'boolean'
          ? types?.has('boolean')
          : types?.has('number') || (types?.has('integer') && Number.isInteger(value));
      if (types && !keeps) return String(value);
    }
    return value;
  }

  private conversion(path: readonly string[]): Coercion | undefined {
    const key = path.join('\u0000');
    if (!this.conversions.has(key)) {
      this.conversions.set(key, coercionFor(this.fieldTypes, path, DATA_PREP_BOOLEANS) ?? null);
    }
    return this.conversions.get(key) ?? undefined;
  }

  /** The field's types when they include a string, else undefined. */
  private typesWantingText(path: readonly string[]): ReadonlySet<string> | undefined {
    const key = path.join('\u0000');
    if (!this.asText.has(key)) {
      const types = this.fieldTypes(path);
      this.asText.set(key, types?.has('string') ? types : null);
    }
    return this.asText.get(key) ?? undefined;
  }
}
