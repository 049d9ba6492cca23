/**
 * How a file will be read: whether it is gzip (by its magic bytes, not its name), its CSV columns, and the chunks it
 * is cut into so that they can be read independently and in parallel.
 */
import type { ByteSource, FilePlan, InputFormat } from './file-format-types';
import { FILE_FORMATS } from './file-formats';
import { withDefaults } from './input-format-defaults';
import { detectCompression } from './source-bytes';

export async function planFile(
  source: ByteSource,
  format: InputFormat,
  options: { targetChunkBytes: number },
): Promise<FilePlan> {
  return planWith(source, format, Math.max(1, options.targetChunkBytes));
}

/** One chunk for the whole file, reading no more of it than the plan needs (the CSV header, the Parquet footer). */
export async function planWholeFile(source: ByteSource, format: InputFormat): Promise<FilePlan> {
  return planWith(source, format, undefined);
}

async function planWith(
  source: ByteSource,
  format: InputFormat,
  targetChunkBytes: number | undefined,
): Promise<FilePlan> {
  const resolved = withDefaults(format);
  const compression = await detectCompression(source);
  return FILE_FORMATS[resolved.format].plan(source, resolved, compression, targetChunkBytes);
}
