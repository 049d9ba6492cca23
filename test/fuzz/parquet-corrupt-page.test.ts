/**
 * A Parquet file whose DATA_PAGE_V2 header lacks its level byte lengths, found by the reader fuzz: hyparquet's run
 * decoder looped forever on it (the offset became NaN, which DataView reads as 0). `patches/hyparquet+1.31.5.patch`
 * (applied by `npm ci` through patch-package) makes the decoder fail on an invalid offset, so the file ends as a
 * FileFormatError or unreadable rows instead. The read runs in a child process: a loop that never yields cannot be
 * timed out in this one.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const READER = fileURLToPath(new URL('./read-corrupt-parquet.ts', import.meta.url));
const LIMIT_MS = 20_000;

describe('a Parquet file with a corrupt data page header', () => {
  it('is refused or read row by row, never read forever', () => {
    // Act
    const child = spawnSync(process.execPath, ['--import', 'tsx', READER], {
      encoding: 'utf8',
      timeout: LIMIT_MS,
      killSignal: 'SIGKILL',
    });

    // Assess
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toMatch(/^(file-format-error [a-z0-9-]+|rows \d+ errors \d+)$/);
  });
});
