/**
 * The delimiter, quote and escape of a CSV file, checked once: each is one ASCII character (the record scanner works
 * on bytes, so that a file can be cut into ranges without decoding it), none is a line break, and the delimiter is
 * neither the quote nor the escape.
 */
import { FileFormatError } from '../file-format-types';
import type { ResolvedInputFormat } from '../input-format-defaults';

export interface CsvSyntax {
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
  readonly delimiterByte: number;
  readonly quoteByte: number;
  readonly escapeByte: number;
}

export function csvSyntax(format: ResolvedInputFormat): CsvSyntax {
  const delimiter = syntaxCharacter('delimiter', format.delimiter);
  const quote = syntaxCharacter('quote', format.quote);
  const escape = syntaxCharacter('escape', format.escape);
  if (delimiter === quote || delimiter === escape) {
    throw new FileFormatError(
      'unsupported-csv-option',
      'The delimiter must differ from the quote and the escape',
    );
  }
  return {
    delimiter,
    quote,
    escape,
    delimiterByte: delimiter.charCodeAt(0),
    quoteByte: quote.charCodeAt(0),
    escapeByte: escape.charCodeAt(0),
  };
}

function syntaxCharacter(option: string, value: string): string {
  const code = value.charCodeAt(0);
  if (value.length !== 1 || code > 0x7f || value === '\n' || value === '\r') {
    throw new FileFormatError(
      'unsupported-csv-option',
      `The CSV ${option} must be one ASCII character other than a line break, not ${JSON.stringify(value)}`,
    );
  }
  return value;
}
