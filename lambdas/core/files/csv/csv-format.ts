/** CSV as a `FileFormat`: planned by csv-plan, read with the plan's columns and the format's syntax. */
import type { FileFormat } from '../file-format-types';
import { chunkText } from '../text-charset';
import { planCsv } from './csv-plan';
import { readCsv } from './csv-reader';
import { csvSyntax } from './csv-syntax';

export const csvFormat = {
  fileType: 'delimited',
  fileNames: [{ extension: '.csv' }, { extension: '.tsv', options: { delimiter: '\t' } }],
  typedBySchema: true,
  plan: planCsv,
  read(source, format, plan, chunk, options) {
    const utf8 = chunkText(source, format, plan, chunk);
    if (plan.columns === undefined)
      throw new Error('A CSV file plan carries the columns, and this one has none');
    return readCsv(utf8, chunk, plan.columns, format, csvSyntax(format), options);
  },
} as const satisfies FileFormat;
