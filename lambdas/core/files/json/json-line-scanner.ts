/**
 * Finds JSON Lines records: one per `\n` (JSON strings cannot hold a raw line break, so no quote tracking is needed).
 * A line of only whitespace is blank: it counts as a line but holds no row.
 */
import type { RecordScanner, RecordSink } from '../record-stream';

const LF = 0x0a;
const CR = 0x0d;

export class JsonLineScanner implements RecordScanner {
  private resumeAt = 0;

  scan(buf: Buffer, final: boolean, onRecord: RecordSink): number {
    let start = 0;
    for (let lf = buf.indexOf(LF, this.resumeAt); lf !== -1; lf = buf.indexOf(LF, start)) {
      emitLine(buf, start, lf + 1, onRecord);
      start = lf + 1;
    }
    if (!final) {
      this.resumeAt = buf.length - start;
      return start;
    }
    if (start < buf.length) emitLine(buf, start, buf.length, onRecord);
    this.resumeAt = 0;
    return buf.length;
  }
}

function emitLine(buf: Buffer, start: number, end: number, onRecord: RecordSink) {
  const terminated = buf[end - 1] === LF;
  let contentEnd = terminated ? end - 1 : end;
  if (contentEnd > start && buf[contentEnd - 1] === CR) contentEnd -= 1;
  onRecord(start, contentEnd, end, terminated ? 1 : 0, isBlank(buf, start, contentEnd), false);
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let at = start; at < end; at += 1) {
    const byte = buf[at];
    if (byte !== 0x20 && byte !== 0x09 && byte !== CR) return false;
  }
  return true;
}
