/**
 * Regular expressions from mapping sets run on every row, on text the row's sender chose. JavaScript's engine
 * backtracks, so a pattern such as `(a+)+$` takes time exponential in its input: every regex function refuses
 * inputs longer than a bound, which keeps a hostile or unlucky field from stalling a batch. Compiled patterns are
 * cached (a mapping set's patterns are constants).
 */
import { expressionError } from './function-types';

/**
 * The longest text a regex function reads. Data Prep's regex uses (codes, product strings, URLs, delimited
 * lists) fit well within it, and the polynomial patterns people write by accident (`.*a.*b`) stay in the
 * millisecond range on it.
 */
export const REGEX_INPUT_LIMIT = 4_096;

/** Distinct patterns kept compiled; beyond it the cache starts over. */
const REGEX_CACHE_LIMIT = 512;
const compiled = new Map<string, RegExp>();

/** `whole` anchors the pattern to the whole text, as Java's `String.matches` does. */
export function regexOf(fn: string, pattern: string, whole = false): RegExp {
  const key = (whole ? 'whole:' : 'find:') + pattern;
  let regex = compiled.get(key);
  if (regex === undefined) {
    try {
      regex = new RegExp(whole ? `^(?:${pattern})$` : pattern);
    } catch {
      throw expressionError(`${fn}: the regular expression is not valid`);
    }
    if (compiled.size >= REGEX_CACHE_LIMIT) compiled.clear();
    compiled.set(key, regex);
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
