/**
 * Splits one CSV record (its text without the line end) into field values, with the same rules as the record
 * scanner: a quote opens a quoted field only at the start of a field; inside, a doubled quote (when the escape is the
 * quote) or escape + quote / escape + escape stand for the second character, and an escape before anything else is
 * kept as written (`"C:\temp"` stays `C:\temp`); text after the closing quote, up to the delimiter, is kept.
 */
import type { CsvSyntax } from './csv-syntax';

export function splitCsvFields(text: string, syntax: CsvSyntax): string[] {
  const { delimiter, quote } = syntax;
  if (text.indexOf(quote) === -1) return text.split(delimiter);
  const fields: string[] = [];
  const cursor = new QuotedFieldReader(text, syntax);
  let at = 0;
  for (;;) {
    let value = '';
    if (text[at] === quote) {
      value = cursor.read(at + 1);
      at = cursor.end;
    }
    const delimiterAt = text.indexOf(delimiter, at);
    if (delimiterAt === -1) {
      fields.push(value + text.slice(at));
      return fields;
    }
    fields.push(value + text.slice(at, delimiterAt));
    at = delimiterAt + 1;
  }
}

/** Reads quoted fields of one record; remembers the next escape position so that a record is searched once. */
class QuotedFieldReader {
  /** Offset just after the closing quote of the last field read (the text's length when it never closed). */
  end = 0;
  private escapeAt = -2;

  constructor(
    private readonly text: string,
    private readonly syntax: CsvSyntax,
  ) {}

  read(from: number): string {
    const { text } = this;
    const { quote, escape } = this.syntax;
    let value = '';
    for (;;) {
      const quoteAt = text.indexOf(quote, from);
      if (escape !== quote) {
        const escapeAt = this.nextEscape(from);
        if (escapeAt !== -1 && (quoteAt === -1 || escapeAt < quoteAt)) {
          const escaped = text[escapeAt + 1];
          if (escaped === undefined) return this.unterminated(value, from);
          value +=
            text.slice(from, escapeAt) +
            (escaped === quote || escaped === escape ? escaped : escape + escaped);
          from = escapeAt + 2;
          continue;
        }
      }
      if (quoteAt === -1) return this.unterminated(value, from);
      if (escape === quote && text[quoteAt + 1] === quote) {
        value += text.slice(from, quoteAt + 1);
        from = quoteAt + 2;
        continue;
      }
      this.end = quoteAt + 1;
      return value + text.slice(from, quoteAt);
    }
  }

  private nextEscape(from: number): number {
    if (this.escapeAt !== -1 && this.escapeAt < from)
      this.escapeAt = this.text.indexOf(this.syntax.escape, from);
    return this.escapeAt;
  }

  private unterminated(value: string, from: number): string {
    this.end = this.text.length;
    return value + this.text.slice(from);
  }
}
