/**
 * Plans a JSON Lines file: an uncompressed file in an ASCII-compatible encoding is scanned once and cut at line ends;
 * any other is one chunk, planned without reading it.
 */
import { ChunkCutter, wholeFileChunk } from '../chunk-cutter';
import type { ByteSource, FilePlan } from '../file-format-types';
import type { ResolvedInputFormat } from '../input-format-defaults';
import { JsonLineScanner } from './json-line-scanner';
import { scanRecords } from '../record-stream';
import { rangeBytes } from '../source-bytes';
import { resolveCharset } from '../text-charset';

export async function planJsonLines(
  source: ByteSource,
  format: ResolvedInputFormat,
  compression: FilePlan['compression'],
  targetChunkBytes: number | undefined,
): Promise<FilePlan> {
  const charset = resolveCharset(format.charset);
  if (compression === 'gzip' || !charset.asciiCompatible || targetChunkBytes === undefined) {
    return { compression, chunks: [wholeFileChunk(source.size)] };
  }
  const cutter = new ChunkCutter(source.size, targetChunkBytes);
  const bytes = rangeBytes(source, 0, source.size, 'none');
  for await (const records of scanRecords(bytes, new JsonLineScanner(), { firstLine: 1, skipBom: true })) {
    for (const record of records) cutter.add(record, !record.empty);
  }
  return { compression, chunks: cutter.finish() };
}
