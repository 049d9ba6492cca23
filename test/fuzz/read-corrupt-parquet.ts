/** Reads the corrupt Parquet fixture through the batch readers and prints how it ended (run by a test, in a child). */
import '../../local/polyfills';
import { readFileSync } from 'node:fs';
import { FileFormatError } from '../../lambdas/core/files/file-format-types';
import { memoryByteSource } from '../../lambdas/core/files/memory-byte-source';
import { planFile } from '../../lambdas/core/files/plan-file';
import { readChunk } from '../../lambdas/core/files/read-chunk';

const bytes = new Uint8Array(
  readFileSync(new URL('../fixtures/parquet/corrupt-data-page-v2.parquet', import.meta.url)),
);
const format = { format: 'parquet' } as const;
const source = memoryByteSource(bytes, { pieceBytes: 56 });
let rows = 0;
let errors = 0;
try {
  const plan = await planFile(source, format, { targetChunkBytes: 395 });
  for (const chunk of plan.chunks) {
    for await (const row of readChunk(source, format, plan, chunk, { maxFieldsPerRow: 14 })) {
      rows += 1;
      if (row.error) errors += 1;
    }
  }
  console.log(`rows ${rows} errors ${errors}`);
} catch (error) {
  if (!(error instanceof FileFormatError)) throw error;
  console.log(`file-format-error ${error.code}`);
}
