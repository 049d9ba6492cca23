/**
 * A ~50 MB CSV read through planFile and readChunk: the readers stream, so the file is never held whole (the heap it
 * takes is measured by bench/file-parsers.bench.ts; here only the count of rows is checked).
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFile } from '../../../lambdas/core/files/plan-file';
import { readChunk } from '../../../lambdas/core/files/read-chunk';
import { fileByteSource } from '../../support/file-byte-source';

const ROWS = 500_000;
const folder = mkdtempSync(join(tmpdir(), 'tributary-large-csv-'));
const path = join(folder, 'large.csv');

beforeAll(async () => {
  const out = createWriteStream(path);
  out.write('id,email,person.name,note,score\n');
  for (let first = 0; first < ROWS; first += 10_000) {
    let text = '';
    for (let i = first; i < first + 10_000; i += 1) {
      text += `${i},user${i}@example.com,Name ${i},"a note, with ""quotes"" and a ${'long '.repeat(8)}tail",${i / 4}\n`;
    }
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('a large CSV file', () => {
  it('is planned into chunks and read whole, streaming', async () => {
    // Prepare
    const source = fileByteSource(path);
    const format = { format: 'csv' } as const;

    // Act
    const plan = await planFile(source, format, { targetChunkBytes: 8 * 1024 * 1024 });
    let records = 0;
    let lastRow = 0;
    for (const chunk of plan.chunks) {
      for await (const row of readChunk(source, format, plan, chunk, { maxFieldsPerRow: 10_000 })) {
        if (row.record !== undefined) records += 1;
        lastRow = row.row;
      }
    }

    // Assess
    expect(source.size).toBeGreaterThan(50_000_000);
    expect(plan.chunks.length).toBeGreaterThanOrEqual(6);
    expect(records).toBe(ROWS);
    expect(lastRow).toBe(ROWS);
  });
});
