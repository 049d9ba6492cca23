/**
 * Batch file reader throughput, measured in one run on generated files in the OS temp folder: each candidate CSV
 * library parsing the CSV bare (rows counted, nothing else), Tributary's CSV path (planFile's scan + readChunk of
 * every chunk, with schema coercion), JSON Lines bare (split + JSON.parse) against Tributary's path, and Parquet
 * (a file written with hyparquet-writer) read by hyparquet, by Tributary's path and by DuckDB. Prints MB/s, rows/s
 * and the peak heap of each measurement, then the process's peak RSS.
 *
 *   NODE_OPTIONS=--openssl-legacy-provider npx tsx bench/file-parsers.bench.ts      (BENCH_CSV_MB=200 by default)
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { parse as fastCsvParse } from '@fast-csv/parse';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse as csvParse } from 'csv-parse';
import csvParser from 'csv-parser';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parquetWriteFile } from 'hyparquet-writer';
import Papa from 'papaparse';
import type { FieldTypes, InputFormat } from '../lambdas/core/batches/formats/file-format-types';
import { planFile } from '../lambdas/core/batches/formats/plan-file';
import { readChunk } from '../lambdas/core/batches/formats/read-chunk';
import { fileByteSource } from '../test/unit/batches/formats/file-byte-source';

const CSV_MB = Number(process.env.BENCH_CSV_MB ?? 200);
const PARQUET_ROWS = 500_000;
const TARGET_CHUNK_BYTES = 16 * 1024 * 1024;
const MAX_FIELDS_PER_ROW = 10_000;

const CSV_HEADER = 'id,email,person.name.first,person.name.last,age,active,score,city,note,createdAt\n';

interface BenchRow {
  id: number;
  email: string;
  first: string;
  last: string;
  age: number;
  active: boolean;
  score: number;
  city: string;
  note: string;
  createdAt: string;
}

/** Every seventh note has escaped quotes, every eleventh a line break: quoting is common in real exports. */
function benchRow(i: number): BenchRow {
  return {
    id: i,
    email: `user${i}@example.com`,
    first: `Name${i}`,
    last: `Last${i % 977}`,
    age: i % 90,
    active: i % 2 === 0,
    score: Math.round(i * 137) / 100,
    city: 'Lyon, FR',
    note: i % 7 === 0 ? 'said "hi", then left' : i % 11 === 0 ? 'multi\nline' : `plain note ${i}`,
    createdAt: `2024-01-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`,
  };
}

function csvLine(row: BenchRow): string {
  const note = /[",\n]/.test(row.note) ? `"${row.note.replaceAll('"', '""')}"` : row.note;
  return `${row.id},${row.email},${row.first},${row.last},${row.age},${row.active},${row.score},"${row.city}",${note},${row.createdAt}\n`;
}

function jsonLine(row: BenchRow): string {
  const { first, last, ...rest } = row;
  return `${JSON.stringify({ ...rest, person: { name: { first, last } } })}\n`;
}

async function writeFiles(csvPath: string, jsonPath: string): Promise<number> {
  const csv = createWriteStream(csvPath);
  const json = createWriteStream(jsonPath);
  csv.write(CSV_HEADER);
  let bytes = CSV_HEADER.length;
  let rows = 0;
  while (bytes < CSV_MB * 1e6) {
    let csvText = '';
    let jsonText = '';
    for (let k = 0; k < 2000; k += 1, rows += 1) {
      const row = benchRow(rows);
      csvText += csvLine(row);
      jsonText += jsonLine(row);
    }
    bytes += Buffer.byteLength(csvText);
    const csvOk = csv.write(csvText);
    const jsonOk = json.write(jsonText);
    if (!csvOk) await once(csv, 'drain');
    if (!jsonOk) await once(json, 'drain');
  }
  csv.end();
  json.end();
  await Promise.all([once(csv, 'finish'), once(json, 'finish')]);
  return rows;
}

function writeParquet(path: string): void {
  const rows = Array.from({ length: PARQUET_ROWS }, (_, i) => benchRow(i));
  const column = <T>(pick: (row: BenchRow) => T) => rows.map(pick);
  parquetWriteFile({
    filename: path,
    rowGroupSize: 100_000,
    columnData: [
      { name: 'id', data: column((row) => BigInt(row.id)), type: 'INT64' },
      { name: 'email', data: column((row) => row.email), type: 'STRING' },
      { name: 'first', data: column((row) => row.first), type: 'STRING' },
      { name: 'last', data: column((row) => row.last), type: 'STRING' },
      { name: 'age', data: column((row) => row.age), type: 'INT32' },
      { name: 'active', data: column((row) => row.active), type: 'BOOLEAN' },
      { name: 'score', data: column((row) => row.score), type: 'DOUBLE' },
      { name: 'city', data: column((row) => row.city), type: 'STRING' },
      { name: 'note', data: column((row) => row.note), type: 'STRING' },
      { name: 'createdAt', data: column((row) => new Date(row.createdAt)), type: 'TIMESTAMP' },
    ],
  });
}

/** Peak heap while a measurement runs, sampled on a timer (the readers all yield to the event loop on I/O). */
class HeapPeak {
  peak = 0;
  private readonly timer = setInterval(() => this.sample(), 20);
  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage().heapUsed);
  }
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

interface Result {
  readonly name: string;
  readonly mbPerSecond: number;
  readonly rowsPerSecond: number;
  readonly rows: number;
  readonly heapMb: number;
}

const results: Result[] = [];

async function measure(name: string, bytes: number, run: () => Promise<number>): Promise<Result> {
  const heap = new HeapPeak();
  const started = performance.now();
  const rows = await run();
  const seconds = (performance.now() - started) / 1000;
  const result = {
    name,
    mbPerSecond: bytes / 1e6 / seconds,
    rowsPerSecond: rows / seconds,
    rows,
    heapMb: heap.stop() / 1e6,
  };
  results.push(result);
  console.log(`  ${name}: ${result.mbPerSecond.toFixed(1)} MB/s, ${rows} rows`);
  return result;
}

async function countStream(stream: Readable): Promise<number> {
  let rows = 0;
  stream.on('data', () => {
    rows += 1;
  });
  await once(stream, 'end');
  return rows;
}

const csvLibraries: Record<string, (path: string) => Promise<number>> = {
  'csv-parse 7.0.3': (path) =>
    countStream(
      createReadStream(path).pipe(csvParse({ relax_quotes: true, relax_column_count: true, skip_empty_lines: true })),
    ),
  'papaparse 5.7.1': (path) =>
    new Promise((resolve, reject) => {
      let rows = 0;
      Papa.parse(createReadStream(path, { encoding: 'utf8' }), {
        skipEmptyLines: true,
        chunk: (results: Papa.ParseResult<unknown>) => {
          rows += results.data.length;
        },
        complete: () => resolve(rows),
        error: reject,
      });
    }),
  '@fast-csv/parse 5.0.8': (path) => countStream(createReadStream(path).pipe(fastCsvParse({ ignoreEmpty: true }))),
  'csv-parser 3.2.1': (path) => countStream(createReadStream(path).pipe(csvParser({ headers: false }))),
};

const COERCED: Record<string, ReadonlySet<string>> = {
  age: new Set(['integer']),
  active: new Set(['boolean']),
  score: new Set(['number']),
};
const fieldTypes: FieldTypes = (path) => COERCED[path.join('.')];

/** Tributary's path: plan (one scan), then every chunk read in turn; `phases` records the plan's share. */
async function tributaryRows(path: string, format: InputFormat, phases?: { planSeconds: number }): Promise<number> {
  const source = fileByteSource(path);
  const started = performance.now();
  const plan = await planFile(source, format, { targetChunkBytes: TARGET_CHUNK_BYTES });
  if (phases) phases.planSeconds = (performance.now() - started) / 1000;
  let rows = 0;
  for (const chunk of plan.chunks) {
    for await (const row of readChunk(source, format, plan, chunk, { maxFieldsPerRow: MAX_FIELDS_PER_ROW, fieldTypes })) {
      if (row.record !== undefined || row.error !== undefined) rows += 1;
    }
  }
  return rows;
}

async function jsonLinesBare(path: string): Promise<number> {
  let rows = 0;
  let carry = '';
  for await (const piece of createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
    const text = carry + (piece as string);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      if (end > start) {
        JSON.parse(text.slice(start, end));
        rows += 1;
      }
      start = end + 1;
    }
    carry = text.slice(start);
  }
  return rows;
}

async function hyparquetBare(path: string): Promise<number> {
  const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path), compressors });
  return rows.length;
}

async function duckDbRows(path: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${path}')`);
    return reader.getRowObjectsJS().length;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function table(): void {
  const rows = results.map((result) => [
    result.name,
    result.mbPerSecond.toFixed(1),
    Math.round(result.rowsPerSecond).toLocaleString('en-US'),
    result.heapMb.toFixed(0),
  ]);
  const header = ['reader', 'MB/s', 'rows/s', 'peak heap MB'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  try {
    const csvPath = join(folder, 'rows.csv');
    const jsonPath = join(folder, 'rows.jsonl');
    const parquetPath = join(folder, 'rows.parquet');
    console.log(`Writing ${CSV_MB} MB of CSV and the same rows as JSON Lines…`);
    const rowCount = await writeFiles(csvPath, jsonPath);
    const csvBytes = statSync(csvPath).size;
    const jsonBytes = statSync(jsonPath).size;
    console.log(`  ${rowCount} rows: CSV ${(csvBytes / 1e6).toFixed(0)} MB, JSON Lines ${(jsonBytes / 1e6).toFixed(0)} MB`);

    console.log('CSV, each library bare:');
    const bare: Record<string, Result> = {};
    for (const [name, run] of Object.entries(csvLibraries)) bare[name] = await measure(name, csvBytes, () => run(csvPath));
    console.log('CSV, Tributary (plan scan + read, coercion on):');
    const phases = { planSeconds: 0 };
    const ours = await measure('Tributary CSV (plan + read)', csvBytes, () =>
      tributaryRows(csvPath, { format: 'csv' }, phases),
    );
    console.log('JSON Lines:');
    const jsonBare = await measure('JSON Lines bare (split + JSON.parse)', jsonBytes, () => jsonLinesBare(jsonPath));
    const jsonOurs = await measure('Tributary JSON Lines (plan + read)', jsonBytes, () =>
      tributaryRows(jsonPath, { format: 'json' }),
    );

    console.log(`Parquet (${PARQUET_ROWS} rows, hyparquet-writer, snappy):`);
    writeParquet(parquetPath);
    const parquetBytes = statSync(parquetPath).size;
    await measure('hyparquet bare (parquetReadObjects)', parquetBytes, () => hyparquetBare(parquetPath));
    await measure('Tributary Parquet (plan + read)', parquetBytes, () =>
      tributaryRows(parquetPath, { format: 'parquet' }),
    );
    await measure('DuckDB read_parquet → JS rows', parquetBytes, () => duckDbRows(parquetPath));

    console.log('');
    table();
    const fastest = Object.entries(bare).sort(([, a], [, b]) => b.mbPerSecond - a.mbPerSecond)[0]!;
    console.log('');
    console.log(
      `Tributary CSV: ${(csvBytes / 1e6 / phases.planSeconds).toFixed(0)} MB/s for the plan scan alone; whole path ` +
        `${(ours.mbPerSecond / fastest[1].mbPerSecond).toFixed(2)}× the fastest bare library (${fastest[0]}), ` +
        `${(ours.mbPerSecond / bare['csv-parse 7.0.3']!.mbPerSecond).toFixed(2)}× csv-parse.`,
    );
    console.log(`Tributary JSON Lines: ${(jsonOurs.mbPerSecond / jsonBare.mbPerSecond).toFixed(2)}× bare.`);
    console.log(`Peak RSS of the run: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

await main();
