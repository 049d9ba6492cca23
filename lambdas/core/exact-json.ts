/**
 * Numbers that enter as text (JSON, CSV, a 64-bit Parquet integer) are held as JavaScript numbers: IEEE doubles,
 * exact for integers up to 2^53 and for about 15 significant digits. A literal beyond that would silently become
 * another number (`9007199254740993` → `…992`, `1e400` → `Infinity`, `1e-400` → `0`). Tributary never changes a
 * value silently: such a literal is refused with the code `inexact-number` and a pointer to where it is, and the
 * producer sends it as a string to keep every digit.
 *
 * "Exact" means that the number as held writes back as the same decimal number the producer wrote (`0.10` and
 * `1e2` are exact; `0.1` is, as every JSON reader and writer shows it): the shortest decimal that reads back as the
 * double — JavaScript's `String(number)` — has the literal's value.
 */
import { decimalOf } from './decimal-text';
import { toPointer } from './input';
import { type DomainError, invalid, type Violation } from './errors/domain-error';
import { parsePointer } from './schemas/json-pointer';

export const INEXACT_NUMBER = 'inexact-number';
/** The violation keyword of a refused number. */
export const EXACT_NUMBER_KEYWORD = 'exactNumber';

/** Literals quoted in messages are cut to this many characters: enough to recognise, never a flood. */
const MAX_QUOTED_LITERAL = 40;

/**
 * A number literal that a JavaScript number cannot hold exactly, standing where the literal was. Serialised by
 * `exactJsonText` as the literal itself, and by `JSON.stringify` as the literal's text (a string): never as the
 * number it would have become.
 */
export class InexactNumber {
  constructor(readonly literal: string) {}

  toJSON(): string {
    return this.literal;
  }
}

export interface InexactNumberAt {
  /** JSON pointer to the number, within the parsed document. */
  readonly pointer: string;
  readonly literal: string;
}

/** Whether the number the literal reads as is the literal's own value (see the file comment). */
export function isExactNumberLiteral(literal: string): boolean {
  const value = Number(literal);
  if (!Number.isFinite(value)) return false;
  const written = decimalOf(literal);
  const held = decimalOf(String(value));
  if (!written || !held) return false;
  if (written.digits === '') return held.digits === '';
  return (
    written.negative === held.negative && written.digits === held.digits && written.exponent === held.exponent
  );
}

const quoted = (literal: string) =>
  literal.length > MAX_QUOTED_LITERAL ? `${literal.slice(0, MAX_QUOTED_LITERAL)}…` : literal;

/** Why the literal is refused: what it would have become, and what to do instead. */
export function inexactNumberMessage(literal: string): string {
  const value = Number(literal);
  const why =
    value === 0
      ? 'is too small for a 64-bit float'
      : Number.isFinite(value)
        ? 'has more digits than a 64-bit float holds (integers up to 2^53, about 15 significant digits)'
        : 'is beyond the range of a 64-bit float';
  return `the number ${quoted(literal)} ${why}: it would become ${String(value)}; send it as a string to keep it exactly`;
}

/** One violation per number, its pointer placed under `prefix` (where the document sits in the request). */
export const inexactNumberViolations = (found: readonly InexactNumberAt[], prefix = ''): Violation[] =>
  found.map(({ pointer, literal }) => ({
    pointer: prefix + pointer,
    keyword: EXACT_NUMBER_KEYWORD,
    message: inexactNumberMessage(literal),
  }));

/** The `invalid` error for a request whose body holds numbers that would change. */
export function inexactNumbersProblem(found: readonly InexactNumberAt[], prefix = ''): DomainError {
  const violations = inexactNumberViolations(found, prefix);
  const first = violations[0]!;
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
  return invalid(INEXACT_NUMBER, `${first.pointer || '/'}: ${first.message}${more}`, violations);
}

interface Frame {
  readonly array: boolean;
  key: string;
  index: number;
}

const pointerOf = (stack: readonly Frame[]): string =>
  toPointer(stack.map((frame) => (frame.array ? frame.index : frame.key)));

/**
 * A literal can only be inexact with an exponent or with more than 15 digits; text without either is not scanned.
 * Matches inside strings only cost a scan that finds nothing.
 */
const MAY_HOLD_INEXACT = /\d[eE]|(?:\d\.?){16}/;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The index just after the string that starts (with its quote) at `start`. */
function stringEnd(text: string, start: number): number {
  let at = start + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

const isNumberStart = (code: number) => code === 0x2d || (code >= 0x30 && code <= 0x39);
const isNumberPart = (code: number) =>
  (code >= 0x30 && code <= 0x39) ||
  code === 0x2e ||
  code === 0x2b ||
  code === 0x2d ||
  code === 0x65 ||
  code === 0x45;

/** Every number literal of a valid JSON text that a JavaScript number cannot hold exactly, with its pointer. */
export function inexactNumbersIn(text: string): InexactNumberAt[] {
  if (!MAY_HOLD_INEXACT.test(text)) return [];
  const found: InexactNumberAt[] = [];
  const stack: Frame[] = [];
  let expectingKey = false;
  let at = 0;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    const top = stack[stack.length - 1];
    if (code === QUOTE) {
      const end = stringEnd(text, at);
      if (top && !top.array && expectingKey) {
        const raw = text.slice(at, end);
        top.key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        expectingKey = false;
      }
      at = end;
      continue;
    }
    if (isNumberStart(code)) {
      let end = at + 1;
      while (end < text.length && isNumberPart(text.charCodeAt(end))) end += 1;
      const literal = text.slice(at, end);
      if (!isExactNumberLiteral(literal)) found.push({ pointer: pointerOf(stack), literal });
      at = end;
      continue;
    }
    if (code === 0x7b) {
      stack.push({ array: false, key: '', index: 0 });
      expectingKey = true;
    } else if (code === 0x5b) {
      stack.push({ array: true, key: '', index: 0 });
    } else if (code === 0x7d || code === 0x5d) {
      stack.pop();
    } else if (code === 0x2c && top) {
      if (top.array) top.index += 1;
      else expectingKey = true;
    }
    at += 1;
  }
  return found;
}

const isContainer = (value: unknown): value is Record<string, unknown> | unknown[] =>
  value !== null && typeof value === 'object';

/**
 * The parsed value with an `InexactNumber` standing in place of each number `found` names, so the value can be
 * carried on and written back (`exactJsonText`) with the literal as it was sent.
 */
export function markInexactNumbers<T>(value: T, found: readonly InexactNumberAt[]): T | InexactNumber {
  let root: unknown = value;
  for (const { pointer, literal } of found) {
    if (pointer === '') {
      root = new InexactNumber(literal);
      continue;
    }
    const tokens = parsePointer(pointer) ?? [];
    let node: unknown = root;
    for (const token of tokens.slice(0, -1))
      node = isContainer(node) ? (node as Record<string, unknown>)[token] : undefined;
    const last = tokens[tokens.length - 1]!;
    if (isContainer(node) && typeof (node as Record<string, unknown>)[last] === 'number')
      (node as Record<string, unknown>)[last] = new InexactNumber(literal);
  }
  return root as T | InexactNumber;
}

/** Where the `InexactNumber`s of a value stand, as JSON pointers. */
export function inexactNumbersOf(value: unknown, pointer = ''): InexactNumberAt[] {
  if (value instanceof InexactNumber) return [{ pointer, literal: value.literal }];
  if (!isContainer(value)) return [];
  return Object.entries(value).flatMap(([key, item]) => inexactNumbersOf(item, pointer + toPointer([key])));
}

/** JSON text of a value, with each `InexactNumber` written as its literal: the document as it was sent. */
export function exactJsonText(value: unknown): string {
  if (value instanceof InexactNumber) return value.literal;
  if (Array.isArray(value))
    return `[${value.map((item) => exactJsonText(item === undefined ? null : item)).join(',')}]`;
  if (isContainer(value) && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    const members = Object.entries(value).filter(
      ([, item]) => item !== undefined && typeof item !== 'function',
    );
    return `{${members.map(([key, item]) => `${JSON.stringify(key)}:${exactJsonText(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
