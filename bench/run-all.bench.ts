/**
 * `npm run bench`: every benchmark's headline figures in one Markdown table — each row measured against a baseline
 * measured in the same run on the same data — then the cost model computed from them. Each bench's own script
 * (`npm run bench:<name>`) prints its details. The 1 GiB batch ingest (`bench:batch`, six minutes) is not rerun:
 * the readers are measured here on a moderate file and their peak memory on a 1 GiB one.
 *
 *   npm run bench
 */
import { isEntryPoint, printSummary, type SummaryRow } from './bench-summary';
import { collectSummary, measureCollect } from './collect-latency.bench';
import { printCostModel } from './cost-model';
import { readerSummary } from './file-parsers.bench';
import { measurePackaging, packagingSummary } from './lambda-packaging.bench';
import { measureProfileWrites, profileWritesSummary } from './profile-writes.bench';
import { schemaValidationSummary } from './schema-validation.bench';
import { measureStreaming, streamConsumerSummary } from './stream-consumer.bench';

/** Moderate enough to take seconds per reader, large enough that process start-up is noise. */
const READER_MB = Number(process.env['BENCH_READER_MB'] ?? 100);
/** The 1 GB file of the issue, read through the CSV reader for its peak memory. */
const LARGE_MIB = Number(process.env['BENCH_LARGE_MIB'] ?? 1024);

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  console.error(`${name}…`);
  const result = await run();
  console.error(`  ${name}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return result;
}

if (isEntryPoint(import.meta.url)) {
  const started = performance.now();
  const rows: SummaryRow[] = [];
  rows.push(...(await step('schema validation', schemaValidationSummary)));
  const streaming = await step('stream consumer', measureStreaming);
  rows.push(...streamConsumerSummary(streaming));
  rows.push(
    ...(await step('file readers', () => readerSummary({ moderateMb: READER_MB, largeMib: LARGE_MIB }))),
  );
  rows.push(...collectSummary(await step('collect and time to profile', measureCollect)));
  const profileWrites = await step('profile writes', measureProfileWrites);
  rows.push(...profileWritesSummary(profileWrites));
  rows.push(...packagingSummary(await step('Lambda packaging', measurePackaging)));

  const byCase = (name: string) => profileWrites.find((row) => row.case === name)!.unitsPerRecord;
  console.log('');
  console.log(
    `npm run bench — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ` +
      `${((performance.now() - started) / 60_000).toFixed(1)} min`,
  );
  console.log('');
  printSummary(rows);
  console.log('');
  printCostModel({
    newEventWru: byCase('new event'),
    profileUpdateWru: byCase('update of one attribute'),
    newProfileWru: byCase('new profile'),
    consumerRecordsPerCpuSecond: streaming.withProfiles.perCpuSecond,
  });
}
