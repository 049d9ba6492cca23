/**
 * Batch file reader throughput, measured in one run on generated files in the OS temp folder: each candidate CSV
 * library parsing the CSV bare (rows counted, nothing else), Tributary's CSV path (planFile's scan + readChunk of
 * every chunk, with schema coercion), JSON Lines bare (split + JSON.parse) against Tributary's path, and Parquet
 * (a file written with hyparquet-writer) read by hyparquet, by Tributary's path and by DuckDB. Each measurement runs
 * in a process of its own (run after the others in one process, a reader was measured up to twice as slow: the JIT
 * state they leave behind), which also gives each its own peak RSS. Prints MB/s, rows/s, peak heap and peak RSS.
 *
 *   NODE_OPTIONS=--openssl-legacy-provider npx tsx bench/file-parsers.bench.ts      (BENCH_CSV_MB=200 by default)
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { parse as fastCsvParse } from '@fast-csv/parse';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse as csvParse } from 'csv-parse';
import csvParser from 'csv-parser';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parquetWriteFile } from 'hyparquet-writer';
import Papa from 'papaparse';
import { splitCsvFields } from '../lambdas/core/files/csv/csv-fields';
import { CsvRecordScanner } from '../lambdas/core/files/csv/csv-record-scanner';
import { csvSyntax } from '../lambdas/core/files/csv/csv-syntax';
import type { FieldTypes, InputFormat } from '../lambdas/core/files/file-format-types';
import { withDefaults } from '../lambdas/core/files/input-format-defaults';
import { planFile } from '../lambdas/core/files/plan-file';
import { readChunk } from '../lambdas/core/files/read-chunk';
import { scanRecords } from '../lambdas/core/files/record-stream';
import { fileByteSource } from '../test/support/file-byte-source';
import { isEntryPoint, type SummaryRow } from './bench-summary';
import { printTable } from './markdown-table';

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

/** Writes `csvBytes` of CSV and, given a path, the same rows as JSON Lines; answers the row count. */
async function writeFiles(csvBytes: number, csvPath: string, jsonPath?: string): Promise<number> {
  const csv = createWriteStream(csvPath);
  const json = jsonPath === undefined ? undefined : createWriteStream(jsonPath);
  csv.write(CSV_HEADER);
  let bytes = CSV_HEADER.length;
  let rows = 0;
  while (bytes < csvBytes) {
    let csvText = '';
    let jsonText = '';
    for (let k = 0; k < 2000; k += 1, rows += 1) {
      const row = benchRow(rows);
      csvText += csvLine(row);
      if (json) jsonText += jsonLine(row);
    }
    bytes += Buffer.byteLength(csvText);
    // Both listeners are set before waiting: one stream may drain while the other is awaited.
    const drains: Promise<unknown>[] = [];
    if (!csv.write(csvText)) drains.push(once(csv, 'drain'));
    if (json && !json.write(jsonText)) drains.push(once(json, 'drain'));
    await Promise.all(drains);
  }
  const streams = json ? [csv, json] : [csv];
  for (const stream of streams) stream.end();
  await Promise.all(streams.map((stream) => once(stream, 'finish')));
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

/**
 * Peak heap and RSS while a measurement runs, sampled on a timer (the readers all yield to the event loop on I/O);
 * `resourceUsage().maxRSS` would not do: Linux carries the parent's peak into a spawned child.
 */
class MemoryPeak {
  heap = 0;
  rss = 0;
  private readonly timer = setInterval(() => this.sample(), 20);
  sample(): void {
    const usage = process.memoryUsage();
    this.heap = Math.max(this.heap, usage.heapUsed);
    this.rss = Math.max(this.rss, usage.rss);
  }
  stop(): { heapBytes: number; rssBytes: number } {
    clearInterval(this.timer);
    this.sample();
    return { heapBytes: this.heap, rssBytes: this.rss };
  }
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
      createReadStream(path).pipe(
        csvParse({ relax_quotes: true, relax_column_count: true, skip_empty_lines: true }),
      ),
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
  '@fast-csv/parse 5.0.8': (path) =>
    countStream(createReadStream(path).pipe(fastCsvParse({ ignoreEmpty: true }))),
  'csv-parser 3.2.1': (path) => countStream(createReadStream(path).pipe(csvParser({ headers: false }))),
};

const COERCED: Record<string, ReadonlySet<string>> = {
  age: new Set(['integer']),
  active: new Set(['boolean']),
  score: new Set(['number']),
};
const fieldTypes: FieldTypes = (path) => COERCED[path.join('.')];

/** Tributary's path: plan (one scan), then every chunk read in turn; the plan's own speed goes to stderr. */
async function tributaryRows(path: string, format: InputFormat): Promise<number> {
  const source = fileByteSource(path);
  const started = performance.now();
  const plan = await planFile(source, format, { targetChunkBytes: TARGET_CHUNK_BYTES });
  const planSeconds = (performance.now() - started) / 1000;
  console.error(
    `    plan alone: ${(source.size / 1e6 / planSeconds).toFixed(0)} MB/s, ${plan.chunks.length} chunks`,
  );
  let rows = 0;
  for (const chunk of plan.chunks) {
    for await (const row of readChunk(source, format, plan, chunk, {
      maxFieldsPerRow: MAX_FIELDS_PER_ROW,
      fieldTypes,
    })) {
      if (row.record !== undefined || row.error !== undefined) rows += 1;
    }
  }
  return rows;
}

/** Tributary's CSV tokenizer alone, on the same footing as the libraries: records cut and split into fields. */
async function tributaryTokenizer(path: string): Promise<number> {
  const syntax = csvSyntax(withDefaults({ format: 'csv' }));
  const bytes = createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>;
  let rows = 0;
  for await (const records of scanRecords(bytes, new CsvRecordScanner(syntax), {
    firstLine: 1,
    skipBom: true,
  })) {
    for (const record of records) {
      if (record.empty) continue;
      splitCsvFields(record.buf.toString('utf8', record.start, record.contentEnd), syntax);
      rows += 1;
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

type FileKind = 'csv' | 'json' | 'parquet';

const MEASUREMENTS: Record<
  string,
  { readonly file: FileKind; readonly run: (path: string) => Promise<number> }
> = {
  ...Object.fromEntries(
    Object.entries(csvLibraries).map(([name, run]) => [name, { file: 'csv' as const, run }]),
  ),
  'Tributary CSV tokenizer bare (scan + split)': { file: 'csv', run: tributaryTokenizer },
  'Tributary CSV (plan + read, coercion)': {
    file: 'csv',
    run: (path) => tributaryRows(path, { format: 'csv' }),
  },
  'JSON Lines bare (split + JSON.parse)': { file: 'json', run: jsonLinesBare },
  'Tributary JSON Lines (plan + read)': {
    file: 'json',
    run: (path) => tributaryRows(path, { format: 'json' }),
  },
  'hyparquet bare (parquetReadObjects)': { file: 'parquet', run: hyparquetBare },
  'Tributary Parquet (plan + read)': {
    file: 'parquet',
    run: (path) => tributaryRows(path, { format: 'parquet' }),
  },
  'DuckDB read_parquet → JS rows': { file: 'parquet', run: duckDbRows },
};

interface Measured {
  readonly rows: number;
  readonly seconds: number;
  readonly heapBytes: number;
  readonly rssBytes: number;
}

interface Result extends Measured {
  readonly name: string;
  readonly bytes: number;
}

/** In the child process: one measurement, answered as a JSON line on stdout. */
async function measureHere(name: string, path: string): Promise<void> {
  const memory = new MemoryPeak();
  const started = performance.now();
  const rows = await MEASUREMENTS[name]!.run(path);
  const seconds = (performance.now() - started) / 1000;
  const measured: Measured = { rows, seconds, ...memory.stop() };
  console.log(JSON.stringify(measured));
}

async function measureInChild(name: string, path: string): Promise<Result> {
  const script = fileURLToPath(import.meta.url);
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [...process.execArgv, script, 'measure', name, path],
    { maxBuffer: 1024 * 1024 },
  );
  if (stderr.length > 0) process.stdout.write(stderr);
  const measured = JSON.parse(stdout.trim().split('\n').at(-1)!) as Measured;
  const result = { name, bytes: statSync(path).size, ...measured };
  console.log(`  ${name}: ${(result.bytes / 1e6 / result.seconds).toFixed(1)} MB/s, ${result.rows} rows`);
  return result;
}

function table(results: readonly Result[]): void {
  const rows = results.map((result) => [
    result.name,
    (result.bytes / 1e6 / result.seconds).toFixed(1),
    Math.round(result.rows / result.seconds).toLocaleString('en-US'),
    (result.heapBytes / 1e6).toFixed(0),
    (result.rssBytes / 1e6).toFixed(0),
  ]);
  const header = ['reader', 'MB/s', 'rows/s', 'peak heap MB', 'peak RSS MB'];
  printTable(header, rows);
}

const mbPerSecond = (result: Result) => result.bytes / 1e6 / result.seconds;

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  try {
    const paths: Record<FileKind, string> = {
      csv: join(folder, 'rows.csv'),
      json: join(folder, 'rows.jsonl'),
      parquet: join(folder, 'rows.parquet'),
    };
    console.log(
      `Writing ${CSV_MB} MB of CSV, the same rows as JSON Lines, and ${PARQUET_ROWS} rows as Parquet…`,
    );
    const rowCount = await writeFiles(CSV_MB * 1e6, paths.csv, paths.json);
    writeParquet(paths.parquet);
    const sizes = Object.entries(paths).map(
      ([kind, path]) => `${kind} ${(statSync(path).size / 1e6).toFixed(0)} MB`,
    );
    console.log(`  ${rowCount} rows: ${sizes.join(', ')}`);

    const results: Result[] = [];
    for (const [name, { file }] of Object.entries(MEASUREMENTS))
      results.push(await measureInChild(name, paths[file]));

    console.log('');
    table(results);
    const byName = Object.fromEntries(results.map((result) => [result.name, result]));
    const bareCsv = results.filter((result) => result.name in csvLibraries);
    const tokenizer = byName['Tributary CSV tokenizer bare (scan + split)']!;
    const fastest = bareCsv.reduce((best, result) =>
      mbPerSecond(result) > mbPerSecond(best) ? result : best,
    );
    const ours = byName['Tributary CSV (plan + read, coercion)']!;
    console.log('');
    console.log(
      `Tributary CSV: ${(mbPerSecond(ours) / mbPerSecond(fastest)).toFixed(2)}× the fastest bare library ` +
        `(${fastest.name}), ${(mbPerSecond(ours) / mbPerSecond(byName['csv-parse 7.0.3']!)).toFixed(2)}× csv-parse.`,
    );
    const jsonRatio =
      mbPerSecond(byName['Tributary JSON Lines (plan + read)']!) /
      mbPerSecond(byName['JSON Lines bare (split + JSON.parse)']!);
    console.log(
      `Tributary CSV tokenizer bare: ${(mbPerSecond(tokenizer) / mbPerSecond(fastest)).toFixed(2)}× ${fastest.name}.`,
    );
    console.log(`Tributary JSON Lines: ${jsonRatio.toFixed(2)}× bare.`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const PAPAPARSE = 'papaparse 5.7.1';
const TRIBUTARY_CSV = 'Tributary CSV (plan + read, coercion)';
const JSON_LINES_BARE = 'JSON Lines bare (split + JSON.parse)';
const TRIBUTARY_JSON_LINES = 'Tributary JSON Lines (plan + read)';

export interface ReaderSummaryOptions {
  /** Size of the CSV (and, in the same rows, JSON Lines) file the rates are measured on, in MB. */
  readonly moderateMb: number;
  /** Size of the CSV file the peak RSS is measured on, in MiB. */
  readonly largeMib: number;
}

/**
 * The readers' rows of `npm run bench`: Tributary's CSV path (plan + read, coercion) against papaparse bare (the
 * fastest library above) and its JSON Lines path against split + JSON.parse, on a moderate file; then the peak RSS of
 * Tributary's CSV path against papaparse's over a large file. Each measurement runs in a process of its own.
 */
export async function readerSummary(options: ReaderSummaryOptions): Promise<SummaryRow[]> {
  const folder = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  try {
    const csv = join(folder, 'rows.csv');
    const json = join(folder, 'rows.jsonl');
    await writeFiles(options.moderateMb * 1e6, csv, json);
    const papaparse = await measureInChild(PAPAPARSE, csv);
    const ours = await measureInChild(TRIBUTARY_CSV, csv);
    const jsonBare = await measureInChild(JSON_LINES_BARE, json);
    const jsonOurs = await measureInChild(TRIBUTARY_JSON_LINES, json);
    rmSync(json);
    const csvMb = (ours.bytes / 1e6).toFixed(0);
    const jsonMb = (jsonOurs.bytes / 1e6).toFixed(0);
    await writeFiles(options.largeMib * 2 ** 20, csv);
    const largeBare = await measureInChild(PAPAPARSE, csv);
    const largeOurs = await measureInChild(TRIBUTARY_CSV, csv);
    const largeMb = (largeOurs.bytes / 1e6).toFixed(0);
    return [
      {
        row: `batch CSV reader (plan + read + coercion) vs papaparse bare, ${csvMb} MB file`,
        measured: mbPerSecond(ours),
        baseline: mbPerSecond(papaparse),
        unit: 'MB/s',
        digits: 1,
      },
      {
        row: `batch JSON Lines reader (plan + read) vs split + JSON.parse, ${jsonMb} MB file`,
        measured: mbPerSecond(jsonOurs),
        baseline: mbPerSecond(jsonBare),
        unit: 'MB/s',
        digits: 1,
      },
      {
        row: `batch CSV reader, peak RSS of its process over a ${largeMb} MB file, vs papaparse bare`,
        measured: largeOurs.rssBytes / 2 ** 20,
        baseline: largeBare.rssBytes / 2 ** 20,
        unit: 'MiB',
      },
    ];
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

if (isEntryPoint(import.meta.url)) {
  if (process.argv[2] === 'measure') await measureHere(process.argv[3]!, process.argv[4]!);
  else await main();
}
