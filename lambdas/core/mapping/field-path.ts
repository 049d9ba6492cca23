/**
 * Data Prep field paths: `a.b` (dot notation), `a\.b` (a dot inside a name), `${first name}` (a name with spaces,
 * dots or a reserved word), `emails[0]` (an index) and `items[*]` (every element, bound by the iteration of the rule).
 * The same segments serve to read a source row and to write the destination record.
 */
import { setOwn } from '../own-property';
import { isRecord } from './expression-values';

export type PathSegment =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  /** `[*]`: `level` is how many `[*]` come before it in the path; it takes the element index of that level. */
  | { readonly kind: 'each'; readonly level: number };

export interface FieldPath {
  readonly segments: readonly PathSegment[];
  /** How many `[*]` the path has. */
  readonly iterations: number;
}

/**
 * The largest `[n]` a destination may name: writing index n creates n elements before it, so a typo such as
 * `emails[1000000000]` must not allocate a billion-element array. XDM arrays written by index (identityMap entries)
 * hold a handful of elements.
 */
export const MAX_DESTINATION_INDEX = 999;

export class PathSyntaxError extends Error {
  override readonly name = 'PathSyntaxError';
}

/**
 * Parses a whole ATTRIBUTE source or destination path. Names here are lenient (any character but `.`, `[`, `]`,
 * with `\` escaping the next character), since source columns are often spreadsheet headers; expressions use the
 * stricter identifier syntax of `expression-grammar.ts`.
 */
export function parseFieldPath(text: string): FieldPath {
  const segments: PathSegment[] = [];
  let iterations = 0;
  let index = 0;
  let expectName = true;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '[') {
      if (segments.length === 0) throw new PathSyntaxError('a path starts with a field name, not an index');
      if (expectName) throw new PathSyntaxError(`empty field name at character ${index}`);
      const end = text.indexOf(']', index);
      if (end < 0) throw new PathSyntaxError(`unclosed [ at character ${index}`);
      const inside = text.slice(index + 1, end);
      if (inside === '*') segments.push({ kind: 'each', level: iterations++ });
      else segments.push({ kind: 'index', index: parseIndex(inside, index) });
      index = end + 1;
      expectName = false;
      continue;
    }
    if (char === '.') {
      if (expectName) throw new PathSyntaxError(`empty field name at character ${index}`);
      index += 1;
      expectName = true;
      if (index === text.length) throw new PathSyntaxError('the path ends with a dot');
      continue;
    }
    if (!expectName) throw new PathSyntaxError(`expected "." or "[" at character ${index}`);
    const { name, end } =
      char === '$' && text[index + 1] === '{' ? readWrapped(text, index) : readPlain(text, index);
    segments.push({ kind: 'name', name });
    index = end;
    expectName = false;
  }
  if (segments.length === 0) throw new PathSyntaxError('the path is empty');
  return { segments, iterations };
}

function parseIndex(inside: string, at: number): number {
  if (!/^\d{1,9}$/.test(inside))
    throw new PathSyntaxError(`"[${inside}]" at character ${at} is not [n] or [*]`);
  return Number(inside);
}

/** `${...}`: everything up to the closing brace is one name; `\` escapes the next character (`\}`, `\.`). */
export function readWrapped(text: string, start: number): { name: string; end: number } {
  let name = '';
  let index = start + 2;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '}') {
      if (name === '') throw new PathSyntaxError(`empty \${} at character ${start}`);
      return { name, end: index + 1 };
    }
    if (char === '\\' && index + 1 < text.length) {
      name += text[index + 1];
      index += 2;
    } else {
      name += char;
      index += 1;
    }
  }
  throw new PathSyntaxError(`unclosed \${ at character ${start}`);
}

function readPlain(text: string, start: number): { name: string; end: number } {
  let name = '';
  let index = start;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '.' || char === '[') break;
    if (char === ']') throw new PathSyntaxError(`unexpected ] at character ${index}`);
    if (char === '\\') {
      if (index + 1 === text.length) throw new PathSyntaxError('the path ends with a lone backslash');
      name += text[index + 1];
      index += 2;
    } else {
      name += char;
      index += 1;
    }
  }
  return { name, end: index };
}

/**
 * The value at `path` in `root`, or undefined; `[*]` of level k takes `elements[k]`. Only own fields are read.
 * `root` is a JSON tree (a source row, a record being built), which holds no date values, so an object test is
 * enough; this runs for every path of every rule of every row.
 */
export function readPath(
  root: unknown,
  segments: readonly PathSegment[],
  elements: readonly number[],
): unknown {
  let value = root;
  for (const segment of segments) {
    if (typeof value !== 'object' || value === null) return undefined;
    if (segment.kind === 'name') {
      if (Array.isArray(value) || !Object.hasOwn(value, segment.name)) return undefined;
      value = (value as Record<string, unknown>)[segment.name];
    } else {
      if (!Array.isArray(value)) return undefined;
      value = value[segment.kind === 'index' ? segment.index : elements[segment.level]!];
    }
  }
  return value;
}

/** The path in Data Prep notation, with the element indexes of `elements` in place of `[*]`, for messages. */
export function describePath(segments: readonly PathSegment[], elements: readonly number[] = []): string {
  return segments
    .map((segment, position) => {
      if (segment.kind === 'index') return `[${segment.index}]`;
      if (segment.kind === 'each') return `[${elements[segment.level] ?? '*'}]`;
      const name = /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(segment.name) ? segment.name : `\${${segment.name}}`;
      return position === 0 ? name : `.${name}`;
    })
    .join('');
}

export class DestinationConflict extends Error {
  override readonly name = 'DestinationConflict';
}

/**
 * Writes `value` at `segments` in `record`, creating the objects and arrays on the way. An array written past its
 * end is padded with null, so that element i of a destination stays element i of its source. Two objects written
 * at one place merge (the later one's fields win), which is how `address → addr` and `address.line1 →
 * addr.addrLine1` combine; anything else in the way of the path is a conflict.
 */
export function writePath(
  record: Record<string, unknown>,
  segments: readonly PathSegment[],
  elements: readonly number[],
  value: unknown,
): void {
  let container: Record<string, unknown> | unknown[] = record;
  const last = segments.length - 1;
  for (let position = 0; position <= last; position++) {
    const segment = segments[position]!;
    const key = segment.kind === 'name' ? segment.name : keyOf(segment, elements);
    if (position === last) {
      put(container, key, value);
      return;
    }
    const existing = get(container, key);
    const wantsArray = segments[position + 1]!.kind !== 'name';
    if (existing === undefined || existing === null) {
      const created: Record<string, unknown> | unknown[] = wantsArray ? [] : {};
      put(container, key, created);
      container = created;
    } else if (wantsArray ? Array.isArray(existing) : isRecord(existing)) {
      container = existing as Record<string, unknown> | unknown[];
    } else {
      throw new DestinationConflict(
        `${describePath(segments.slice(0, position + 1), elements)} already holds a value that is not ${wantsArray ? 'an array' : 'an object'}`,
      );
    }
  }
}

/**
 * Makes sure the element that the last `[*]` of a destination addresses exists — an empty object when the path goes
 * on below it, null when the element itself is the value — so that iterating rules keep destination elements
 * aligned with source elements even when one element has nothing to write. `elementPath` is the destination cut
 * after its last `[*]`.
 */
export function touchElement(
  record: Record<string, unknown>,
  elementPath: readonly PathSegment[],
  holdsFields: boolean,
  elements: readonly number[],
): void {
  const existing = readPath(record, elementPath, elements);
  if (existing === undefined || (existing === null && holdsFields)) {
    writePath(record, elementPath, elements, holdsFields ? {} : null);
  }
}

function keyOf(segment: Exclude<PathSegment, { kind: 'name' }>, elements: readonly number[]): number {
  return segment.kind === 'index' ? segment.index : elements[segment.level]!;
}

function get(container: Record<string, unknown> | unknown[], key: string | number): unknown {
  if (Array.isArray(container)) return container[key as number];
  return Object.hasOwn(container, key) ? container[key as string] : undefined;
}

/** Sets `key` (an index for an array, a name for an object: the path's shape guarantees which) to `value`. */
function put(container: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  const existing = get(container, key);
  if (isRecord(existing) && isRecord(value)) {
    for (const field of Object.keys(value)) setOwn(existing, field, value[field]);
  } else if (Array.isArray(container)) {
    while (container.length < (key as number)) container.push(null);
    container[key as number] = value;
  } else {
    setOwn(container, key as string, value);
  }
}
