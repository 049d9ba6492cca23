/**
 * Bytes of a `ByteSource`: gzip detection by magic number, a range read into memory (small ranges only), and a range
 * as a stream of Buffers, decompressed when the file is gzip.
 */
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FileFormatError, type ByteSource, type FilePlan } from './file-format-types';

const GZIP_MAGIC = [0x1f, 0x8b];

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
  const gunzip = createGunzip();
  // Errors of either stream surface in the iteration below; stopping early destroys both.
  pipeline(raw, gunzip, () => undefined);
  try {
    for await (const part of gunzip) yield part as Buffer;
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
