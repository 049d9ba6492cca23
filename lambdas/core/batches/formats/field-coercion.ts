/**
 * CSV values are text; where the schema allows a number, an integer or a boolean but not a string, the text is
 * converted when it reads as one (surrounding spaces ignored). Text that does not convert stays a string, so that
 * validation reports the field with the type the schema expected.
 */
import type { FieldTypes } from './file-format-types';

export type Coercion = (text: string) => unknown;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** The conversion for one column, or undefined when its values stay strings. */
export function coercionFor(
  fieldTypes: FieldTypes | undefined,
  path: readonly string[],
): Coercion | undefined {
  const types = fieldTypes?.(path);
  if (types === undefined || types.has('string')) return undefined;
  const number = types.has('number');
  const integer = types.has('integer');
  const boolean = types.has('boolean');
  if (!number && !integer && !boolean) return undefined;
  return (text) => {
    const trimmed = hasOuterSpace(text) ? text.trim() : text;
    if (number && NUMBER.test(trimmed)) {
      const value = Number(trimmed);
      if (Number.isFinite(value)) return value;
    } else if (integer && INTEGER.test(trimmed)) {
      // Beyond 2^53 a number would silently change the value; the string lets validation say so instead.
      const value = Number(trimmed);
      if (Number.isSafeInteger(value)) return value;
    }
    if (boolean) {
      const lower = trimmed.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
    }
    return text;
  };
}

function hasOuterSpace(text: string): boolean {
  return text.charCodeAt(0) <= 0x20 || text.charCodeAt(text.length - 1) <= 0x20;
}
