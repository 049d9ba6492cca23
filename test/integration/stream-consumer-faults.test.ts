/**
 * The stream consumer under faults, on the emulators with the real adapters (batch store, S3 objects, profile
 * store) and driven by the local runtime's own Kinesis delivery (`deliverBatch`: partial batch responses, bisect on
 * error, bounded retries, on-failure destination — what the poller runs). Each fault is injected in a port:
 *  - a crash after the lake write and before the chunk item, then the retry (with and without bisect),
 *  - a poison record that always throws: bisect isolates it, retries hold it until the record age gives it (and the
 *    records aged behind it) to the on-failure destination, whose objects are recorded and redriven,
 *  - the profile store throwing on some writes: a partial batch failure, resumed from the first failed record, and
 *    a failure that outlasts any fixed retry budget,
 *  - seeded random crashes at any of the consumer's writes.
 * After each: every valid record is in the lake exactly once, every invalid one in the quarantine once, every
 * profile event stored, the batch counts reconcile with what was sent, and the on-failure destination is empty
 * (nothing given up, or everything given up redriven).
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBatchStore } from '../../lambdas/adapters/dynamo-batches';
import { DynamoGraphStore } from '../../lambdas/adapters/dynamo-graph-store';
import { DynamoItems } from '../../lambdas/adapters/dynamo-items';
import { DynamoOnFailureLedger } from '../../lambdas/adapters/dynamo-on-failure-ledger';
import { DynamoStreamProgress } from '../../lambdas/adapters/dynamo-stream-progress';
import { DynamoProfileDataStore } from '../../lambdas/adapters/dynamo-profile-data-store';
import { S3Objects } from '../../lambdas/adapters/s3-objects';
import { batchMetrics } from '../../lambdas/core/batches/batch-view';
import { applyToProfiles } from '../../lambdas/core/profiles/apply-to-profiles';
import { DynamoIdentityGraph } from '../../lambdas/core/profiles/identity-graph';
import { IdentityNormalizer } from '../../lambdas/core/profiles/identity-normalizer';
import { DEFAULT_PROFILE_GUARDRAILS } from '../../lambdas/core/profiles/profile-ports';
import { SchemaRegistry } from '../../lambdas/core/schemas/schema-registry';
import type { ConsumeDeps } from '../../lambdas/core/streaming/consume-ports';
import type { StreamEntry, StreamPutOutcome } from '../../lambdas/core/streaming/collect-stream';
import { consumeRecords } from '../../lambdas/core/streaming/consume-records';
import { recordOnFailure, type RecordOnFailureDeps } from '../../lambdas/core/streaming/on-failure-ledger';
import { parseOnFailureRecord, type OnFailureRecord } from '../../lambdas/core/streaming/on-failure-record';
import { RedriveService } from '../../lambdas/core/streaming/redrive';
import { createEmulatorClients, type EmulatorClients } from '../../local/emulator-clients';
import { startEmulators } from '../../local/emulators';
import { deliverBatch } from '../../local/kinesis/batch-delivery';
import type { KinesisEventSourceMapping } from '../../local/kinesis/event-source-mapping';
import { writeOnFailureObject } from '../../local/kinesis/on-failure-destination';
import { CONSUMER_BATCH_SIZE, CONSUMER_RETRY_ATTEMPTS } from '../../lib/streaming-stack';
// The default (provisioned) stream's maximum record age, as the consumer's mapping is deployed without context.
import { PROVISIONED_MAX_RECORD_AGE as CONSUMER_MAX_RECORD_AGE } from '../../lib/stream-capacity';
import { createBatchesTable } from '../support/gsi1-tables';
import { createProfilesTable } from '../support/profiles-table';
import { listKeys, readJsonLines, readLake, readObject } from '../support/streaming-lake';
import { multiset, seededRandom, STREAM_EVENT_SCHEMA } from '../support/streaming-messages';
import {
  kinesisRecords,
  plannedRecords,
  sequenceNumber,
  toStreamRecords,
  type PlannedRecord,
} from '../support/streaming-records';
import { InMemorySchemaStore } from '../support/in-memory-schema-store';
import type { DatasetTarget } from '../../lambdas/core/lake/dataset-targets';

const SANDBOX = 'prod';
const TABLES = { batches: 'faults-batches', profiles: 'faults-profiles' };
const BUCKETS = { lake: 'faults-lake', quarantine: 'faults-quarantine', failures: 'faults-failures' };
const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/faults';
const RECEIVED_AT = '2024-06-01T10:03:00.000Z';

/** Lambda's settings as the streaming stack sets them: bisect, bounded retries, partial responses, a destination. */
const MAPPING: KinesisEventSourceMapping = {
  id: 'faults-mapping',
  logicalId: 'FaultsMapping',
  functionName: 'stream-consumer',
  stream: { stackName: 'faults', logicalId: 'Stream', name: 'faults', arn: STREAM_ARN, shardCount: 1 },
  startingPosition: 'TRIM_HORIZON',
  startingPositionTimestamp: undefined,
  batchSize: CONSUMER_BATCH_SIZE,
  batchingWindowMs: 0,
  bisectOnError: true,
  maxRetryAttempts: CONSUMER_RETRY_ATTEMPTS,
  maxRecordAgeSeconds: CONSUMER_MAX_RECORD_AGE.toSeconds(),
  reportBatchItemFailures: true,
  onFailureDestination: `arn:aws:s3:::${BUCKETS.failures}`,
};

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:stream-consumer';
/** How far the mapping's clock moves between two tries of a failing batch: Lambda backs off, records age. */
const RETRY_PAUSE_MS = 10 * 60_000;

/** A shard per dataset: every test's chunks and on-failure objects have names of their own. */
const shardOf = (datasetId: string) => `shardId-${datasetId}`;

class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

interface Delivery {
  /** Every invocation's records (sequence numbers), in order: shows retries, bisects and resumptions. */
  readonly invocations: string[][];
  readonly checkpoints: string[];
}

describe('the stream consumer under faults', () => {
  let emulators: Awaited<ReturnType<typeof startEmulators>>;
  let clients: EmulatorClients;
  let target: Omit<DatasetTarget, 'datasetId'>;

  beforeAll(async () => {
    emulators = await startEmulators();
    clients = createEmulatorClients(emulators.endpoints);
    await createBatchesTable(clients.dynamodb, TABLES.batches);
    await createProfilesTable(clients.dynamodb, TABLES.profiles);
    for (const bucket of Object.values(BUCKETS))
      await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const registry = new SchemaRegistry({
      store: new InMemorySchemaStore(),
      namespaces: { canonicalCode: async (_sandbox, code) => code },
    });
    const schema = await registry.register(SANDBOX, STREAM_EVENT_SCHEMA);
    target = {
      profileEnabled: true,
      schema,
      validate: await registry.validatorFor(SANDBOX, schema.id, schema.version),
    };
  });
  afterAll(async () => {
    clients?.destroy();
    await emulators?.stop();
  });

  /** The consumer's ports on the real adapters; each test wraps the one it breaks. */
  function realDeps(): ConsumeDeps {
    const guardrails = DEFAULT_PROFILE_GUARDRAILS;
    const profileDeps = {
      graph: new DynamoIdentityGraph({
        store: new DynamoGraphStore(clients.documents, TABLES.profiles),
        guardrails,
      }),
      data: new DynamoProfileDataStore(clients.documents, TABLES.profiles),
      guardrails,
      normalizer: new IdentityNormalizer({ maxIdentityLength: guardrails.maxIdentityLength }),
    };
    return {
      targets: { target: async (_sandbox, datasetId) => ({ ...target, datasetId }) },
      applyToProfiles: (input) => applyToProfiles(profileDeps, input),
      lake: new S3Objects(clients.s3, BUCKETS.lake),
      quarantine: new S3Objects(clients.s3, BUCKETS.quarantine),
      batches: new DynamoBatchStore(new DynamoItems(clients.documents, TABLES.batches)),
      progress: new DynamoStreamProgress(new DynamoItems(clients.documents, TABLES.batches)),
      now: () => new Date(),
    };
  }

  function records(datasetId: string, seed: number, count = 120): PlannedRecord[] {
    return plannedRecords({
      seed,
      sandbox: SANDBOX,
      datasetId,
      schemaId: String(STREAM_EVENT_SCHEMA.schema.$id),
      count,
      people: 7,
      invalidEvery: 9,
      duplicateEvery: 13,
      receivedAt: RECEIVED_AT,
    });
  }

  /**
   * Feeds the records to the consumer in batches of the mapping's size, as the local poller does for one shard, on
   * a clock that starts when the records arrived and moves RETRY_PAUSE_MS at each retry; a batch given up on goes to
   * the on-failure bucket as the local runtime writes it.
   */
  async function deliver(
    deps: ConsumeDeps,
    planned: readonly PlannedRecord[],
    mapping: KinesisEventSourceMapping = MAPPING,
  ): Promise<Delivery> {
    const shardId = shardOf(planned[0]!.message.datasetId);
    const all = kinesisRecords(
      planned.map((record) => record.message),
      STREAM_ARN,
      shardId,
    );
    const delivery: Delivery = { invocations: [], checkpoints: [] };
    let clock = Date.parse(RECEIVED_AT) + 1000;
    for (let offset = 0; offset < all.length; offset += mapping.batchSize) {
      await deliverBatch(mapping, all.slice(offset, offset + mapping.batchSize), {
        invoke: async (batch) => {
          delivery.invocations.push(batch.map((record) => record.kinesis.sequenceNumber));
          return consumeRecords(deps, toStreamRecords(batch));
        },
        checkpoint: (record) => delivery.checkpoints.push(record.kinesis.sequenceNumber),
        onFailure: async (records, condition, attempts, error) => {
          const batch = { mapping, functionArn: FUNCTION_ARN, shardId, records, condition, attempts, error };
          await writeOnFailureObject(clients.s3, batch, new Date(clock));
        },
        pause: async () => {
          clock += RETRY_PAUSE_MS;
        },
        now: () => clock,
      });
    }
    return delivery;
  }

  /** The dataset's objects in the on-failure destination (its shard's). */
  const onFailureKeys = (datasetId: string) =>
    listKeys(clients.s3, BUCKETS.failures, `aws/lambda/${MAPPING.id}/${shardOf(datasetId)}/`);

  async function onFailureRecord(key: string): Promise<OnFailureRecord> {
    const parsed = parseOnFailureRecord(
      Buffer.from(await readObject(clients.s3, BUCKETS.failures, key)).toString(),
    );
    if ('invalid' in parsed) throw new Error(`${key}: ${parsed.invalid}`);
    return parsed;
  }

  const ledger = () => new DynamoOnFailureLedger(new DynamoItems(clients.documents, TABLES.batches));
  const failureObjects = () => new S3Objects(clients.s3, BUCKETS.failures);

  /** What the S3 notification of each object does: the recorder counts it and records it for redrive. */
  async function recordEach(keys: readonly string[]) {
    const deps: RecordOnFailureDeps = { objects: failureObjects(), ledger: ledger(), consumer: realDeps() };
    const recorded = [];
    for (const key of keys) recorded.push(await recordOnFailure(deps, key));
    return recorded;
  }

  /**
   * The sandbox admin's redrive (repeated until nothing is pending), and the consumer reading what it put on the
   * stream, from one shard, in the mapping's batches.
   */
  async function redriveAndConsume(deps: ConsumeDeps, datasetId: string) {
    const entries: StreamEntry[] = [];
    const redrive = new RedriveService({
      ledger: ledger(),
      objects: failureObjects(),
      stream: {
        put: async (put): Promise<StreamPutOutcome[]> => {
          entries.push(...put);
          return put.map(() => ({ ok: true, shardId: 'redriven', sequenceNumber: '1' }));
        },
      },
      now: () => new Date(),
    });
    let outcome = await redrive.redrive(SANDBOX);
    while (outcome.remaining > 0) outcome = await redrive.redrive(SANDBOX);
    const records = entries.map((entry, position) => ({
      shardId: `${shardOf(datasetId)}-redriven`,
      sequenceNumber: sequenceNumber(position),
      data: Buffer.from(entry.data),
      approximateArrivalTimestamp: Date.now() / 1000,
    }));
    for (let offset = 0; offset < records.length; offset += CONSUMER_BATCH_SIZE)
      await consumeRecords(deps, records.slice(offset, offset + CONSUMER_BATCH_SIZE));
    return entries.length;
  }

  /** Everything the consumer left for one dataset, checked against the plan. */
  async function assertExactlyOnce(
    datasetId: string,
    planned: readonly PlannedRecord[],
    options: { readonly duplicatesAdded?: number } = {},
  ) {
    const ids = (fate: PlannedRecord['fate']) =>
      planned
        .filter((record) => record.fate === fate)
        .map((record) => String((record.message.record as { _id: string })._id));
    const lake = await readLake(clients.s3, BUCKETS.lake, `lake/${SANDBOX}/${datasetId}/`);
    const lakeIds = lake.flatMap((file) => file.rows.map((row) => String(row._id)));
    expect(multiset(lakeIds)).toEqual(multiset(ids('valid')));
    const quarantined = await readJsonLines(
      clients.s3,
      BUCKETS.quarantine,
      `quarantine/${SANDBOX}/${datasetId}/`,
    );
    expect(multiset(quarantined.map(({ line }) => String((line.record as { _id: string })._id)))).toEqual(
      multiset(ids('invalid')),
    );
    for (const { line } of quarantined)
      expect(line.violations).toEqual([expect.objectContaining({ pointer: '/durationMs', keyword: 'type' })]);

    // Summed over the dataset's batches: redriven records count in the batch of the redrive's window.
    const store = new DynamoBatchStore(new DynamoItems(clients.documents, TABLES.batches));
    const batches = await store.listBatches(SANDBOX, { datasetId }, { limit: 100 });
    const chunks = (
      await Promise.all(batches.items.map((batch) => store.chunksOf(SANDBOX, batch.batchId)))
    ).flat();
    const duplicates = ids('duplicate').length + (options.duplicatesAdded ?? 0);
    expect(batchMetrics(chunks)).toEqual({
      inputRecordCount: planned.length + (options.duplicatesAdded ?? 0),
      outputRecordCount: ids('valid').length,
      failedRecordCount: ids('invalid').length,
      duplicateRecordCount: duplicates,
      profileErrorCount: 0,
    });
    expect(await onFailureKeys(datasetId), 'the on-failure destination').toEqual([]);

    const events = await clients.documents.send(
      new ScanCommand({
        TableName: TABLES.profiles,
        ConsistentRead: true,
        FilterExpression: 'datasetId = :d AND attribute_exists(eventId)',
        ExpressionAttributeValues: { ':d': datasetId },
      }),
    );
    expect(multiset((events.Items ?? []).map((item) => String(item.eventId)))).toEqual(
      multiset(ids('valid')),
    );
  }

  it('delivers a clean run once, as the baseline the faults are compared with', async () => {
    // Prepare
    const planned = records('ds-clean', 1);

    // Act
    const delivery = await deliver(realDeps(), planned);

    // Assess
    expect(delivery.invocations.map((batch) => batch.length)).toEqual([
      CONSUMER_BATCH_SIZE,
      planned.length - CONSUMER_BATCH_SIZE,
    ]);
    await assertExactlyOnce('ds-clean', planned);
  });

  it.each([
    { bisectOnError: true, datasetId: 'ds-crash-bisect' },
    { bisectOnError: false, datasetId: 'ds-crash-retry' },
  ])(
    'survives a crash after the lake write and before the chunk item (bisect on error: $bisectOnError)',
    async ({ bisectOnError, datasetId }) => {
      // Prepare
      const planned = records(datasetId, 2);
      const deps = realDeps();
      let crashes = 0;
      let lakeWritesBeforeCrash = 0;
      let lakeWrites = 0;
      const faulty: ConsumeDeps = {
        ...deps,
        lake: {
          put: async (key, body, type) => {
            await deps.lake.put(key, body, type);
            lakeWrites += 1;
          },
          delete: (key) => deps.lake.delete(key),
        },
        batches: Object.assign(Object.create(deps.batches) as ConsumeDeps['batches'], {
          putChunk: async (...args: Parameters<ConsumeDeps['batches']['putChunk']>) => {
            if (crashes === 0) {
              crashes += 1;
              lakeWritesBeforeCrash = lakeWrites;
              throw new InjectedFault('crash between the lake file and the chunk item');
            }
            return deps.batches.putChunk(...args);
          },
        }),
      };

      // Act
      const delivery = await deliver(faulty, planned, { ...MAPPING, bisectOnError });

      // Assess
      expect(crashes).toBe(1);
      expect(lakeWritesBeforeCrash).toBe(1);
      const first = delivery.invocations.slice(0, 3).map((batch) => batch.length);
      const size = CONSUMER_BATCH_SIZE;
      expect(first).toEqual(bisectOnError ? [size, size / 2, size / 2] : [size, size, planned.length - size]);
      await assertExactlyOnce(datasetId, planned);
    },
  );

  it('holds a poison record until the record age, then gives it and the records aged behind it up; recorded and redriven, they land once', async () => {
    // Prepare
    const datasetId = 'ds-poison';
    const planned = records(datasetId, 3);
    const poison = planned.find((record, index) => index > 40 && record.fate === 'valid')!;
    const deps = realDeps();
    const faulty: ConsumeDeps = {
      ...deps,
      applyToProfiles: async (input) => {
        if (input.items.some((item) => item.source.messageId === poison.message.messageId))
          throw new InjectedFault('this record always crashes the consumer');
        return deps.applyToProfiles(input);
      },
    };

    // Act: the shard is held until the poison's age gives it up; then the fault is fixed and the admin redrives
    const delivery = await deliver(faulty, planned);
    const keys = await onFailureKeys(datasetId);
    const objects = await Promise.all(keys.map(onFailureRecord));
    const recorded = await recordEach(keys);
    const redriven = await redriveAndConsume(deps, datasetId);

    // Assess: bisection isolated the poison, which was retried until its age and then given up alone
    const poisonObject = objects.find(
      (object) => object.KinesisBatchInfo.batchSize === 1 && object.requestContext.approximateInvokeCount > 1,
    )!;
    const [sent] = toStreamRecords(poisonObject.payload.Records as Parameters<typeof toStreamRecords>[0]);
    expect(JSON.parse(sent!.data.toString('utf8'))).toEqual(poison.message);
    expect(poisonObject.requestContext.condition).toBe('RecordAgeExceeded');
    const ageInTries = CONSUMER_MAX_RECORD_AGE.toMilliseconds() / RETRY_PAUSE_MS;
    expect(delivery.invocations.filter((batch) => batch.length === 1).length).toBeGreaterThanOrEqual(
      ageInTries,
    );
    // Every object was counted, and every record given up on was redriven
    const givenUp = objects.reduce((sum, object) => sum + object.payload.Records.length, 0);
    expect(recorded.every((outcome) => outcome.recorded)).toBe(true);
    expect(recorded.reduce((sum, outcome) => sum + (outcome.recorded ? outcome.records : 0), 0)).toBe(
      givenUp,
    );
    expect(redriven).toBe(givenUp);
    await assertExactlyOnce(datasetId, planned);
  });

  it('ingests a poison record sent again by its producer, and counts its redrive as a duplicate', async () => {
    // Prepare
    const datasetId = 'ds-poison-resent';
    const planned = records(datasetId, 5, 20).filter((record) => record.fate === 'valid');
    const poison = planned[5]!;
    const deps = realDeps();
    const faulty: ConsumeDeps = {
      ...deps,
      applyToProfiles: async (input) => {
        if (input.items.some((item) => item.source.messageId === poison.message.messageId))
          throw new InjectedFault('this record always crashes the consumer');
        return deps.applyToProfiles(input);
      },
    };
    await deliver(faulty, planned);
    // The producer sends the same message again (a new stream record, on another shard's sequence), now healthy.
    const resent = kinesisRecords(
      [{ ...poison.message, messageId: 'resent:0' }],
      STREAM_ARN,
      'shardId-000000000001',
    );

    // Act
    await consumeRecords(deps, toStreamRecords(resent));
    await recordEach(await onFailureKeys(datasetId));
    await redriveAndConsume(deps, datasetId);

    // Assess
    await assertExactlyOnce(datasetId, planned, { duplicatesAdded: 1 });
  });

  it('retries a profile store that fails for longer than any fixed retry budget, and gives nothing up', async () => {
    // Prepare: one record's profile write fails thirty times in a row (five simulated hours)
    const datasetId = 'ds-long-outage';
    const planned = records(datasetId, 6, 40);
    const deps = realDeps();
    const stuck = planned.find((record, index) => index > 10 && record.fate === 'valid')!;
    let failuresLeft = 30;
    const faulty: ConsumeDeps = {
      ...deps,
      applyToProfiles: async (input) => {
        const outcome = await deps.applyToProfiles(input);
        const index = input.items.findIndex((item) => item.source.messageId === stuck.message.messageId);
        if (index < 0 || failuresLeft === 0) return outcome;
        failuresLeft -= 1;
        const results = outcome.results.map((result) =>
          result.index === index
            ? { index, status: 'failed' as const, code: 'profile-store-error', reason: 'throttled' }
            : result,
        );
        return { ...outcome, results };
      },
    };

    // Act
    const delivery = await deliver(faulty, planned);

    // Assess
    expect(failuresLeft).toBe(0);
    expect(delivery.invocations.length).toBeGreaterThan(30);
    await assertExactlyOnce(datasetId, planned);
  });

  it('resumes from the first record whose profile write failed, writing nothing twice', async () => {
    // Prepare
    const datasetId = 'ds-profile-faults';
    const planned = records(datasetId, 4);
    const deps = realDeps();
    const data = new DynamoProfileDataStore(clients.documents, TABLES.profiles);
    const guardrails = DEFAULT_PROFILE_GUARDRAILS;
    const failing = new Map(
      planned
        .filter((record, index) => record.fate === 'valid' && index % 25 === 10)
        .map((record) => [String((record.message.record as { _id: string })._id), 2]),
    );
    const profileDeps = {
      graph: new DynamoIdentityGraph({
        store: new DynamoGraphStore(clients.documents, TABLES.profiles),
        guardrails,
      }),
      data: Object.assign(Object.create(data) as DynamoProfileDataStore, {
        putEventIfAbsent: async (...args: Parameters<DynamoProfileDataStore['putEventIfAbsent']>) => {
          const left = failing.get(args[1].eventId) ?? 0;
          if (left > 0) {
            failing.set(args[1].eventId, left - 1);
            throw new InjectedFault('the profile store is throttling');
          }
          return data.putEventIfAbsent(...args);
        },
      }),
      guardrails,
      normalizer: new IdentityNormalizer({ maxIdentityLength: guardrails.maxIdentityLength }),
    };
    const faulty: ConsumeDeps = { ...deps, applyToProfiles: (input) => applyToProfiles(profileDeps, input) };

    // Act
    const delivery = await deliver(faulty, planned);

    // Assess
    expect([...failing.values()].every((left) => left === 0)).toBe(true);
    // Each retry resumed at a later record than the invocation before it started at, never from the start.
    const starts = delivery.invocations.map((batch) => batch[0]!);
    expect(delivery.invocations.length).toBeGreaterThan(2);
    expect(delivery.invocations.every((batch, i) => i === 0 || batch[0]! >= starts[i - 1]!)).toBe(true);
    await assertExactlyOnce(datasetId, planned);
  });

  it.each([11, 12, 13])(
    'converges to the same result under seeded random crashes (seed %i)',
    async (seed) => {
      // Prepare
      const datasetId = `ds-random-${seed}`;
      const planned = records(datasetId, seed, 60);
      const deps = realDeps();
      const random = seededRandom(seed);
      let crashes = 0;
      /** One write in six crashes, before or after it is made. */
      const maybeCrash = async <T>(write: () => Promise<T>): Promise<T> => {
        const roll = random();
        if (roll < 1 / 12) {
          crashes += 1;
          throw new InjectedFault('crash before the write');
        }
        const result = await write();
        if (roll < 2 / 12) {
          crashes += 1;
          throw new InjectedFault('crash after the write');
        }
        return result;
      };
      const batches = deps.batches;
      const faulty: ConsumeDeps = {
        ...deps,
        lake: {
          put: (...a) => maybeCrash(() => deps.lake.put(...a)),
          delete: (key) => deps.lake.delete(key),
        },
        quarantine: {
          put: (...a) => maybeCrash(() => deps.quarantine.put(...a)),
          delete: (key) => deps.quarantine.delete(key),
        },
        batches: {
          claimDedup: (...a) => maybeCrash(() => batches.claimDedup(...a)),
          takeOverDedup: (...a) => maybeCrash(() => batches.takeOverDedup(...a)),
          markDedupWritten: (...a) => maybeCrash(() => batches.markDedupWritten(...a)),
          chunkManifest: (...a) => batches.chunkManifest(...a),
          putChunkManifest: (...a) => maybeCrash(() => batches.putChunkManifest(...a)),
          putChunk: (...a) => maybeCrash(() => batches.putChunk(...a)),
          deleteChunk: (...a) => batches.deleteChunk(...a),
          ensureBatch: (...a) => maybeCrash(() => batches.ensureBatch(...a)),
        },
      };

      // Act
      // Retried until they converge, however long: the record age is not what this test is about.
      const delivery = await deliver(faulty, planned, { ...MAPPING, maxRecordAgeSeconds: -1 });

      // Assess
      expect(crashes).toBeGreaterThan(0);
      expect(delivery.invocations.length).toBeGreaterThan(2);
      await assertExactlyOnce(datasetId, planned);
    },
  );
});
