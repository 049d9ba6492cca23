/**
 * Regular expressions from mapping sets run on every row, on text the row's sender chose. They run on the
 * linear-time engine (`linear-regex.ts`, RE2), so a pattern such as `(a+)+$` cannot backtrack for seconds; a
 * pattern that needs backtracking (lookaround, backreferences) is refused like an invalid one. Inputs are bounded
 * too: RE2 with capture groups costs the text's length times the pattern's size. Compiled patterns are cached (a
 * mapping set's patterns are usually constants).
 */
import { compileLinearRegex, UnsupportedPatternError, type LinearRegex } from '../../linear-regex';
import { expressionError, type MappingFunction } from './function-types';

/**
 * The longest text a regex function reads. Data Prep's regex uses (codes, product strings, URLs, delimited
 * lists) fit well within it, and a pattern as long as an expression allows takes milliseconds on it.
 */
export const REGEX_INPUT_LIMIT = 4_096;

/** Distinct patterns kept compiled; beyond it the cache starts over. */
const REGEX_CACHE_LIMIT = 512;
const compiled = new Map<string, LinearRegex>();

/**
 * `whole` anchors the pattern to the whole text, as Java's `String.matches` does. Patterns are read as
 * ECMAScript's non-Unicode mode reads them, as they always were.
 */
export function regexOf(fn: string, pattern: string, whole = false): LinearRegex {
  const source = whole ? `^(?:${pattern})$` : pattern;
  let regex = compiled.get(source);
  if (regex === undefined) {
    try {
      new RegExp(source);
      regex = compileLinearRegex(source, { unicode: false });
    } catch (error) {
      if (error instanceof UnsupportedPatternError)
        throw expressionError(
          `${fn}: the regular expression cannot be matched in linear time (${error.message})`,
        );
      throw expressionError(`${fn}: the regular expression is not valid`);
    }
    if (compiled.size >= REGEX_CACHE_LIMIT) compiled.clear();
    compiled.set(source, regex);
  }
  return regex;
}

export function boundedInput(fn: string, text: string): string {
  if (text.length > REGEX_INPUT_LIMIT) {
    throw expressionError(
      `${fn}: the text is longer than ${REGEX_INPUT_LIMIT} characters, the limit for regular expressions`,
    );
  }
  return text;
}

/** The compile-time check of a function whose argument `index` is a pattern: a literal one must compile. */
export const literalPatternCheck =
  (fn: string, index: number, whole = false): NonNullable<MappingFunction['checkConstants']> =>
  (constants) => {
    const pattern = constants[index]?.value;
    if (typeof pattern === 'string') regexOf(fn, pattern, whole);
  };
