import { describe, expect, it } from 'vitest';
import { formatOfName } from '../../../lambdas/core/files/file-names';

describe('formatOfName', () => {
  it.each([
    ['people.csv', { format: 'csv' }],
    ['PEOPLE.CSV', { format: 'csv' }],
    ['people.tsv', { format: 'csv', delimiter: '\t' }],
    ['people.parquet', { format: 'parquet' }],
    ['people.json', { format: 'json' }],
    ['people.jsonl', { format: 'json' }],
    ['people.ndjson', { format: 'json' }],
    ['people.csv.gz', { format: 'csv' }],
    ['people.jsonl.GZ', { format: 'json' }],
    ['2024/06/people.tsv.gz', { format: 'csv', delimiter: '\t' }],
  ])('reads %s as %j', (name, format) => {
    // Act
    const found = formatOfName(name);

    // Assess
    expect(found).toEqual(format);
  });

  it.each(['people.xml', 'people.gz', 'people.json.txt', 'people', 'csv'])(
    'names no format in %s',
    (name) => {
      // Act
      const found = formatOfName(name);

      // Assess
      expect(found).toBeUndefined();
    },
  );
});
