/**
 * Data Prep's hashing functions: lower-case hexadecimal digests of the text encoded in a charset (UTF-8 by default;
 * UTF-16, ISO-8859-1 and US-ASCII as in Java, where a character the charset lacks becomes `?` and UTF-16 is
 * big-endian with a byte-order mark). CRC-32 is computed here: `zlib.crc32` is missing from older Node 20 releases.
 */
import { createHash } from 'node:crypto';
import { defineFunction, expressionError, textArg, type MappingFunction } from './function-types';

const QUESTION_MARK = 0x3f;

function singleByte(text: string, highest: number): Buffer {
  const bytes = Buffer.alloc(text.length);
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    bytes[index] = code <= highest ? code : QUESTION_MARK;
  }
  return bytes;
}

function utf16BigEndian(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf16le');
  bytes.swap16();
  return Buffer.concat([Buffer.from([0xfe, 0xff]), bytes]);
}

const ENCODERS: Readonly<Record<string, (text: string) => Buffer>> = {
  'UTF-8': (text) => Buffer.from(text, 'utf8'),
  'UTF-16': utf16BigEndian,
  'ISO-8859-1': (text) => singleByte(text, 0xff),
  'US-ASCII': (text) => singleByte(text, 0x7f),
};

function bytesOf(fn: string, args: readonly unknown[]): Buffer | undefined {
  const text = textArg(fn, args, 0, 'input');
  if (text === undefined) return undefined;
  const charset = (textArg(fn, args, 1, 'charset') ?? 'UTF-8').toUpperCase();
  const encode = ENCODERS[charset];
  if (encode === undefined) {
    throw expressionError(`${fn}: argument 2 (charset) must be one of ${Object.keys(ENCODERS).join(', ')}`);
  }
  return encode(text);
}

const digest = (fn: string, algorithm: string) =>
  defineFunction(fn, 1, 2, true, (args) => {
    const bytes = bytesOf(fn, args);
    return bytes === undefined ? undefined : createHash(algorithm).update(bytes).digest('hex');
  });

/** The CRC-32 table of the IEEE polynomial (reflected), as zlib and Java's `CRC32` use it. */
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, byte) => {
  let crc = byte;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  return crc >>> 0;
});

export function crc32Of(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * The CRC's four bytes in little-endian order, as Experience Platform writes them: its documented
 * `crc32("my text")` is `8df92e80`, the byte reversal of the conventional `802ef98d`.
 */
const crc32 = defineFunction('crc32', 1, 2, true, (args) => {
  const bytes = bytesOf('crc32', args);
  if (bytes === undefined) return undefined;
  const digest = Buffer.alloc(4);
  digest.writeUInt32LE(crc32Of(bytes));
  return digest.toString('hex');
});

export const HASHING_FUNCTIONS: readonly MappingFunction[] = [
  digest('sha1', 'sha1'),
  digest('sha256', 'sha256'),
  digest('sha512', 'sha512'),
  digest('md5', 'md5'),
  crc32,
];
