/**
 * Opening a Parquet file for hyparquet: an `AsyncBuffer` that reads byte ranges of the `ByteSource` (a big file is
 * never loaded whole), or, for a gzip-compressed Parquet file (which cannot be read by range), a temporary file it
 * is decompressed into, streaming, to MAX_GUNZIPPED_PARQUET_BYTES at most, and removed afterwards.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { asyncBufferFromFile, parquetMetadataAsync, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { FileFormatError, type ByteSource, type FilePlan } from '../file-format-types';
import { asCorruptGzip, byteLimit, decompressedSizeExceeded, readRange } from '../source-bytes';

/**
 * The batch worker's temporary storage (`/tmp`), which the CDK app sets as its ephemeral storage: Lambda's default
 * 512 MiB held only eight 60 MiB gunzipped files, too few for a real gzipped Parquet export. Storage beyond 512 MiB
 * is billed only while an invocation runs (a fraction of a cent per hour of work), so 4 GiB costs nothing idle.
 */
export const BATCH_WORKER_TMP_MIB = 4096;

/**
 * Bytes a gzip-compressed Parquet file may decompress to, in the function's temporary storage: a plan step opens
 * PLAN_CONCURRENCY (8) files at once, so 8 × 448 MiB fill 3.5 GiB of BATCH_WORKER_TMP_MIB and leave 512 MiB for
 * the runtime's own files. Parquet compresses its own pages (snappy, gzip, zstd): a gzipped Parquet file is rare,
 * and a larger one is refused with DECOMPRESSED_SIZE_EXCEEDED rather than filling the disk and failing the step.
 */
export const MAX_GUNZIPPED_PARQUET_BYTES = 448 * 1024 ** 2;

export interface OpenParquet {
  readonly file: AsyncBuffer;
  readonly metadata: FileMetaData;
}

/**
 * Yields what `iterate` yields over the opened file (gunzipped to a temporary file first when compressed); the
 * temporary file lives until the iteration ends, however it ends (done, failed, or stopped early by the consumer).
 */
export async function* iterateParquetFile<T>(
  source: ByteSource,
  compression: FilePlan['compression'],
  iterate: (parquet: OpenParquet) => AsyncGenerator<T>,
): AsyncGenerator<T> {
  if (compression === 'none') {
    yield* iterate(await openParquet(rangeReader(source)));
    return;
  }
  const directory = await mkdtemp(join(tmpdir(), 'tributary-parquet-'));
  try {
    const path = join(directory, 'file.parquet');
    try {
      const limit = byteLimit(MAX_GUNZIPPED_PARQUET_BYTES, () =>
        decompressedSizeExceeded(
          MAX_GUNZIPPED_PARQUET_BYTES,
          "send the Parquet file without gzip around it (Parquet's own page compression is read as it is)",
        ),
      );
      await pipeline(await source.read(0, source.size), createGunzip(), limit, createWriteStream(path));
    } catch (error) {
      throw asCorruptGzip(error);
    }
    yield* iterate(await openParquet(await asyncBufferFromFile(path)));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Runs `use` on the opened file and cleans up after it. */
export async function withParquetFile<T>(
  source: ByteSource,
  compression: FilePlan['compression'],
  use: (parquet: OpenParquet) => Promise<T>,
): Promise<T> {
  const results = iterateParquetFile(source, compression, async function* (parquet) {
    yield await use(parquet);
  });
  for await (const result of results) return result;
  throw new Error('The Parquet file was not opened');
}

async function openParquet(file: AsyncBuffer): Promise<OpenParquet> {
  try {
    return { file, metadata: await parquetMetadataAsync(file) };
  } catch (error) {
    throw new FileFormatError(
      'unreadable-parquet',
      `Not a readable Parquet file: ${(error as Error).message}`,
    );
  }
}

function rangeReader(source: ByteSource): AsyncBuffer {
  return {
    byteLength: source.size,
    slice: async (start, end) => {
      const bytes = await readRange(source, start, end ?? source.size);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}
