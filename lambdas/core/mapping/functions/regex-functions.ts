/**
 * Data Prep's regular expression functions. Patterns are written as JavaScript regular expressions, which agree
 * with Java's for the classes, groups and quantifiers people use, and run in linear time (see `bounded-regex.ts`).
 */
import { boundedInput, literalPatternCheck, regexOf } from './bounded-regex';
import {
  defineFunction,
  requiredText,
  textArg,
  withConstantCheck,
  type MappingFunction,
} from './function-types';

/** The first match anywhere in the text, as `[whole match, group 1, …]` (a group that took no part is null). */
const extractRegex = withConstantCheck(
  defineFunction('extract_regex', 2, 2, false, (args) => {
    const text = textArg('extract_regex', args, 0, 'input');
    if (text === undefined) return undefined;
    const match = regexOf('extract_regex', requiredText('extract_regex', args, 1, 'regex')).exec(
      boundedInput('extract_regex', text),
    );
    return match ?? undefined;
  }),
  literalPatternCheck('extract_regex', 1),
);

/** Whether the whole text matches, as Java's `String.matches`. */
const matchesRegex = withConstantCheck(
  defineFunction('matches_regex', 2, 2, true, (args) => {
    const text = textArg('matches_regex', args, 0, 'input');
    if (text === undefined) return undefined;
    const regex = regexOf('matches_regex', requiredText('matches_regex', args, 1, 'regex'), true);
    return regex.test(boundedInput('matches_regex', text));
  }),
  literalPatternCheck('matches_regex', 1, true),
);

export const REGEX_FUNCTIONS: readonly MappingFunction[] = [extractRegex, matchesRegex];
