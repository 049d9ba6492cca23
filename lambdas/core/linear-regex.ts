/**
 * Regular expressions that tenants write — JSON Schema `pattern`s and `patternProperties` keys, the patterns of Data
 * Prep's regex functions — run on RE2 (re2js, its pure-JavaScript port): matching takes time linear in the text
 * whatever the pattern, so no pattern can stall a shared consumer the way `^(a+)+$` stalls a backtracking engine
 * (seconds for 30 characters, doubling with each one more).
 *
 * Patterns are written in ECMAScript syntax, as JSON Schema and our Data Prep documentation define them, and
 * translated into RE2's: `.`, `\s` and `\S` keep their ECMAScript meaning (RE2's `.` also matches `\r`, its `\s` is
 * ASCII only), and so do the identity escapes of the non-Unicode mode (`\a` is `a`, not a bell). What RE2 cannot
 * run in linear time — lookahead, lookbehind, backreferences, repetition counts over 1,000 — is refused with the
 * reason: `UnsupportedPatternError`.
 */
import { RE2JS, RE2JSException } from 're2js';

/** A valid ECMAScript pattern that RE2 cannot run in linear time; `message` says which construct. */
export class UnsupportedPatternError extends Error {
  override readonly name = 'UnsupportedPatternError';
}

export interface LinearRegex {
  /** The pattern as written (ECMAScript syntax). */
  readonly source: string;
  /** Whether the pattern matches anywhere in the text (JSON Schema's reading of `pattern`). */
  test(text: string): boolean;
  /** The first match, as `[whole match, group 1, …]` (null for a group that took no part); null when none. */
  exec(text: string): (string | null)[] | null;
  /** `String.prototype.split` with this pattern as the separator, captured groups included. */
  split(text: string): (string | null)[];
}

/** ECMAScript's `\s`: its white space and line terminators, as RE2 class items (RE2's own `\s` is ASCII only). */
const WHITE_SPACE =
  '\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';
/** Every code point but those of `WHITE_SPACE`, for `\S` inside a class (where a negated class cannot nest). */
const NOT_WHITE_SPACE =
  '\\x{00}-\\x{08}\\x{0E}-\\x{1F}\\x{21}-\\x{9F}\\x{A1}-\\x{167F}\\x{1681}-\\x{1FFF}\\x{200B}-\\x{2027}' +
  '\\x{202A}-\\x{202E}\\x{2030}-\\x{205E}\\x{2060}-\\x{2FFF}\\x{3001}-\\x{FEFE}\\x{FF00}-\\x{10FFFF}';
/** ECMAScript's `.` without the `s` flag: anything but a line terminator (RE2's excludes only `\n`). */
const ANY_BUT_LINE_TERMINATOR = '[^\\n\\r\\x{2028}\\x{2029}]';

/** Escapes whose letter means something in ECMAScript; any other escaped letter is the letter (non-Unicode mode). */
const MEANINGFUL_ESCAPES = new Set('bBdDsSwWfnrtvcxuk0123456789');

const LOOKAROUND = /^\(\?<?[=!]/;

/** Capturing groups, to tell a backreference (`\2` with two groups) from an octal escape. */
function capturingGroups(pattern: string): number {
  let count = 0;
  let inClass = false;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === '\\') index++;
    else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (
      char === '(' &&
      (pattern[index + 1] !== '?' || /^\?<[^=!]/.test(pattern.slice(index + 1, index + 4)))
    )
      count++;
  }
  return count;
}

/** The ECMAScript pattern in RE2's syntax; throws `UnsupportedPatternError` for what RE2 cannot run. */
function toRe2Syntax(pattern: string, unicode: boolean): string {
  const groups = capturingGroups(pattern);
  const namedGroups = /\(\?<[^=!]/.test(pattern);
  let out = '';
  let inClass = false;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '\\') {
      const next = pattern[index + 1] ?? '';
      index++;
      const digits = /^[1-9]\d*/.exec(pattern.slice(index))?.[0];
      if (!inClass && digits !== undefined && Number(digits) <= groups)
        throw new UnsupportedPatternError(`the backreference \\${digits} needs a backtracking engine`);
      if (!inClass && next === 'k' && namedGroups)
        throw new UnsupportedPatternError('the named backreference \\k needs a backtracking engine');
      if (next === 's') out += inClass ? WHITE_SPACE : `[${WHITE_SPACE}]`;
      else if (next === 'S') out += inClass ? NOT_WHITE_SPACE : `[^${WHITE_SPACE}]`;
      else if (next === 'b' && inClass) out += '\\x{08}';
      else if (/[a-z]/i.test(next) && !MEANINGFUL_ESCAPES.has(next) && !(unicode && /[pP]/.test(next)))
        out += next;
      else out += `\\${next}`;
      continue;
    }
    if (inClass) {
      inClass = char !== ']';
      out += char;
    } else if (pattern.startsWith('[]', index) || pattern.startsWith('[^]', index)) {
      // ECMAScript's empty classes (nothing, anything); in RE2 a `]` right after `[` or `[^` is a literal.
      const negated = pattern[index + 1] === '^';
      out += negated ? '[\\x{0}-\\x{10FFFF}]' : '[^\\x{0}-\\x{10FFFF}]';
      index += negated ? 2 : 1;
    } else if (char === '[') {
      inClass = true;
      out += char;
    } else if (char === '.') {
      out += ANY_BUT_LINE_TERMINATOR;
    } else if (char === '(' && LOOKAROUND.test(pattern.slice(index, index + 4))) {
      const behind = pattern[index + 2] === '<';
      throw new UnsupportedPatternError(
        `the ${behind ? 'lookbehind' : 'lookahead'} ${pattern.slice(index, index + (behind ? 4 : 3))}…) needs a backtracking engine`,
      );
    } else {
      out += char;
    }
  }
  return RE2JS.translateRegExp(out);
}

class Re2Regex implements LinearRegex {
  constructor(
    readonly source: string,
    private readonly re2: RE2JS,
  ) {}

  test(text: string): boolean {
    return this.re2.test(text);
  }

  exec(text: string): (string | null)[] | null {
    const matcher = this.re2.matcher(text);
    if (!matcher.find()) return null;
    return Array.from({ length: matcher.groupCount() + 1 }, (_, group) => matcher.group(group));
  }

  /** ECMAScript's split algorithm, with "the next match from q" in place of its sticky match at each q. */
  split(text: string): (string | null)[] {
    const matcher = this.re2.matcher(text);
    if (text.length === 0) return matcher.find(0) ? [] : [text];
    const parts: (string | null)[] = [];
    let from = 0;
    let next = 0;
    while (next < text.length && matcher.find(next)) {
      const [start, end] = [matcher.start(), matcher.end()];
      if (start >= text.length) break;
      if (end === from) {
        next = start + 1;
        continue;
      }
      parts.push(text.slice(from, start));
      for (let group = 1; group <= matcher.groupCount(); group++) parts.push(matcher.group(group));
      from = end;
      next = end > start ? end : start + 1;
    }
    parts.push(text.slice(from));
    return parts;
  }
}

export interface PatternMode {
  /** The mode the pattern was written for: without it `\p` is the letter p, as ECMAScript reads it. Default true. */
  readonly unicode?: boolean;
  /** ECMAScript's `i` flag. */
  readonly ignoreCase?: boolean;
}

/**
 * Compiles an ECMAScript pattern (already known to be valid in its mode) for linear-time matching. Throws
 * `UnsupportedPatternError` naming the construct RE2 cannot run.
 */
export function compileLinearRegex(pattern: string, mode: PatternMode = {}): LinearRegex {
  const translated = toRe2Syntax(pattern, mode.unicode ?? true);
  try {
    return new Re2Regex(pattern, RE2JS.compile(translated, mode.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0));
  } catch (error) {
    if (error instanceof RE2JSException) throw new UnsupportedPatternError(error.message);
    throw error;
  }
}

/** Why the linear-time engine cannot run the pattern, or undefined when it can. */
export function linearRegexRefusal(pattern: string, mode: PatternMode = {}): string | undefined {
  try {
    compileLinearRegex(pattern, mode);
    return undefined;
  } catch (error) {
    if (error instanceof UnsupportedPatternError) return error.message;
    throw error;
  }
}
