/**
 * Decimal numbers written as text (`42`, `-1.5e3`, `0.10`), read without going through a JavaScript number, so that
 * any number of digits keeps its value: to tell whether a literal survives a double (exact-json.ts) and to order
 * numeric watermarks of any size (dataflows/delta-values.ts).
 */

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A decimal as `±0.digits × 10^exponent`, digits without leading or trailing zeros; zero has no digits. */
export interface Decimal {
  readonly negative: boolean;
  readonly digits: string;
  readonly exponent: number;
}

/** The decimal a text spells (surrounding blanks allowed), or undefined when it spells none. */
export function decimalOf(text: string): Decimal | undefined {
  const match = DECIMAL.exec(text.trim());
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = '', power = '0'] = match;
  if (whole === '' && fraction === '') return undefined;
  const all = `${whole}${fraction}`;
  const leading = all.length - all.replace(/^0+/, '').length;
  const digits = all.slice(leading).replace(/0+$/, '');
  if (digits === '') return { negative: false, digits: '', exponent: 0 };
  return { negative: sign === '-', digits, exponent: whole.length - leading + Number(power) };
}

function compareMagnitudes(a: Decimal, b: Decimal): number {
  if (a.digits === '' || b.digits === '') return a.digits.length - b.digits.length;
  if (a.exponent !== b.exponent) return a.exponent - b.exponent;
  const width = Math.max(a.digits.length, b.digits.length);
  const left = a.digits.padEnd(width, '0');
  const right = b.digits.padEnd(width, '0');
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Negative, zero or positive as `a` is below, equal to or above `b`. */
export function compareDecimals(a: Decimal, b: Decimal): number {
  const sign = (value: Decimal) => (value.digits === '' ? 0 : value.negative ? -1 : 1);
  if (sign(a) !== sign(b)) return sign(a) - sign(b);
  const magnitude = compareMagnitudes(a, b);
  return sign(a) < 0 ? -magnitude : magnitude;
}
