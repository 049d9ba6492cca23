/**
 * Finds where CSV records end, on bytes, without parsing fields: a record ends at a `\n` outside quotes. A quote opens
 * a quoted field only at the start of a field (elsewhere it is an ordinary character); inside one, an escape that is
 * the quote itself escapes a following quote (`""`), any other escape character escapes whatever follows it, and an
 * unescaped quote closes the field. The planner and the reader both cut records with this scanner, so a chunk
 * boundary is always a boundary for the reader too.
 *
 * Fast path: lines without a quote byte are found with `indexOf` alone; the next quote position is searched once and
 * reused until passed, so a file without quotes is scanned in linear time.
 */
import type { CsvSyntax } from './csv-syntax';
import type { RecordScanner, RecordSink } from '../record-stream';

const LF = 0x0a;
const CR = 0x0d;

export class CsvRecordScanner implements RecordScanner {
  /** Where scanning of the unfinished record resumes, relative to its start. */
  private resumeAt = 0;
  private quoted = false;
  private sawQuote = false;

  constructor(private readonly syntax: CsvSyntax) {}

  scan(buf: Buffer, final: boolean, onRecord: RecordSink): number {
    const { delimiterByte, quoteByte, escapeByte } = this.syntax;
    const escapeIsQuote = escapeByte === quoteByte;
    const length = buf.length;
    let start = 0;
    let pos = this.resumeAt;
    let quoted = this.quoted;
    let sawQuote = this.sawQuote;
    // Next quote / escape at or after the last search position; -1 once none is left, -2 before the first search.
    let quoteAt = -2;
    let escapeAt = -2;
    const nextQuote = (from: number): number => {
      if (quoteAt !== -1 && quoteAt < from) quoteAt = buf.indexOf(quoteByte, from);
      return quoteAt;
    };
    const nextEscape = (from: number): number => {
      if (escapeAt !== -1 && escapeAt < from) escapeAt = buf.indexOf(escapeByte, from);
      return escapeAt;
    };

    for (;;) {
      if (!quoted) {
        const lf = buf.indexOf(LF, pos);
        const quote = nextQuote(pos);
        if (quote !== -1 && (lf === -1 || quote < lf)) {
          if (quote === start || buf[quote - 1] === delimiterByte) {
            quoted = true;
            sawQuote = true;
          }
          pos = quote + 1;
          continue;
        }
        if (lf === -1) break;
        emit(buf, start, lf + 1, sawQuote, false, onRecord);
        start = pos = lf + 1;
        sawQuote = false;
        continue;
      }
      const quote = nextQuote(pos);
      if (!escapeIsQuote) {
        const escape = nextEscape(pos);
        if (escape !== -1 && (quote === -1 || escape < quote)) {
          if (escape + 1 >= length) {
            // The escaped byte is in the next piece.
            pos = final ? length : escape;
            break;
          }
          pos = escape + 2;
          continue;
        }
      }
      if (quote === -1) {
        pos = length;
        break;
      }
      if (escapeIsQuote) {
        if (quote + 1 >= length && !final) {
          // A doubled quote or a closing one: the next piece tells.
          pos = quote;
          break;
        }
        if (buf[quote + 1] === quoteByte) {
          pos = quote + 2;
          continue;
        }
      }
      quoted = false;
      pos = quote + 1;
    }

    if (!final) {
      this.resumeAt = pos - start;
      this.quoted = quoted;
      this.sawQuote = sawQuote;
      return start;
    }
    if (start < length) emit(buf, start, length, sawQuote, quoted, onRecord);
    this.resumeAt = 0;
    this.quoted = false;
    this.sawQuote = false;
    return length;
  }
}

function emit(
  buf: Buffer,
  start: number,
  end: number,
  sawQuote: boolean,
  unterminated: boolean,
  onRecord: RecordSink,
) {
  let contentEnd = end;
  if (contentEnd > start && buf[contentEnd - 1] === LF) contentEnd -= 1;
  if (contentEnd > start && buf[contentEnd - 1] === CR) contentEnd -= 1;
  // Quoted fields may hold line breaks; a record without quotes is one line.
  const lineBreaks = sawQuote ? countLineBreaks(buf, start, end) : buf[end - 1] === LF ? 1 : 0;
  onRecord(start, contentEnd, end, lineBreaks, contentEnd === start, unterminated);
}

function countLineBreaks(buf: Buffer, start: number, end: number): number {
  let count = 0;
  for (let at = buf.indexOf(LF, start); at !== -1 && at < end; at = buf.indexOf(LF, at + 1)) count += 1;
  return count;
}
