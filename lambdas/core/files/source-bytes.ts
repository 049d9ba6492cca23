/**
 * Bytes of a `ByteSource`: gzip detection by magic number, a range read into memory (small ranges only), and a range
 * as a stream of Buffers, decompressed when the file is gzip — to MAX_GUNZIPPED_TEXT_BYTES at most, so a gzip bomb
 * (a small file that inflates to terabytes) fails as a file instead of holding a worker until it times out.
 */
import { pipeline, Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FileFormatError, type ByteSource, type FilePlan } from './file-format-types';

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Bytes a gzip CSV or JSON file may decompress to. A gzip file cannot be cut into chunks, so one worker invocation
 * reads it whole: at the ~10 MB/s a chunk stages (parsing, validation, Parquet encoding), 2 GiB is about 3.5 minutes
 * of the worker's 15. A larger file is refused with DECOMPRESSED_SIZE_EXCEEDED: split, or uploaded uncompressed
 * (then it is read in chunks), it is taken.
 */
export const MAX_GUNZIPPED_TEXT_BYTES = 2 * 1024 ** 3;

/** The code of a file that decompresses to more than the platform reads of one file. */
export const DECOMPRESSED_SIZE_EXCEEDED = 'decompressed-size-exceeded';

const MIB = 1024 ** 2;

/** The failure of a file that decompressed past `maxBytes`; `advice` says what to send instead. */
export function decompressedSizeExceeded(maxBytes: number, advice: string): FileFormatError {
  return new FileFormatError(
    DECOMPRESSED_SIZE_EXCEEDED,
    `The gzip file decompresses to more than ${maxBytes / MIB} MiB, the most one file is decompressed to: ${advice}`,
  );
}

/** A pass-through that fails with `exceeded()` as soon as more than `maxBytes` went through it. */
export function byteLimit(maxBytes: number, exceeded: () => Error): Transform {
  let passed = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      passed += chunk.length;
      if (passed > maxBytes) callback(exceeded());
      else callback(null, chunk);
    },
  });
}

export async function detectCompression(source: ByteSource): Promise<FilePlan['compression']> {
  if (source.size < GZIP_MAGIC.length) return 'none';
  const head = await readRange(source, 0, GZIP_MAGIC.length);
  return head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1] ? 'gzip' : 'none';
}

export async function readRange(source: ByteSource, start: number, end: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of await source.read(start, end)) parts.push(asBuffer(part));
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** Bytes `[start, end)` of the file, gunzipped when `compression` says so (then the range is the whole file). */
export async function* rangeBytes(
  source: ByteSource,
  start: number,
  end: number,
  compression: FilePlan['compression'],
): AsyncGenerator<Buffer> {
  const raw = await source.read(start, end);
  if (compression === 'none') {
    for await (const part of raw) yield asBuffer(part);
    return;
  }
  yield* gunzipped(raw);
}

async function* gunzipped(raw: Readable): AsyncGenerator<Buffer> {
  const limit = byteLimit(MAX_GUNZIPPED_TEXT_BYTES, () =>
    decompressedSizeExceeded(
      MAX_GUNZIPPED_TEXT_BYTES,
      'split it into smaller files, or send it uncompressed (an uncompressed file is read in chunks)',
    ),
  );
  // Errors of any stream surface in the iteration below; stopping early destroys them all.
  pipeline(raw, createGunzip(), limit, () => undefined);
  try {
    for await (const part of limit) yield part as Buffer;
  } catch (error) {
    throw asCorruptGzip(error);
  }
}

/** zlib's errors (bad header, bad data, unexpected end) mean the file is not a readable gzip; others pass through. */
export function asCorruptGzip(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new FileFormatError(
      'corrupt-gzip',
      `The file is not a readable gzip: ${(error as Error).message}`,
    );
  }
  return error;
}

function asBuffer(part: unknown): Buffer {
  return Buffer.isBuffer(part) ? part : Buffer.from(part as Uint8Array | string);
}
