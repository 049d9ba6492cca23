/**
 * The lake as DuckDB sees it (DESIGN §5: "Athena, or DuckDB locally, can query it directly"): the objects are
 * copied into a folder with their keys as paths, and the query reads them with `read_parquet` over a glob.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { StoredObject } from './streaming-lake';

/** Runs `sql(root)` — `root` is the folder holding the objects under their keys — and answers its rows. */
export async function queryWithDuckDb(
  objects: readonly StoredObject[],
  sql: (root: string) => string,
): Promise<unknown[][]> {
  const root = mkdtempSync(join(tmpdir(), 'tributary-duckdb-'));
  try {
    for (const object of objects) {
      const path = join(root, object.key);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, object.body);
    }
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(sql(root));
      return reader.getRows();
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
