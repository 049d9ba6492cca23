/** In-memory stand-ins for the stream consumer's ports. */
import { parquetReadObjects } from 'hyparquet';
import type { ApplyInput, ApplyOutcome } from '../../../lambdas/core/profiles/apply-to-profiles';
import type { ConsumeDeps, StreamRecord } from '../../../lambdas/core/streaming/consume-ports';
import type { StreamMessage } from '../../../lambdas/core/streaming/stream-message';
import { MemoryBatchStore, MemoryObjects, MemoryStreamProgress } from '../../support/streaming-memory';
import type { DatasetTarget, TargetMiss } from '../../../lambdas/core/lake/dataset-targets';
import type { ChunkCounts } from '../../../lambdas/core/lake/chunk-counts';
import type { QuarantineLine } from '../../../lambdas/core/lake/quarantine-lines';

const PERSON_SCHEMA = {
  type: 'object',
  properties: { email: { type: 'string' }, age: { type: 'integer' } },
  required: ['email'],
};

export function target(datasetId: string, profileEnabled = true): DatasetTarget {
  return {
    datasetId,
    profileEnabled,
    schema: {
      id: 'https://example.com/person',
      version: 1,
      class: 'profile',
      identities: [{ path: '/email', namespace: 'Email', primary: true }],
      hasIdentityMap: false,
      primaryIdentity: { path: '/email', namespace: 'Email' },
      schema: PERSON_SCHEMA,
    },
    validate: (record) =>
      typeof (record as { email?: unknown }).email === 'string'
        ? []
        : [{ pointer: '/email', keyword: 'required', message: 'must have required property email' }],
  };
}

export interface Fakes {
  readonly deps: ConsumeDeps;
  /** The consumer's and the batch store's clock: tests move it on. */
  readonly clock: { now: Date };
  readonly lake: MemoryObjects;
  readonly quarantine: MemoryObjects;
  readonly batches: MemoryBatchStore;
  readonly progress: MemoryStreamProgress;
  /** Emails whose profile write fails retryably while present. */
  readonly failingEmails: Set<string>;
  /** Emails the profile store refuses for good (a record it cannot hold): the record still goes to the lake. */
  readonly refusedEmails: Set<string>;
  readonly applied: string[];
}

export function fakes(targets: Record<string, DatasetTarget | TargetMiss>): Fakes {
  const lake = new MemoryObjects();
  const quarantine = new MemoryObjects();
  const clock = { now: new Date('2024-05-01T10:20:00.000Z') };
  const batches = new MemoryBatchStore(() => clock.now);
  const progress = new MemoryStreamProgress();
  const failingEmails = new Set<string>();
  const refusedEmails = new Set<string>();
  const applied: string[] = [];
  const applyToProfiles = async (input: ApplyInput): Promise<ApplyOutcome> => ({
    results: input.items.map((item, index) => {
      const email = (item.record as { email: string }).email;
      if (failingEmails.has(email)) {
        return { index, status: 'failed', code: 'profile-store-error', reason: 'throttled' };
      }
      if (refusedEmails.has(email)) {
        return {
          index,
          status: 'failed',
          code: 'profile-record-too-large',
          reason: 'the item exceeds 400 KB',
        };
      }
      applied.push(email);
      return { index, status: 'applied' };
    }),
    writeUnits: 0,
  });
  const deps: ConsumeDeps = {
    targets: { target: async (_sandbox, datasetId) => targets[datasetId] ?? 'dataset-not-found' },
    applyToProfiles,
    lake,
    quarantine,
    batches,
    progress,
    now: () => clock.now,
  };
  return { deps, clock, lake, quarantine, batches, progress, failingEmails, refusedEmails, applied };
}

let sequence = 1000;

/** A StreamMessage of the person dataset `ds-a` in prod, received at 10:05, with what the test sets. */
export const streamMessage = (message: Partial<StreamMessage>): StreamMessage => ({
  v: 1,
  sandbox: 'prod',
  inletId: 'inlet-1',
  datasetId: 'ds-a',
  schemaId: 'https://example.com/person',
  messageId: `m-${sequence}`,
  receivedAt: '2024-05-01T10:05:00.000Z',
  origin: 'collection',
  record: {},
  ...message,
});

export function streamRecord(
  message: Partial<StreamMessage> | string,
  shardId = 'shardId-000000000000',
): StreamRecord {
  sequence += 1;
  const data = Buffer.from(
    typeof message === 'string' ? message : JSON.stringify(streamMessage(message)),
    'utf8',
  );
  return {
    sequenceNumber: String(sequence).padStart(20, '0'),
    shardId,
    data,
    approximateArrivalTimestamp: Date.parse('2024-05-01T10:05:01.000Z') / 1000,
  };
}

/** The rows of one lake file, read back with hyparquet. */
export async function lakeRowsOf<Row>(body: Uint8Array): Promise<Row[]> {
  const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file })) as Row[];
}

/** Every lake row (message ids) across every Parquet file, read back with hyparquet. */
export async function lakeMessageIds(lake: MemoryObjects): Promise<string[]> {
  const ids: string[] = [];
  for (const body of lake.objects.values()) {
    const rows = await lakeRowsOf<{ message_id: string }>(body);
    ids.push(...rows.map((row) => row.message_id));
  }
  return ids.sort();
}

export function quarantineLines(quarantine: MemoryObjects): QuarantineLine[] {
  return [...quarantine.objects.values()].flatMap((body) =>
    Buffer.from(body)
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as QuarantineLine),
  );
}

export function totals(batches: MemoryBatchStore) {
  const chunks = batches.allChunks();
  const sum = (pick: (chunk: ChunkCounts) => number) =>
    chunks.reduce((total, chunk) => total + pick(chunk), 0);
  return {
    output: sum((chunk) => chunk.outputRecordCount),
    failed: sum((chunk) => chunk.failedRecordCount),
    duplicates: sum((chunk) => chunk.duplicateRecordCount),
  };
}
