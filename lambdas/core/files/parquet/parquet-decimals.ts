/**
 * Parquet DECIMAL values read exactly. hyparquet scales a decimal's unscaled integer by a float (`1999 * 0.01` is
 * `19.990000000000002`), which would store a price as another number. So the DECIMAL columns that sit at the top
 * level or inside structs are read raw (their annotation taken off the schema handed to hyparquet) and converted
 * here: the unscaled integer written out with its decimal point, then held as a number only when that number is the
 * same decimal (core/exact-json.ts); otherwise the row fails with `inexact-number`. Decimals inside lists or maps are
 * left to hyparquet (a known limit, docs/api.md).
 */
import type { FileMetaData, SchemaElement } from 'hyparquet';
import { toPointer } from '../../input';

/** The schema hyparquet reads with, and the scale of each DECIMAL it reads raw, by the value's JSON pointer. */
export interface DecimalColumns {
  readonly metadata: FileMetaData;
  readonly scales: ReadonlyMap<string, number>;
}

const isDecimal = (element: SchemaElement): boolean =>
  element.converted_type === 'DECIMAL' || element.logical_type?.type === 'DECIMAL';

/** A group whose children a row holds as an array or a map, not as an object's fields. */
const isCollection = (element: SchemaElement): boolean =>
  element.repetition_type === 'REPEATED' ||
  element.converted_type === 'LIST' ||
  element.converted_type === 'MAP' ||
  element.converted_type === 'MAP_KEY_VALUE' ||
  element.logical_type?.type === 'LIST' ||
  element.logical_type?.type === 'MAP';

export function decimalColumns(metadata: FileMetaData): DecimalColumns {
  const scales = new Map<string, number>();
  const schema = [...metadata.schema];
  // The schema is a depth-first list: each group is followed by its `num_children` children.
  const walk = (index: number, path: readonly string[], inCollection: boolean): number => {
    const element = schema[index]!;
    const children = element.num_children ?? 0;
    const here = index === 0 ? path : [...path, element.name];
    if (children === 0) {
      if (isDecimal(element) && !inCollection && element.repetition_type !== 'REPEATED') {
        const scale =
          element.logical_type?.type === 'DECIMAL' ? element.logical_type.scale : (element.scale ?? 0);
        scales.set(toPointer(here), scale);
        schema[index] = { ...element, converted_type: undefined, logical_type: undefined };
      }
      return index + 1;
    }
    let next = index + 1;
    for (let child = 0; child < children; child += 1) {
      next = walk(next, here, inCollection || (index > 0 && isCollection(element)));
    }
    return next;
  };
  walk(0, [], false);
  return { metadata: scales.size > 0 ? { ...metadata, schema } : metadata, scales };
}

/** A big-endian two's-complement integer (a DECIMAL stored as bytes). */
function signedBigEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const negative = bytes.length > 0 && (bytes[0]! & 0x80) !== 0;
  return negative ? value - (1n << BigInt(bytes.length * 8)) : value;
}

/** The decimal text of a raw DECIMAL value (`1999` at scale 2 → `19.99`), or undefined for a value of no such kind. */
export function decimalText(raw: unknown, scale: number): string | undefined {
  let unscaled: bigint;
  if (typeof raw === 'bigint') unscaled = raw;
  else if (typeof raw === 'number' && Number.isInteger(raw)) unscaled = BigInt(raw);
  else if (raw instanceof Uint8Array) unscaled = signedBigEndian(raw);
  else return undefined;
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) return `${negative ? '-' : ''}${digits}${'0'.repeat(-scale)}`;
  const padded = digits.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}
