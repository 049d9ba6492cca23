/**
 * Lambda packaging: every handler under lambdas/handlers bundled as the CDK app bundles it (TributaryFunction:
 * esbuild, ESM, minified, node22, `module` before `main`, the CommonJS `require` shim, the AWS SDK inside), its size
 * in bytes, and its module initialisation — a fresh `node` process importing the bundle (its top-level code runs:
 * the SDK clients, the middy chain, the logger) against a fresh `node` process importing an empty module, the
 * floor of any function. Sizes compare with the floor of a function that talks to its table at all: a bundle, built
 * the same way, of the DynamoDB client alone. Median of a few starts each, the two alternating so that a busy moment hits both.
 *
 *   npm run bench:packaging
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../lib/project-paths';
import { isEntryPoint, type SummaryRow } from './bench-summary';
import { printTable } from './markdown-table';

const HANDLERS_DIR = join(PROJECT_ROOT, 'lambdas', 'handlers');
/** Starts per measurement: the median of five is steady to a few ms on a shared machine; more costs seconds each. */
const STARTS = 5;
/** The settings of TributaryFunction's `bundling` (lib/constructs/tributary-function.ts), repeated here. */
const ESBUILD_TARGET = 'node22';
const CJS_REQUIRE_SHIM =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** The size baseline's entry: the DynamoDB client every function's adapters are built on. */
const SDK_FLOOR_ENTRY = "export { DynamoDBClient } from '@aws-sdk/client-dynamodb';\n";

export interface Packaging {
  readonly handlers: readonly PackagedHandler[];
  /** Bytes of the DynamoDB client alone, bundled the same way. */
  readonly sdkFloorBytes: number;
}

export interface PackagedHandler {
  readonly handler: string;
  readonly bytes: number;
  /** Median milliseconds of a fresh node process importing the bundle, and importing an empty module. */
  readonly importMs: number;
  readonly emptyMs: number;
}

async function bundle(entry: string, outfile: string): Promise<number> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: ESBUILD_TARGET,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: { js: CJS_REQUIRE_SHIM },
    logLevel: 'error',
  });
  return statSync(outfile).size;
}

/** Wall milliseconds of `node <file>` from spawn to exit, with no inherited loader or options. */
async function nodeStartMs(file: string): Promise<number> {
  const env = { PATH: process.env['PATH'] ?? '', AWS_REGION: 'us-east-1' };
  const started = performance.now();
  await promisify(execFile)(process.execPath, [file], { env });
  return performance.now() - started;
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function measurePackaging(): Promise<Packaging> {
  // Inside the project, so that esbuild resolves the floor's import from its node_modules.
  const folder = mkdtempSync(join(PROJECT_ROOT, 'node_modules', '.tributary-bench-bundles-'));
  try {
    const empty = join(folder, 'empty.mjs');
    writeFileSync(empty, '');
    const floorEntry = join(folder, 'sdk-floor.ts');
    writeFileSync(floorEntry, SDK_FLOOR_ENTRY);
    const sdkFloorBytes = await bundle(floorEntry, join(folder, 'sdk-floor.mjs'));
    const handlers = readdirSync(HANDLERS_DIR).filter((file) => file.endsWith('.ts'));
    const results: PackagedHandler[] = [];
    for (const file of handlers) {
      const handler = basename(file, '.ts');
      const outfile = join(folder, `${handler}.mjs`);
      const bytes = await bundle(join(HANDLERS_DIR, file), outfile);
      const importTimes: number[] = [];
      const emptyTimes: number[] = [];
      for (let start = 0; start < STARTS; start += 1) {
        emptyTimes.push(await nodeStartMs(empty));
        importTimes.push(await nodeStartMs(outfile));
      }
      results.push({ handler, bytes, importMs: median(importTimes), emptyMs: median(emptyTimes) });
    }
    return { handlers: results, sdkFloorBytes };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export function packagingSummary({ handlers, sdkFloorBytes }: Packaging): SummaryRow[] {
  return handlers.flatMap((result) => [
    {
      row: `Lambda ${result.handler}: bundle vs DynamoDB client alone`,
      measured: result.bytes / 1024,
      baseline: sdkFloorBytes / 1024,
      unit: 'KiB',
    },
    {
      row: `Lambda ${result.handler}: node start + bundle import vs node start alone`,
      measured: result.importMs,
      baseline: result.emptyMs,
      unit: 'ms',
    },
  ]);
}

if (isEntryPoint(import.meta.url)) {
  const { handlers: results, sdkFloorBytes } = await measurePackaging();
  console.log(
    `esbuild bundles as TributaryFunction builds them (the DynamoDB client alone: ${(sdkFloorBytes / 1024).toFixed(0)} KiB); ` +
      `median of ${STARTS} fresh node processes each (Node ${process.version}).`,
  );
  printTable(
    ['handler', 'bundle KiB', 'node + import ms', 'node alone ms', 'init ms', 'ratio'],
    results.map((result) => [
      result.handler,
      (result.bytes / 1024).toFixed(0),
      result.importMs.toFixed(0),
      result.emptyMs.toFixed(0),
      (result.importMs - result.emptyMs).toFixed(0),
      (result.importMs / result.emptyMs).toFixed(2),
    ]),
  );
}
