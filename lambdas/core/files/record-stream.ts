/**
 * Cuts a stream of bytes into records with a `RecordScanner` (CSV's quote-aware one, or JSON Lines' line one): the
 * piece that ends inside a record is carried over to the next, each record gets the physical line it starts on and
 * its end offset in the stream, and a record that grows past `MAX_RECORD_BYTES` (an unclosed quote, a file that is
 * one huge line) stops the read rather than the memory.
 */
import { CarriedBytes } from './carried-bytes';
import { FileFormatError } from './file-format-types';
import { UTF8_BOM, withoutUtf8Bom } from './utf8-bom';

/** Receives each record found: `contentEnd` excludes the line end; `lineBreaks` counts its `\n`s, the last included. */
export type RecordSink = (
  start: number,
  contentEnd: number,
  end: number,
  lineBreaks: number,
  empty: boolean,
  unterminated: boolean,
) => void;

export interface RecordScanner {
  /**
   * Reports the complete records of `buf`, which begins where a record begins, and returns the offset where the
   * unfinished one begins (the scanner remembers how far into it it got). With `final` the rest is the last record.
   */
  scan(buf: Buffer, final: boolean, onRecord: RecordSink): number;
}

export interface ScannedRecord {
  readonly buf: Buffer;
  readonly start: number;
  readonly contentEnd: number;
  /** 1-based physical line where the record starts. */
  readonly line: number;
  /** The line the next record starts on. */
  readonly nextLine: number;
  /** Offset just after the record (its line end included) in the stream, a skipped BOM counted. */
  readonly endOffset: number;
  /** No content: an empty (CSV) or blank (JSON Lines) line. */
  readonly empty: boolean;
  /** The file ended inside a quoted field. */
  readonly unterminated: boolean;
}

export const MAX_RECORD_BYTES = 32 * 1024 * 1024;

export interface ScanOptions {
  readonly firstLine: number;
  /** The stream starts the file: a UTF-8 byte order mark there is skipped. */
  readonly skipBom: boolean;
  readonly maxRecordBytes?: number;
}

export async function* scanRecords(
  bytes: AsyncIterable<Buffer>,
  scanner: RecordScanner,
  options: ScanOptions,
): AsyncGenerator<ScannedRecord[]> {
  const maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  const carried = new CarriedBytes();
  let carryOffset = 0;
  let line = options.firstLine;

  const scan = (buf: Buffer, final: boolean): { records: ScannedRecord[]; tail: number } => {
    const records: ScannedRecord[] = [];
    const tail = scanner.scan(buf, final, (start, contentEnd, end, lineBreaks, empty, unterminated) => {
      const nextLine = line + lineBreaks;
      records.push({
        buf,
        start,
        contentEnd,
        line,
        nextLine,
        endOffset: carryOffset + end,
        empty,
        unterminated,
      });
      line = nextLine;
    });
    return { records, tail };
  };

  const content = options.skipBom
    ? withoutUtf8Bom(bytes, () => {
        carryOffset = UTF8_BOM.length;
      })
    : bytes;
  for await (const piece of content) {
    const buf = carried.join(piece);
    const { records, tail } = scan(buf, false);
    if (buf.length - tail > maxRecordBytes) {
      throw new FileFormatError(
        'record-too-large',
        `The record starting at line ${line} is longer than ${maxRecordBytes} bytes (a quote never closed?)`,
      );
    }
    carryOffset += tail;
    carried.carry(buf.subarray(tail));
    if (records.length > 0) yield records;
  }
  if (carried.length > 0) {
    const { records } = scan(carried.bytes, true);
    if (records.length > 0) yield records;
  }
}
