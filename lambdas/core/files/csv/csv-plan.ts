/**
 * Plans a CSV file: its columns and its chunks. An uncompressed file in an ASCII-compatible encoding is scanned once,
 * start to end, and cut at record boundaries; any other file is one chunk, and only its first record is read (a
 * gzip file is decompressed no further than that).
 */
import { ChunkCutter, wholeFileChunk } from '../chunk-cutter';
import { csvColumns } from './csv-columns';
import { splitCsvFields } from './csv-fields';
import { CsvRecordScanner } from './csv-record-scanner';
import { csvSyntax, type CsvSyntax } from './csv-syntax';
import { FileFormatError, type ByteSource, type FilePlan } from '../file-format-types';
import type { ResolvedInputFormat } from '../input-format-defaults';
import { scanRecords, type ScannedRecord } from '../record-stream';
import { rangeBytes } from '../source-bytes';
import { asUtf8, decodeText, resolveCharset, type TextCharset } from '../text-charset';

export async function planCsv(
  source: ByteSource,
  format: ResolvedInputFormat,
  compression: FilePlan['compression'],
  targetChunkBytes: number | undefined,
): Promise<FilePlan> {
  const syntax = csvSyntax(format);
  const charset = resolveCharset(format.charset);
  if (compression === 'none' && charset.asciiCompatible && targetChunkBytes !== undefined) {
    return scanAndCut(source, format, syntax, charset, targetChunkBytes);
  }
  const bytes = asUtf8(rangeBytes(source, 0, source.size, compression), charset);
  for await (const records of scanRecords(bytes, new CsvRecordScanner(syntax), {
    firstLine: 1,
    skipBom: true,
  })) {
    const first = records.find((record) => !record.empty);
    if (first !== undefined) {
      const fields = splitCsvFields(first.buf.toString('utf8', first.start, first.contentEnd), syntax);
      return {
        compression,
        columns: csvColumns(fields, format.header),
        chunks: [wholeFileChunk(source.size)],
      };
    }
  }
  throw emptyFile();
}

async function scanAndCut(
  source: ByteSource,
  format: ResolvedInputFormat,
  syntax: CsvSyntax,
  charset: TextCharset,
  targetChunkBytes: number,
): Promise<FilePlan> {
  const cutter = new ChunkCutter(source.size, targetChunkBytes);
  let columns: string[] | undefined;
  const firstRecordColumns = (record: ScannedRecord) => {
    const text = decodeText(record.buf.subarray(record.start, record.contentEnd), charset);
    return csvColumns(splitCsvFields(text, syntax), format.header);
  };
  const bytes = rangeBytes(source, 0, source.size, 'none');
  for await (const records of scanRecords(bytes, new CsvRecordScanner(syntax), {
    firstLine: 1,
    skipBom: true,
  })) {
    for (const record of records) {
      let isRow = !record.empty;
      if (isRow && columns === undefined) {
        columns = firstRecordColumns(record);
        isRow = !format.header;
      }
      cutter.add(record, isRow);
    }
  }
  if (columns === undefined) throw emptyFile();
  return { compression: 'none', columns, chunks: cutter.finish() };
}

function emptyFile(): FileFormatError {
  return new FileFormatError('empty-file', 'The CSV file has no records');
}
