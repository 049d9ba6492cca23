/**
 * The AWS cost of Tributary's data paths, from what `npm run bench` measured (write units per record, consumer CPU
 * per record) and the invocations and bytes the app's configuration implies, at public on-demand prices.
 */
import { printTable } from './markdown-table';

/** us-east-1, first tier, no free tier: the public AWS pricing pages of API Gateway, Lambda, DynamoDB, S3 and Kinesis. */
export const PRICES_AS_OF = '2026-11-28';
export const API_GATEWAY_REST_PER_MILLION_REQUESTS = 3.5;
export const LAMBDA_PER_MILLION_REQUESTS = 0.2;
/** Graviton (Arm), which TributaryFunction deploys on. */
export const LAMBDA_ARM_PER_GB_SECOND = 0.0000133334;
/** Kinesis on-demand: each record rounded up to 1 KB in; out is billed once per consumer (one here). */
export const KINESIS_ON_DEMAND_IN_PER_GB = 0.08;
export const KINESIS_ON_DEMAND_OUT_PER_GB = 0.04;
export const DYNAMODB_PER_MILLION_WRITE_UNITS = 0.625;
export const S3_PUT_PER_THOUSAND = 0.005;
export const S3_GET_PER_THOUSAND = 0.0004;
export const STEP_FUNCTIONS_PER_THOUSAND_TRANSITIONS = 0.025;

/** Fixed charges, for the idle cost (reference: aws-limits-costs-security.md §2.1 unless said otherwise). */
export const HOURS_PER_MONTH = 730;
export const KINESIS_PROVISIONED_PER_SHARD_HOUR = 0.015;
export const KINESIS_ON_DEMAND_PER_STREAM_HOUR = 0.04;
export const KMS_PER_KEY_MONTH = 1;
export const WAF_PER_WEB_ACL_MONTH = 5;
export const WAF_PER_RULE_MONTH = 1;
/** AWS CloudWatch pricing page (not in the reference): a standard-resolution alarm, a dashboard beyond three. */
export const CLOUDWATCH_PER_ALARM_MONTH = 0.1;
export const CLOUDWATCH_PER_DASHBOARD_MONTH = 3;
/** AWS EventBridge Scheduler pricing page (not in the reference): invocations beyond the 14 million free. */
export const SCHEDULER_PER_MILLION_INVOCATIONS = 1;

/** The reference scenario's edge batching: producers post `/collection/batch` with 100 messages. */
const EDGE_BATCH = 100;
/** lib/streaming-stack.ts: CONSUMER_BATCH_SIZE and CONSUMER_MEMORY_MB. */
const CONSUMER_BATCH = 100;
const CONSUMER_MEMORY_GB = 1;
/** Lambda gives 1 vCPU at 1,769 MB: a 1,024 MB consumer runs our code at this share of one core. */
const VCPU_AT_1_GB = 1024 / 1769;
/**
 * Not measured here (the emulators answer locally): a consumer invocation's waits on DynamoDB and S3 — marker
 * claims in parallel, profile reads and writes, two PUTs — taken as 150 ms, a few round trips of 10–30 ms each.
 */
const CONSUMER_IO_MS_PER_INVOCATION = 150;
/** Not measured here either: a collect invocation is a validation and one Kinesis PutRecords, about 40 ms. */
const COLLECT_MS_PER_INVOCATION = 40;
const COLLECT_MEMORY_GB = 0.5;
/** Two objects per consumer invocation: the lake's Parquet file and the quarantine's JSON Lines (when any). */
const S3_PUTS_PER_CONSUMER_INVOCATION = 2;
/** The de-duplication marker: one conditional PutItem of a small item per record (consume-records.ts). */
const DEDUP_WRU_PER_RECORD = 1;
/** An event item is projected into the `by-time` LSI, billed a write unit per KB that the emulator omits. */
const EVENT_LSI_WRU = 1;

/** Batch: the CDK app's 8 MiB chunks, a 2,048 MB worker, about 6 transitions per chunk in the Map. */
const CHUNK_BYTES = 8 * 2 ** 20;
const BATCH_WORKER_MEMORY_GB = 2;
const TRANSITIONS_PER_CHUNK = 6;
const TRANSITIONS_PER_BATCH = 10;
/** Per chunk: a ranged GET of the file, PUTs of the Parquet file and the quarantine. */
const GETS_PER_CHUNK = 1;
const PUTS_PER_CHUNK = 2;
/**
 * The staging rate of the last 1 GiB `npm run bench:batch` (docs/performance.md, 2026-11-28: 2.4 MB per
 * CPU-second, mostly Parquet encoding); it takes six minutes, so `npm run bench` does not repeat it.
 */
export const BATCH_STAGE_MB_PER_CPU_SECOND = 2.4;

export interface CostInputs {
  /** Write units per record the profile store spent (bench/profile-writes.bench.ts). */
  readonly newEventWru: number;
  readonly profileUpdateWru: number;
  readonly newProfileWru: number;
  /** The consumer's records per CPU-second on a profile-enabled dataset (bench/stream-consumer.bench.ts). */
  readonly consumerRecordsPerCpuSecond: number;
}

interface CostLine {
  readonly item: string;
  readonly quantity: string;
  readonly dollars: number;
}

const GB = 2 ** 30;

function streamingPerMillionEvents(inputs: CostInputs): CostLine[] {
  const events = 1e6;
  const requests = events / EDGE_BATCH;
  const invocations = events / CONSUMER_BATCH;
  const cpuSecondsPerInvocation = CONSUMER_BATCH / inputs.consumerRecordsPerCpuSecond / VCPU_AT_1_GB;
  const consumerSeconds = invocations * (cpuSecondsPerInvocation + CONSUMER_IO_MS_PER_INVOCATION / 1000);
  const kinesisGb = (events * 1024) / GB;
  const wru = events * (inputs.newEventWru + EVENT_LSI_WRU + DEDUP_WRU_PER_RECORD);
  const puts = invocations * S3_PUTS_PER_CONSUMER_INVOCATION;
  return [
    {
      item: `API Gateway REST, batches of ${EDGE_BATCH}`,
      quantity: `${requests} requests`,
      dollars: (requests / 1e6) * API_GATEWAY_REST_PER_MILLION_REQUESTS,
    },
    {
      item: `collect Lambda (${COLLECT_MEMORY_GB * 1024} MB, ${COLLECT_MS_PER_INVOCATION} ms assumed)`,
      quantity: `${requests} invocations`,
      dollars:
        (requests / 1e6) * LAMBDA_PER_MILLION_REQUESTS +
        requests * (COLLECT_MS_PER_INVOCATION / 1000) * COLLECT_MEMORY_GB * LAMBDA_ARM_PER_GB_SECOND,
    },
    {
      item: 'Kinesis on-demand, in + out',
      quantity: `${kinesisGb.toFixed(3)} GB`,
      dollars: kinesisGb * (KINESIS_ON_DEMAND_IN_PER_GB + KINESIS_ON_DEMAND_OUT_PER_GB),
    },
    {
      item: `consumer Lambda (1,024 MB: measured CPU + ${CONSUMER_IO_MS_PER_INVOCATION} ms I/O assumed)`,
      quantity: `${invocations} invocations, ${consumerSeconds.toFixed(0)} s`,
      dollars:
        (invocations / 1e6) * LAMBDA_PER_MILLION_REQUESTS +
        consumerSeconds * CONSUMER_MEMORY_GB * LAMBDA_ARM_PER_GB_SECOND,
    },
    {
      item: 'DynamoDB: new event (measured) + LSI + de-dup marker',
      quantity: `${(wru / events).toFixed(2)} WRU/event`,
      dollars: (wru / 1e6) * DYNAMODB_PER_MILLION_WRITE_UNITS,
    },
    {
      item: 'S3 PUTs (lake, quarantine)',
      quantity: `${puts} PUTs`,
      dollars: (puts / 1000) * S3_PUT_PER_THOUSAND,
    },
  ];
}

function batchPerGigabyte(inputs: CostInputs): CostLine[] {
  const chunks = Math.ceil(GB / CHUNK_BYTES);
  const stageSeconds = GB / 1e6 / BATCH_STAGE_MB_PER_CPU_SECOND;
  const transitions = chunks * TRANSITIONS_PER_CHUNK + TRANSITIONS_PER_BATCH;
  /** Profile-enabled files: 1 KB records, each an update of an existing profile or a new one. */
  const records = GB / 1024;
  return [
    {
      item: `batch worker Lambda (${BATCH_WORKER_MEMORY_GB * 1024} MB, ${BATCH_STAGE_MB_PER_CPU_SECOND} MB/CPU-s)`,
      quantity: `${chunks} invocations, ${stageSeconds.toFixed(0)} s`,
      dollars:
        (chunks / 1e6) * LAMBDA_PER_MILLION_REQUESTS +
        stageSeconds * BATCH_WORKER_MEMORY_GB * LAMBDA_ARM_PER_GB_SECOND,
    },
    {
      item: 'Step Functions Standard',
      quantity: `${transitions} transitions`,
      dollars: (transitions / 1000) * STEP_FUNCTIONS_PER_THOUSAND_TRANSITIONS,
    },
    {
      item: 'S3 requests (ranged GETs, Parquet and quarantine PUTs)',
      quantity: `${chunks * GETS_PER_CHUNK} GETs, ${chunks * PUTS_PER_CHUNK} PUTs`,
      dollars:
        ((chunks * GETS_PER_CHUNK) / 1000) * S3_GET_PER_THOUSAND +
        ((chunks * PUTS_PER_CHUNK) / 1000) * S3_PUT_PER_THOUSAND,
    },
    {
      item: 'if profile-enabled, 1 KB rows, all updates: DynamoDB (measured WRU)',
      quantity: `${records} records × ${inputs.profileUpdateWru.toFixed(2)} WRU`,
      dollars: ((records * inputs.profileUpdateWru) / 1e6) * DYNAMODB_PER_MILLION_WRITE_UNITS,
    },
    {
      item: 'if profile-enabled, 1 KB rows, all new profiles: DynamoDB (measured WRU)',
      quantity: `${records} records × ${inputs.newProfileWru.toFixed(2)} WRU`,
      dollars: ((records * inputs.newProfileWru) / 1e6) * DYNAMODB_PER_MILLION_WRITE_UNITS,
    },
  ];
}

/** The dataflow scheduler ticks every minute (lib/dataflow-stack.ts SCHEDULER_RATE), work or not. */
const TICKS_PER_MONTH = HOURS_PER_MONTH * 60;
/** A tick that finds nothing due: a catalog query and a log line, about 200 ms at 512 MB (assumed, not measured). */
const TICK_SECONDS = 0.2;
const TICK_MEMORY_GB = 0.5;

export interface IdleInputs {
  readonly streamMode: 'provisioned' | 'on-demand';
  /** Provisioned shards (ignored on demand). */
  readonly shards: number;
  readonly wafRules: number;
  readonly alarms: number;
}

/**
 * What a deployment costs a month with no traffic: the charges that run by the hour or month whatever flows. Storage
 * of an empty lake and tables, and requests nobody makes, round to nothing; connection secrets ($0.40 a month each)
 * come with the connections a team creates.
 */
export function idleCostPerMonth(inputs: IdleInputs): CostLine[] {
  const stream =
    inputs.streamMode === 'provisioned'
      ? {
          item: `Kinesis, ${inputs.shards} provisioned shard${inputs.shards === 1 ? '' : 's'} (24 h retention)`,
          quantity: `${inputs.shards * HOURS_PER_MONTH} shard-hours`,
          dollars: inputs.shards * HOURS_PER_MONTH * KINESIS_PROVISIONED_PER_SHARD_HOUR,
        }
      : {
          item: 'Kinesis, on-demand stream (7 days retention, billed per GB retained)',
          quantity: `${HOURS_PER_MONTH} stream-hours`,
          dollars: HOURS_PER_MONTH * KINESIS_ON_DEMAND_PER_STREAM_HOUR,
        };
  return [
    stream,
    { item: 'KMS, the data key', quantity: '1 key', dollars: KMS_PER_KEY_MONTH },
    {
      item: 'WAF, the per-key rate limits',
      quantity: `1 web ACL, ${inputs.wafRules} rules`,
      dollars: WAF_PER_WEB_ACL_MONTH + inputs.wafRules * WAF_PER_RULE_MONTH,
    },
    {
      item: 'CloudWatch alarms',
      quantity: `${inputs.alarms} alarms`,
      dollars: inputs.alarms * CLOUDWATCH_PER_ALARM_MONTH,
    },
    {
      item: 'CloudWatch dashboard (free if the account has at most three)',
      quantity: '1 dashboard',
      dollars: CLOUDWATCH_PER_DASHBOARD_MONTH,
    },
    {
      item: `dataflow scheduler, a tick a minute (${TICK_SECONDS * 1000} ms at ${TICK_MEMORY_GB * 1024} MB assumed)`,
      quantity: `${TICKS_PER_MONTH} invocations`,
      dollars:
        (TICKS_PER_MONTH / 1e6) * (SCHEDULER_PER_MILLION_INVOCATIONS + LAMBDA_PER_MILLION_REQUESTS) +
        TICKS_PER_MONTH * TICK_SECONDS * TICK_MEMORY_GB * LAMBDA_ARM_PER_GB_SECOND,
    },
  ];
}

const dollars = (value: number) => `$${value.toFixed(value < 0.1 ? 4 : 2)}`;

export function printCostModel(inputs: CostInputs): void {
  const streaming = streamingPerMillionEvents(inputs);
  console.log(
    `Cost model, public on-demand prices of ${PRICES_AS_OF} (us-east-1, first tier, no free tier; fixed charges ` +
      'such as stream-hours, keys and storage left out).',
  );
  console.log('');
  console.log('Streaming, per million 1 KB events to a profile-enabled event dataset:');
  console.log('');
  printTable(
    ['item', 'quantity', 'cost'],
    [
      ...streaming.map((line) => [line.item, line.quantity, dollars(line.dollars)]),
      ['total', '', dollars(streaming.reduce((sum, line) => sum + line.dollars, 0))],
    ],
  );
  const batch = batchPerGigabyte(inputs);
  const lakeOnly = batch.filter((line) => !line.item.startsWith('if '));
  console.log('');
  console.log('Batch, per GB of files:');
  console.log('');
  printTable(
    ['item', 'quantity', 'cost'],
    [
      ...batch.map((line) => [line.item, line.quantity, dollars(line.dollars)]),
      ['total, lake only', '', dollars(lakeOnly.reduce((sum, line) => sum + line.dollars, 0))],
    ],
  );
}
