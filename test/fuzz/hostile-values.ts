/**
 * Arbitraries of hostile input shared by the fuzz tests: bytes that are not UTF-8, JSON nested past any limit, numbers
 * past a double's range, prototype keys, and strings mixing the characters parsers treat specially.
 */
import fc from 'fast-check';

/** Deeper than any recursive parser's stack tolerates, so unbounded recursion shows as a crash. */
export const DEEP_NESTING = 100_000;

/** Byte sequences that are not UTF-8: lone continuation bytes, overlong forms, surrogates, truncated sequences. */
export const INVALID_UTF8: readonly Uint8Array[] = [
  [0x80],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0xff, 0xfe],
  [0xf0, 0x9f, 0x98],
].map((bytes) => new Uint8Array(bytes));

/** JSON texts that are valid but hostile: deep nesting, huge numbers, prototype keys, odd unicode. */
export const HOSTILE_JSON_TEXTS: readonly string[] = [
  '['.repeat(DEEP_NESTING) + ']'.repeat(DEEP_NESTING),
  '{"a":'.repeat(DEEP_NESTING) + '1' + '}'.repeat(DEEP_NESTING),
  '{"n":1e400,"m":-1e400,"i":123456789012345678901234567890}',
  '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
  '{"a":"\\ud800","b":"\\u0000","c":"\u2028\u2029"}',
  '{"":"","\\u0000":1}',
  '1e400',
  '"' + 'x'.repeat(64 * 1024) + '"',
];

/** Truncations of JSON that a streaming parser may meet at a chunk edge. */
export const JSON_FRAGMENTS: readonly string[] = [
  '{',
  '}',
  '[',
  ']',
  '"',
  '\\',
  ':',
  ',',
  'null',
  'tru',
  '-',
  '1e',
  '0x10',
  'NaN',
  '"\\u12',
  '{"a"',
  '{"a":',
  '\n',
  '\r\n',
  ' ',
  '\ufeff',
];

/** Text from an alphabet weighted towards a parser's special characters, plus any unicode. */
export function specialText(specials: readonly string[], maxLength: number): fc.Arbitrary<string> {
  return fc
    .array(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...specials) },
        fc.string({ maxLength: 3, unit: 'binary' }),
      ),
      {
        maxLength,
      },
    )
    .map((parts) => parts.join(''));
}

/** The text as UTF-8 bytes with invalid sequences spliced in at random offsets. */
export function withInvalidUtf8(text: fc.Arbitrary<string>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(text, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...INVALID_UTF8)), { maxLength: 3 }))
    .map(([value, splices]) => {
      let bytes = Buffer.from(value, 'utf8');
      for (const [offset, invalid] of splices) {
        const at = bytes.length === 0 ? 0 : offset % (bytes.length + 1);
        bytes = Buffer.concat([bytes.subarray(0, at), invalid, bytes.subarray(at)]);
      }
      return new Uint8Array(bytes);
    });
}

/** Object keys that reach the prototype when a parser assigns them naively. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
] as const;

/** Resolves with the promise's value, or rejects when it takes longer than `ms` (a hang becomes a failure). */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How many runs a soak test makes: FUZZ_RUNS from the environment, else the given default. */
export function soakRuns(fallback: number): number {
  const configured = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(configured) && configured > 0 ? configured : fallback;
}
