/** JSON as a `FileFormat`: JSON Lines (cut at line ends), or with `isMultiLineJson` one array read as one chunk. */
import type { FileFormat } from '../file-format-types';
import { chunkText } from '../text-charset';
import { readJsonArray } from './json-array-reader';
import { sniffJsonArray } from './json-array-sniff';
import { planJsonLines } from './json-lines-plan';
import { readJsonLines } from './json-lines-reader';

export const jsonFormat = {
  fileType: 'json',
  fileNames: [
    { extension: '.json', sniff: sniffJsonArray },
    { extension: '.jsonl' },
    { extension: '.ndjson' },
  ],
  typedBySchema: false,
  plan: (source, format, compression, targetChunkBytes) =>
    planJsonLines(source, format, compression, format.isMultiLineJson ? undefined : targetChunkBytes),
  read(source, format, plan, chunk, options) {
    const utf8 = chunkText(source, format, plan, chunk);
    return format.isMultiLineJson ? readJsonArray(utf8, options) : readJsonLines(utf8, chunk, options);
  },
} as const satisfies FileFormat;
