/**
 * Batch ingestion end to end: a generated CSV of BENCH_BATCH_MB MiB (1024 by default: 1.07 GB) dropped into the
 * landing bucket of the local runtime and ingested by the ingest-batch workflow — plan, stage chunks (parse, coerce,
 * validate, write Parquet and the quarantine), decide, promote — against the bare parse of the same file in the same
 * run: our CSV record scanner with the field split alone (what the CSV path is built on), and csv-parse on the file's
 * first BENCH_LIBRARY_MB MiB (128 by default; it is several times slower). One row in a thousand breaks the schema,
 * so the failed-row path runs and the batch still succeeds (5% allowed, the drop's default).
 *
 * The ingest is timed from the object landing (the PutObject answered) to the batch's `success`; the upload is timed
 * apart. RSS and heapUsed are sampled every 50 ms over the ingest: the emulators (S3, DynamoDB, Step Functions) run
 * in this process, as the handlers do, so the peak is the whole platform's. The ingest runs before the bare parses,
 * so its peak carries nothing of theirs. Rates are given per wall second and per CPU-second of the process.
 *
 * BENCH_BATCH_CHUNK_BYTES sets the worker's BATCH_CHUNK_BYTES (the CDK app's 8 MiB otherwise), for experiments.
 *
 *   npm run bench:batch      (BENCH_BATCH_MB=1024 by default)
 */
import '../local/polyfills';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parse as csvParse } from 'csv-parse';
import { CsvRecordScanner } from '../lambdas/core/files/csv/csv-record-scanner';
import { splitCsvFields } from '../lambdas/core/files/csv/csv-fields';
import { csvSyntax } from '../lambdas/core/files/csv/csv-syntax';
import { withDefaults } from '../lambdas/core/files/input-format-defaults';
import { scanRecords } from '../lambdas/core/files/record-stream';
import { startRuntime, type RunningRuntime } from '../local/runtime';
import { App } from 'aws-cdk-lib';
import { ENV } from '../lambdas/config/env-names';
import { createTributaryApp } from '../lib/tributary-app';
import { call } from '../test/e2e/local-runtime';
import { printTable } from './markdown-table';

const BATCH_MB = Number(process.env['BENCH_BATCH_MB'] ?? 1024);
/** csv-parse runs at a fraction of our scanner's rate: it parses the file's first MiBs only, to keep the run short. */
const LIBRARY_MB = Number(process.env['BENCH_LIBRARY_MB'] ?? 128);
const CHUNK_BYTES = process.env['BENCH_BATCH_CHUNK_BYTES'];
/** One row in a thousand is invalid: the failed-row path runs, far below the 5% that would fail the batch. */
const INVALID_EVERY = 1000;
const SAMPLE_MS = 50;
/** Each poll is an API call served by this same process: once a second keeps its share of the CPU negligible. */
const POLL_MS = 1000;
/** Polls in a row that may fail to connect (a long GC pause outlasts the keep-alive of the client's socket). */
const POLL_RETRIES = 5;
/** A 1 GiB ingest has taken 7 to 12 minutes on a shared 2-core machine. */
const INGEST_TIMEOUT_MS = 30 * 60 * 1000;
const SANDBOX = 'prod';
const MEMORY_LIMIT_MIB = 512;

const SCHEMA = {
  title: 'Bench customer',
  class: 'profile',
  schema: {
    $id: 'https://example.com/schemas/bench-customer',
    type: 'object',
    properties: {
      customerId: { type: 'string' },
      email: { type: 'string', format: 'email' },
      firstName: { type: 'string' },
      lastName: { type: 'string' },
      age: { type: 'integer', minimum: 0 },
      score: { type: 'number' },
      active: { type: 'boolean' },
      signedUpAt: { type: 'string', format: 'date-time' },
      city: { type: 'string' },
      note: { type: 'string' },
    },
    required: ['customerId', 'email', 'signedUpAt'],
  },
  identities: [{ path: '/email', namespace: 'Email', primary: true }],
} as const;

const CSV_HEADER = `${Object.keys(SCHEMA.schema.properties).join(',')}\n`;
/** The bare parsers see the header line as a record; rows are the records after it. */
const HEADER_RECORDS = 1;
const CITIES = ['Lyon', 'Paris', '"Portland, OR"', 'Berlin', '"Austin, TX"', 'Porto', 'Osaka'];

/** A flat customer row; invalid ones alternate a non-integer age and a malformed timestamp. */
function csvLine(i: number): string {
  const invalid = i % INVALID_EVERY === INVALID_EVERY - 1;
  const age = invalid && i % 2 === 0 ? 'unknown' : String(18 + (i % 70));
  const day = String(1 + (i % 28)).padStart(2, '0');
  const signedUpAt =
    invalid && i % 2 === 1 ? `yesterday ${day}` : `2024-03-${day}T08:${String(i % 60).padStart(2, '0')}:00Z`;
  const note = i % 9 === 0 ? '"said ""hi"", then left"' : `plain note ${i % 10_000}`;
  return (
    `C-${String(i).padStart(10, '0')},user${i}@example.com,Name${i % 5003},Last${i % 977},${age},` +
    `${(i % 100_000) / 100},${i % 3 === 0},${signedUpAt},${CITIES[i % CITIES.length]},${note}\n`
  );
}

interface GeneratedCsv {
  readonly rows: number;
  /** The first rows (a prefix that ends at a row's end), for the slow library parser. */
  readonly prefix: { readonly bytes: number; readonly rows: number };
}

/** Written in slices with back-pressure, so memory stays flat whatever the size. */
async function writeCsv(path: string, bytes: number, prefixBytes: number): Promise<GeneratedCsv> {
  const out = createWriteStream(path);
  out.write(CSV_HEADER);
  let written = CSV_HEADER.length;
  let rows = 0;
  let prefix: GeneratedCsv['prefix'] | undefined;
  while (written < bytes) {
    let text = '';
    for (let k = 0; k < 2000; k += 1, rows += 1) text += csvLine(rows);
    written += Buffer.byteLength(text);
    if (!prefix && written >= prefixBytes) prefix = { bytes: written, rows };
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { rows, prefix: prefix ?? { bytes: written, rows } };
}

/** Peak RSS and heap, sampled on a timer; a busy event loop delays samples, so the true peak may be a bit higher. */
class MemoryPeak {
  rss = 0;
  heapUsed = 0;
  private readonly timer = setInterval(() => this.sample(), SAMPLE_MS);
  sample(): void {
    const { rss, heapUsed } = process.memoryUsage();
    this.rss = Math.max(this.rss, rss);
    this.heapUsed = Math.max(this.heapUsed, heapUsed);
  }
  stop(): this {
    clearInterval(this.timer);
    this.sample();
    return this;
  }
}

interface Measured {
  readonly path: string;
  readonly bytes: number;
  readonly seconds: number;
  /** CPU time of the whole process (user + system): steadier than wall time on a shared machine. */
  readonly cpuSeconds: number;
  readonly rows: number;
  readonly memory: MemoryPeak;
}

interface Clock {
  readonly at: number;
  readonly cpu: NodeJS.CpuUsage;
}

const clock = (): Clock => ({ at: performance.now(), cpu: process.cpuUsage() });

function since(start: Clock): { seconds: number; cpuSeconds: number } {
  const cpu = process.cpuUsage(start.cpu);
  return { seconds: (performance.now() - start.at) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

async function measure(path: string, bytes: number, run: () => Promise<number>): Promise<Measured> {
  const memory = new MemoryPeak();
  const started = clock();
  const rows = await run();
  return { path, bytes, ...since(started), rows, memory: memory.stop() };
}

const mbPerSecond = (result: Measured) => result.bytes / 1e6 / result.seconds;
const mbPerCpuSecond = (result: Measured) => result.bytes / 1e6 / result.cpuSeconds;
const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
/** Memory in MiB, as Lambda sizes it: stricter than MB against the 512 target. */
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

/** The bare parser under the CSV path: records cut by our scanner, decoded and split into fields, nothing else. */
async function scannerRows(path: string): Promise<number> {
  const syntax = csvSyntax(withDefaults({ format: 'csv' }));
  let records = 0;
  let fields = 0;
  const bytes = createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
  const scan = { firstLine: 1, skipBom: true };
  for await (const scanned of scanRecords(bytes, new CsvRecordScanner(syntax), scan)) {
    for (const record of scanned) {
      if (record.empty) continue;
      fields += splitCsvFields(record.buf.toString('utf8', record.start, record.contentEnd), syntax).length;
      records += 1;
    }
  }
  if (fields === 0) throw new Error('the scanner found no fields');
  return records - HEADER_RECORDS;
}

async function csvParseRows(path: string, bytes: number): Promise<number> {
  let records = 0;
  const parser = createReadStream(path, { end: bytes - 1 }).pipe(csvParse());
  parser.on('data', () => {
    records += 1;
  });
  await once(parser, 'end');
  return records - HEADER_RECORDS;
}

interface BatchState {
  readonly id: string;
  readonly status: string;
  readonly origin?: { readonly kind: string };
  readonly metrics: { inputRecordCount: number; outputRecordCount: number; failedRecordCount: number };
}

async function json<T>(
  runtime: RunningRuntime,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  const answer = await call(`${runtime.url}${path}`, {
    key: runtime.adminKey,
    ...(init.method ? { method: init.method } : {}),
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  if (answer.status >= 300)
    throw new Error(`${init.method ?? 'GET'} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as T;
}

async function createDataset(runtime: RunningRuntime): Promise<string> {
  await json(runtime, '/schemas', { method: 'POST', body: SCHEMA });
  const dataset = await json<{ id: string }>(runtime, '/datasets', {
    method: 'POST',
    body: { name: 'bench-customers', schemaId: SCHEMA.schema.$id, profileEnabled: false },
  });
  return dataset.id;
}

function landingClient(runtime: RunningRuntime): S3Client {
  return new S3Client({
    endpoint: runtime.endpoints.s3,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // A streamed body would otherwise be sent aws-chunked with a trailing checksum, which the emulator stores as is.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

async function landingBucket(s3: S3Client): Promise<string> {
  const names = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map(
    (bucket) => bucket.Name ?? '',
  );
  const landing = names.find((name) => name.includes('landing'));
  if (!landing) throw new Error(`no landing bucket among ${names.join(', ')}`);
  return landing;
}

const PROGRESS_EVERY_MS = 15_000;

interface IngestTimeline {
  /** performance.now() when the batch was first seen in `processing`: staging done, promotion under way. */
  processingAt?: number;
}

/** Polls the dataset's batches until the drop's batch is final, printing progress and memory now and then. */
async function awaitDropBatch(
  runtime: RunningRuntime,
  datasetId: string,
  timeline: IngestTimeline,
): Promise<BatchState> {
  const started = performance.now();
  const deadline = Date.now() + INGEST_TIMEOUT_MS;
  let reportedAt = started;
  let failedPolls = 0;
  while (Date.now() < deadline) {
    let items: BatchState[];
    try {
      ({ items } = await json<{ items: BatchState[] }>(runtime, `/catalog/batches?datasetId=${datasetId}`));
      failedPolls = 0;
    } catch (error) {
      failedPolls += 1;
      if (!(error instanceof TypeError) || failedPolls > POLL_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      continue;
    }
    const drop = items.find((batch) => batch.origin?.kind === 'file-drop');
    if (drop?.status === 'processing') timeline.processingAt ??= performance.now();
    if (drop && ['success', 'failed', 'aborted'].includes(drop.status)) {
      return json<BatchState>(runtime, `/catalog/batches/${drop.id}`);
    }
    if (performance.now() - reportedAt >= PROGRESS_EVERY_MS) {
      reportedAt = performance.now();
      const { rss, heapUsed } = process.memoryUsage();
      console.log(
        `  ${((reportedAt - started) / 1000).toFixed(0)} s: ${drop?.status ?? 'no batch yet'}, ` +
          `${drop?.metrics.inputRecordCount ?? 0} rows staged, rss ${mib(rss)} MiB, heap ${mib(heapUsed)} MiB`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`the batch did not finish in ${INGEST_TIMEOUT_MS / 60_000} minutes`);
}

interface GeneratedFile extends GeneratedCsv {
  readonly path: string;
  readonly bytes: number;
  readonly invalidRows: number;
}

interface IngestRun {
  readonly upload: Measured;
  readonly ingest: Measured;
  readonly batch: BatchState;
  /** Memory of the started runtime with its dataset, before the upload. */
  readonly idle: NodeJS.MemoryUsage;
  /** Seconds from the landing to `processing` (plan + stage), when a poll saw that status. */
  readonly stagedSeconds?: number;
}

async function ingestOnRuntime(file: GeneratedFile, dataDir: string): Promise<IngestRun> {
  console.log('Starting the local runtime…');
  // The worker sees only its template's environment: a chunk size to try is set on the function itself.
  const runtime = await startRuntime({
    port: 0,
    dataDir,
    quiet: true,
    ...(CHUNK_BYTES
      ? {
          appFactory: (props) => {
            const tributary = createTributaryApp({ app: new App(props), nag: false });
            tributary.batch.worker.addEnvironment(ENV.batchChunkBytes, CHUNK_BYTES);
            return tributary.app;
          },
        }
      : {}),
  });
  const s3 = landingClient(runtime);
  try {
    const datasetId = await createDataset(runtime);
    const bucket = await landingBucket(s3);
    const key = `landing/${SANDBOX}/${datasetId}/bench/customers.csv`;
    const idle = process.memoryUsage();

    console.log('Uploading (not counted in the ingest)…');
    let landed = clock();
    const upload = await measure('upload: PutObject into the landing bucket', file.bytes, async () => {
      // The notification fires as the emulator stores the object: the ingest clock starts when the PUT answers.
      const body = createReadStream(file.path);
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: file.bytes }),
      );
      landed = clock();
      return file.rows;
    });
    console.log(`  ${upload.seconds.toFixed(1)} s`);

    console.log('Ingesting…');
    const memory = new MemoryPeak();
    const timeline: IngestTimeline = {};
    const batch = await awaitDropBatch(runtime, datasetId, timeline);
    const ingest = {
      path: 'ingest: file drop → success',
      bytes: file.bytes,
      ...since(landed),
      rows: file.rows,
    };
    console.log(`  batch ${batch.id}: ${batch.status}, ${JSON.stringify(batch.metrics)}`);
    return {
      upload,
      ingest: { ...ingest, memory: memory.stop() },
      batch,
      idle,
      ...(timeline.processingAt === undefined
        ? {}
        : { stagedSeconds: (timeline.processingAt - landed.at) / 1000 }),
    };
  } finally {
    s3.destroy();
    await runtime.stop();
  }
}

async function bareParses(file: GeneratedFile): Promise<{ scanner: Measured; library: Measured }> {
  console.log('Bare parse of the same file:');
  const scanner = await measure('bare: Tributary scanner + field split', file.bytes, () =>
    scannerRows(file.path),
  );
  console.log(`  scanner: ${mbPerSecond(scanner).toFixed(1)} MB/s`);
  const { prefix } = file;
  const library = await measure(`bare: csv-parse 7.0.3 (first ${mb(prefix.bytes)} MB)`, prefix.bytes, () =>
    csvParseRows(file.path, prefix.bytes),
  );
  console.log(`  csv-parse: ${mbPerSecond(library).toFixed(1)} MB/s`);
  if (scanner.rows !== file.rows) throw new Error(`the scanner read ${scanner.rows} rows, not ${file.rows}`);
  if (library.rows !== prefix.rows)
    throw new Error(`csv-parse read ${library.rows} rows, not ${prefix.rows}`);
  return { scanner, library };
}

/** Prints the table and the checks; false when the counts do not reconcile. */
function report(file: GeneratedFile, run: IngestRun, scanner: Measured, library: Measured): boolean {
  const { inputRecordCount, outputRecordCount, failedRecordCount } = run.batch.metrics;
  const reconciled =
    run.batch.status === 'success' &&
    inputRecordCount === file.rows &&
    outputRecordCount + failedRecordCount === inputRecordCount &&
    failedRecordCount === file.invalidRows;
  console.log('');
  console.log(
    `${mb(file.bytes)} MB, ${file.rows.toLocaleString('en-US')} rows; chunk bytes ` +
      `${CHUNK_BYTES ?? 'the app default (8 MiB)'}; peaks sampled every ${SAMPLE_MS} ms. Ratios: MB/s (wall, and ` +
      "per CPU-second of the process) over the bare Tributary scanner's.",
  );
  printTable(
    [
      'path',
      'seconds',
      'MB/s',
      'ratio',
      'CPU s',
      'MB/CPU-s',
      'CPU ratio',
      'rows/s',
      'peak RSS MiB',
      'peak heap MiB',
    ],
    [scanner, library, run.upload, run.ingest].map((result) => [
      result.path,
      result.seconds.toFixed(1),
      mbPerSecond(result).toFixed(1),
      (mbPerSecond(result) / mbPerSecond(scanner)).toFixed(3),
      result.cpuSeconds.toFixed(1),
      mbPerCpuSecond(result).toFixed(1),
      (mbPerCpuSecond(result) / mbPerCpuSecond(scanner)).toFixed(3),
      Math.round(result.rows / result.seconds).toLocaleString('en-US'),
      mib(result.memory.rss),
      mib(result.memory.heapUsed),
    ]),
  );
  console.log('');
  if (run.stagedSeconds !== undefined) {
    console.log(
      `Ingest phases: plan + stage ${run.stagedSeconds.toFixed(1)} s, decide + promote ` +
        `${(run.ingest.seconds - run.stagedSeconds).toFixed(1)} s (to within a poll).`,
    );
  }
  console.log(
    `Counts ${reconciled ? 'reconcile' : 'DO NOT reconcile'}: input ${inputRecordCount} (rows ${file.rows}), ` +
      `output ${outputRecordCount} + failed ${failedRecordCount} (invalid rows ${file.invalidRows}).`,
  );
  const peakMib = run.ingest.memory.rss / 2 ** 20;
  console.log(
    `Peak RSS over the ingest: ${peakMib.toFixed(0)} MiB — ${peakMib < MEMORY_LIMIT_MIB ? 'under' : 'OVER'} the ` +
      `${MEMORY_LIMIT_MIB} MiB target; the idle runtime before the upload: rss ${mib(run.idle.rss)} MiB, heap ` +
      `${mib(run.idle.heapUsed)} MiB.`,
  );
  return reconciled;
}

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'tributary-bench-batch-'));
  try {
    const path = join(folder, 'customers.csv');
    console.log(`Writing ${BATCH_MB} MiB of CSV to ${path}…`);
    const writing = clock();
    const generated = await writeCsv(path, BATCH_MB * 2 ** 20, LIBRARY_MB * 2 ** 20);
    const file = {
      ...generated,
      path,
      bytes: statSync(path).size,
      invalidRows: Math.floor(generated.rows / INVALID_EVERY),
    };
    console.log(
      `  ${file.rows.toLocaleString('en-US')} rows, ${mb(file.bytes)} MB, ${file.invalidRows} invalid, ` +
        `written in ${since(writing).seconds.toFixed(0)} s`,
    );
    // The ingest runs first, so that its memory peak holds nothing of the bare parses' heap.
    const run = await ingestOnRuntime(file, join(folder, '.tributary'));
    const { scanner, library } = await bareParses(file);
    if (!report(file, run, scanner, library)) process.exitCode = 1;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

await main();
