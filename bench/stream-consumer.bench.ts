/**
 * Stream consumer throughput: the consumer core (`consumeRecords`: decode, validate with the registry's cached
 * validator, de-duplicate, apply to profiles, encode the lake's Parquet file and the quarantine's JSON Lines, count)
 * on generated Kinesis records in batches of the mapping's size, against the bare floor of the same work —
 * `JSON.parse` of each record's bytes plus an Ajv validation of its record — on the same records, in the same run.
 *
 * The S3 and DynamoDB ports (lake, quarantine, batch store, profile store and identity graph) are in-memory fakes
 * that answer at once, so the figure is the CPU cost of our code, not of the emulators or the network; the rate is
 * records per CPU-second of this process (user + system time), i.e. per core.
 *
 *   npm run bench:streaming
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { applyToProfiles } from '../lambdas/core/profiles/apply-to-profiles';
import { IdentityNormalizer } from '../lambdas/core/profiles/identity-normalizer';
import { DEFAULT_PROFILE_GUARDRAILS } from '../lambdas/core/profiles/profile-ports';
import { SchemaRegistry } from '../lambdas/core/schemas/schema-registry';
import type { ConsumeDeps, StreamRecord } from '../lambdas/core/streaming/consume-ports';
import { consumeRecords } from '../lambdas/core/streaming/consume-records';
import { CONSUMER_BATCH_SIZE } from '../lib/streaming-stack';
import { STREAM_EVENT_SCHEMA } from '../test/support/streaming-messages';
import { MemoryBatchStore, MemoryObjects, MemoryStreamProgress } from '../test/support/streaming-memory';
import { kinesisRecords, plannedRecords, toStreamRecords } from '../test/support/streaming-records';
import { MemoryGraph, MemoryProfileData } from '../test/support/profile-apply-fakes';
import { InMemorySchemaStore } from '../test/support/in-memory-schema-store';
import { isEntryPoint, type SummaryRow } from './bench-summary';

const RECORDS = 20_000;
/** One record in ten breaks the schema and one in fifty is a producer duplicate: a messy but plausible stream. */
const INVALID_EVERY = 10;
const DUPLICATE_EVERY = 50;
/** Distinct people: several events per person per batch, as a busy site sends. */
const PEOPLE = 2_000;
const ROUNDS = 3;
const SANDBOX = 'prod';

/** Best of a few rounds, in records per CPU-second: the least disturbed by the other work on a shared machine. */
async function rate(run: () => Promise<number>): Promise<{ perCpuSecond: number; checksum: number }> {
  let best = 0;
  let checksum = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const before = process.cpuUsage();
    checksum = await run();
    const used = process.cpuUsage(before);
    best = Math.max(best, RECORDS / ((used.user + used.system) / 1e6));
  }
  return { perCpuSecond: best, checksum };
}

interface Rate {
  readonly perCpuSecond: number;
  readonly checksum: number;
}

export interface StreamingResult {
  readonly baseline: Rate;
  readonly lakeOnly: Rate;
  readonly withProfiles: Rate;
}

export async function measureStreaming(): Promise<StreamingResult> {
  const registry = new SchemaRegistry({
    store: new InMemorySchemaStore(),
    namespaces: { canonicalCode: async (_sandbox, code) => code },
  });
  const schema = await registry.register(SANDBOX, STREAM_EVENT_SCHEMA);
  const validate = await registry.validatorFor(SANDBOX, schema.id, schema.version);

  const planned = plannedRecords({
    seed: 7,
    sandbox: SANDBOX,
    datasetId: 'bench-events',
    schemaId: schema.id,
    count: RECORDS,
    people: PEOPLE,
    invalidEvery: INVALID_EVERY,
    duplicateEvery: DUPLICATE_EVERY,
    receivedAt: '2024-06-01T10:03:00.000Z',
  });
  const records: StreamRecord[] = toStreamRecords(
    kinesisRecords(
      planned.map((record) => record.message),
      'arn:aws:kinesis:us-east-1:000000000000:stream/bench',
    ),
  );
  const batches: StreamRecord[][] = [];
  for (let i = 0; i < records.length; i += CONSUMER_BATCH_SIZE)
    batches.push(records.slice(i, i + CONSUMER_BATCH_SIZE));

  /** Fresh stores per round: a second round on the same markers would see every record as a duplicate. */
  function consumerDeps(profileEnabled: boolean): ConsumeDeps {
    const guardrails = DEFAULT_PROFILE_GUARDRAILS;
    const profileDeps = {
      graph: new MemoryGraph(),
      data: new MemoryProfileData(),
      guardrails,
      normalizer: new IdentityNormalizer({ maxIdentityLength: guardrails.maxIdentityLength }),
    };
    return {
      targets: { target: async (_sandbox, datasetId) => ({ datasetId, profileEnabled, schema, validate }) },
      applyToProfiles: (input) => applyToProfiles(profileDeps, input),
      lake: new MemoryObjects(),
      quarantine: new MemoryObjects(),
      batches: new MemoryBatchStore(),
      progress: new MemoryStreamProgress(),
      now: () => new Date(),
    };
  }

  const bare = new Ajv2020({ allErrors: true });
  addFormats(bare);
  const bareValidate = bare.compile(STREAM_EVENT_SCHEMA.schema);

  const baseline = await rate(async () => {
    let invalid = 0;
    for (const record of records) {
      const message = JSON.parse(record.data.toString('utf8')) as { record: unknown };
      if (!bareValidate(message.record)) invalid += 1;
    }
    return invalid;
  });

  async function consumer(profileEnabled: boolean) {
    return rate(async () => {
      const deps = consumerDeps(profileEnabled);
      let retried = 0;
      for (const batch of batches) retried += (await consumeRecords(deps, batch)).batchItemFailures.length;
      if (retried > 0) throw new Error(`${retried} records were left for a retry: the fakes never fail`);
      return [...(deps.lake as MemoryObjects).objects.values()].reduce(
        (bytes, body) => bytes + body.byteLength,
        0,
      );
    });
  }

  const lakeOnly = await consumer(false);
  const withProfiles = await consumer(true);

  return { baseline, lakeOnly, withProfiles };
}

export function streamConsumerSummary({ baseline, lakeOnly, withProfiles }: StreamingResult): SummaryRow[] {
  const row = (path: string, rate: Rate): SummaryRow => ({
    row: `streaming consumer, ${path}, vs bare JSON.parse + Ajv`,
    measured: rate.perCpuSecond,
    baseline: baseline.perCpuSecond,
    unit: 'records/s/core',
  });
  return [row('lake only', lakeOnly), row('profile-enabled', withProfiles)];
}

if (isEntryPoint(import.meta.url)) {
  const { baseline, lakeOnly, withProfiles } = await measureStreaming();
  console.log(
    `${RECORDS} records in batches of ${CONSUMER_BATCH_SIZE}, one in ${INVALID_EVERY} invalid, one in ${DUPLICATE_EVERY} a duplicate; ` +
      `${baseline.checksum} invalid by bare Ajv; lake bytes per run ${lakeOnly.checksum}. ` +
      'S3 and DynamoDB ports are in-memory fakes: this measures our code, not the emulators. Best of ' +
      `${ROUNDS} rounds, records per CPU-second (one core).`,
  );
  console.table([
    {
      path: 'bare JSON.parse + Ajv (baseline)',
      'records/s/core': Math.round(baseline.perCpuSecond),
      ratio: '1.00',
    },
    {
      path: 'consumer, dataset not profile-enabled',
      'records/s/core': Math.round(lakeOnly.perCpuSecond),
      ratio: (lakeOnly.perCpuSecond / baseline.perCpuSecond).toFixed(3),
    },
    {
      path: 'consumer, profile-enabled',
      'records/s/core': Math.round(withProfiles.perCpuSecond),
      ratio: (withProfiles.perCpuSecond / baseline.perCpuSecond).toFixed(3),
    },
  ]);
}
