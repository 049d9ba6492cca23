/**
 * The CSV reader against the csv-spectrum corpus (npm `csv-spectrum`: quoted commas, escaped quotes, line breaks in
 * fields, CRLF, UTF-8, JSON in a field, …): every file, read as CSV with a header through planFile + readChunk, both
 * whole and cut into tiny chunks streamed in tiny pieces, gives exactly the records the corpus expects.
 *
 * Two deliberate differences are applied to the expected records rather than hidden:
 * - an empty field is left out of the record (Experience Platform treats empty values as absent), where the corpus
 *   expects `""`;
 * - `location_coordinates.json` gives the phone number as "1234567890" while its CSV holds "2095257564" (an error
 *   of the corpus): the CSV's value is expected.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFile } from '../unit/files/read-file';

const corpus = dirname(createRequire(import.meta.url).resolve('csv-spectrum/package.json'));
const names = readdirSync(join(corpus, 'csvs'))
  .filter((file) => file.endsWith('.csv'))
  .map((file) => file.slice(0, -'.csv'.length))
  .sort();

const CORPUS_ERRORS: Record<string, Record<string, string>> = {
  location_coordinates: { 'Contact Phone Number': '2095257564' },
};

function expectedRecords(name: string): Record<string, string>[] {
  const parsed = JSON.parse(readFileSync(join(corpus, 'json', `${name}.json`), 'utf8')) as
    Record<string, string> | Record<string, string>[];
  return (Array.isArray(parsed) ? parsed : [parsed]).map((record) => ({
    ...Object.fromEntries(Object.entries(record).filter(([, value]) => value !== '')),
    ...CORPUS_ERRORS[name],
  }));
}

describe('csv-spectrum', () => {
  it('has its corpus', () => {
    expect(names).toHaveLength(12);
  });

  it.each(names)('%s', async (name) => {
    // Prepare
    const bytes = readFileSync(join(corpus, 'csvs', `${name}.csv`));
    const expected = expectedRecords(name);

    // Act
    const whole = await readFile(bytes, { format: 'csv', header: true });
    const chunked = await readFile(
      bytes,
      { format: 'csv', header: true },
      { targetChunkBytes: 1, pieceBytes: 1 },
    );

    // Assess
    expect(whole.rows.map((row) => row.error)).toEqual(expected.map(() => undefined));
    expect(whole.rows.map((row) => row.record)).toEqual(expected);
    expect(chunked.rows).toEqual(whole.rows);
  });
});
