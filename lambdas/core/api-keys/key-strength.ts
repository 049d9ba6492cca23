/**
 * How hard an operator-chosen key (the platform key) is to guess, estimated the way a guesser works: character by
 * character only where the key looks random. A part that repeats an earlier part, continues a run (`aaaa`, `abcd`,
 * `4321`), follows a keyboard row (`qwerty`) or spells a common word (also in leetspeak: `p4ssw0rd`) counts as one
 * guess of a few bits, however long it is; letters of one case in a row (which may be any word) count at most as
 * a word picked from a large dictionary; every other character counts log2 of the alphabet the key draws on (the
 * sum of the classes it uses: 26 lower-case, 26 upper-case, 10 digits, 33 other printable characters).
 */

/** A 128-bit hex key is 32 characters; anything shorter cannot carry the bits below in that alphabet. */
export const MIN_PLATFORM_KEY_LENGTH = 32;
/** The strength of a random 128-bit key: beyond any guessing, online or against a leaked hash. */
export const MIN_PLATFORM_KEY_BITS = 128;
/**
 * The shortest repeat, run, row or word counted as one guess. Three characters happen by chance in a random hex key
 * often enough to refuse one in a few hundred; four almost never do.
 */
const MIN_PATTERN_LENGTH = 4;
/** What one pattern is worth to a guesser: which kind, and where it starts in a short key. */
const PATTERN_BITS = 4;
/**
 * Letters of one case in a row, from this many on, may be a word of any dictionary (a passphrase): counted as at
 * most a pick from a large one, WORD_BITS (65,536 words), rather than letter by letter.
 */
const MIN_WORD_RUN = 5;
const WORD_BITS = 16;

const CHARACTER_CLASSES: readonly (readonly [RegExp, number])[] = [
  [/[a-z]/, 26],
  [/[A-Z]/, 26],
  [/[0-9]/, 10],
  [/[^a-zA-Z0-9]/, 33],
];

const KEYBOARD_ROWS = ['`1234567890-=', 'qwertyuiop[]\\', "asdfghjkl;'", 'zxcvbnm,./'];

/** Leetspeak spellings folded back to letters before words are looked for. */
const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
};

/** Words people put in keys and passwords: the first a guesser tries. */
const COMMON_WORDS = [
  'access',
  'admin',
  'administrator',
  'apikey',
  'bootstrap',
  'changeme',
  'customer',
  'data',
  'default',
  'dragon',
  'football',
  'hello',
  'iloveyou',
  'ingest',
  'letmein',
  'login',
  'master',
  'monkey',
  'pass',
  'passw',
  'password',
  'platform',
  'prod',
  'production',
  'qwerty',
  'root',
  'sandbox',
  'secret',
  'staging',
  'sunshine',
  'superuser',
  'test',
  'token',
  'tributary',
  'trustno',
  'user',
  'welcome',
];

const alphabetSize = (key: string): number =>
  CHARACTER_CLASSES.reduce((size, [pattern, count]) => size + (pattern.test(key) ? count : 0), 0);

/** The longest stretch at `at` that copies an earlier one (overlapping it, as in `abababab`). */
function repeatLength(text: string, at: number): number {
  let longest = 0;
  for (let start = 0; start < at; start += 1) {
    let length = 0;
    while (at + length < text.length && text[start + length] === text[at + length]) length += 1;
    longest = Math.max(longest, length);
  }
  return longest;
}

/** The length of the run at `at` whose characters step by the same -1, 0 or +1 code point. */
function runLength(text: string, at: number): number {
  if (at + 1 >= text.length) return 1;
  const step = text.charCodeAt(at + 1) - text.charCodeAt(at);
  if (Math.abs(step) > 1) return 1;
  let length = 2;
  while (
    at + length < text.length &&
    text.charCodeAt(at + length) - text.charCodeAt(at + length - 1) === step
  )
    length += 1;
  return length;
}

/** The longest stretch at `at` that follows a keyboard row, either way. */
function keyboardLength(text: string, at: number): number {
  let longest = 0;
  for (const row of KEYBOARD_ROWS) {
    for (const line of [row, [...row].reverse().join('')]) {
      let length = 0;
      while (at + length < text.length && line.includes(text.slice(at, at + length + 1))) length += 1;
      longest = Math.max(longest, length);
    }
  }
  return longest;
}

/** The length of the stretch at `at` of letters of one case. */
const letterRunLength = (key: string, at: number): number =>
  /^(?:[a-z]+|[A-Z]+)/.exec(key.slice(at))?.[0].length ?? 0;

const wordLength = (text: string, at: number): number =>
  COMMON_WORDS.reduce(
    (longest, word) => (text.startsWith(word, at) ? Math.max(longest, word.length) : longest),
    0,
  );

/** The estimated bits a guesser must cover to find the key; see the file comment. */
export function estimatedKeyBits(key: string): number {
  const perCharacter = Math.log2(alphabetSize(key));
  const lower = key.toLowerCase();
  const folded = [...lower].map((character) => LEET[character] ?? character).join('');
  let bits = 0;
  for (let at = 0; at < key.length;) {
    const pattern = Math.max(
      repeatLength(lower, at),
      runLength(lower, at),
      keyboardLength(lower, at),
      wordLength(folded, at),
    );
    const letters = letterRunLength(key, at);
    if (pattern >= MIN_PATTERN_LENGTH) {
      bits += PATTERN_BITS;
      at += pattern;
    } else if (letters >= MIN_WORD_RUN) {
      bits += Math.min(letters * perCharacter, WORD_BITS);
      at += letters;
    } else {
      bits += perCharacter;
      at += 1;
    }
  }
  return bits;
}

/** Why the key is too weak to be the platform key, or undefined when it is strong enough. */
export function platformKeyWeakness(key: string): string | undefined {
  if (key.length < MIN_PLATFORM_KEY_LENGTH)
    return `the platform key must be at least ${MIN_PLATFORM_KEY_LENGTH} characters`;
  const bits = Math.floor(estimatedKeyBits(key));
  if (bits < MIN_PLATFORM_KEY_BITS) {
    return (
      `the platform key is too easy to guess (about ${bits} bits, at least ${MIN_PLATFORM_KEY_BITS} needed): ` +
      'use random characters, not repeats, runs, keyboard rows or words'
    );
  }
  return undefined;
}
