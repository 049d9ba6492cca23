/**
 * The columns of a CSV file from its first record: its values when the file has a header (an empty name becomes
 * `_c{i}`, as Spark names it; a header of only empty names is Experience Platform's "empty header row"), otherwise
 * `_c0`, `_c1`, … for as many fields as the first record has.
 */
import { FileFormatError } from '../file-format-types';

export function csvColumns(firstRecordFields: readonly string[], header: boolean): string[] {
  if (!header) return firstRecordFields.map((_, index) => `_c${index}`);
  if (firstRecordFields.every((name) => name.trim() === '')) {
    throw new FileFormatError('empty-header', 'The header row of the CSV file is empty');
  }
  const columns = firstRecordFields.map((name, index) => (name === '' ? `_c${index}` : name));
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column)) {
      throw new FileFormatError(
        'duplicate-column',
        `The CSV header names the column "${column}" more than once`,
      );
    }
    seen.add(column);
  }
  return columns;
}

/** `person.name.first` is the path person → name → first; a name with an empty segment stays one flat key. */
export function columnPath(column: string): string[] {
  const segments = column.split('.');
  return segments.some((segment) => segment === '') ? [column] : segments;
}
