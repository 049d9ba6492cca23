/**
 * Cuts a line-format file into chunks of about `targetChunkBytes` at record boundaries, from the records of one
 * sequential scan: a chunk ends after the first record that takes it to the target size.
 */
import type { FileChunk } from './file-format-types';
import type { ScannedRecord } from './record-stream';

export class ChunkCutter {
  private readonly chunks: FileChunk[] = [];
  private start = 0;
  private firstLine = 1;
  private firstRow = 1;
  private rows = 0;

  constructor(
    private readonly fileSize: number,
    private readonly targetChunkBytes: number,
  ) {}

  /** Records arrive in file order; `isRow` is false for empty lines and the header. */
  add(record: ScannedRecord, isRow: boolean): void {
    if (isRow) this.rows += 1;
    if (record.endOffset - this.start < this.targetChunkBytes || record.endOffset >= this.fileSize) return;
    this.push(record.endOffset);
    this.start = record.endOffset;
    this.firstLine = record.nextLine;
    this.firstRow = this.rows + 1;
  }

  finish(): FileChunk[] {
    if (this.chunks.length === 0 || this.start < this.fileSize) this.push(this.fileSize);
    return this.chunks;
  }

  private push(end: number): void {
    this.chunks.push({
      index: this.chunks.length,
      start: this.start,
      end,
      firstLine: this.firstLine,
      firstRow: this.firstRow,
    });
  }
}

/** A file that cannot be cut (compressed, multi-line JSON, an encoding not safe to cut) is one chunk. */
export function wholeFileChunk(size: number): FileChunk {
  return { index: 0, start: 0, end: size, firstLine: 1, firstRow: 1 };
}
