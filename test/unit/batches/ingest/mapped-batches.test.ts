/**
 * File batches with a mapping set: the batch pins a version when it is created, and staging maps every row, types
 * the mapped record with Data Prep's implicit conversions, validates it, and keeps or quarantines it with the
 * mapping's warnings.
 */
import { describe, expect, it } from 'vitest';
import { fileBatchView } from '../../../../lambdas/core/batches/file-batch-view';
import type { StoredMappingSet } from '../../../../lambdas/core/mapping-sets/mapping-sets';
import type { MappingRule } from '../../../../lambdas/core/mapping/mapping-types';
import { stageChunk } from '../../../../lambdas/core/batches/ingest/stage-chunk';
import { DomainError } from '../../../../lambdas/core/errors/domain-error';
import {
  addBatch,
  addFile,
  fileBatchServiceOf,
  ingestWorld,
  jsonLinesOf,
  parquetRows,
  plannedChunks,
  type IngestWorld,
} from '../../../support/memory-file-batches';
import { BATCH_ID, DATASET_ID, failureOf, NOW, SANDBOX } from '../../../support/memory-uploads';
import { newRegistry } from '../../schemas/registry-fixture';
import type { DatasetTarget } from '../../../../lambdas/core/lake/dataset-targets';

const STEP = { sandbox: SANDBOX, batchId: BATCH_ID };
const STAGING_KEY = `staging/${SANDBOX}/${DATASET_ID}/batch=${BATCH_ID}/part-00000-00000.parquet`;
const QUARANTINE_KEY = `quarantine/${SANDBOX}/${DATASET_ID}/batch=${BATCH_ID}/part-00000-00000.jsonl`;
const SET_ID = 'crm-members';

const MEMBER_SCHEMA = {
  $id: 'https://example.com/schemas/member',
  type: 'object',
  properties: {
    email: { type: 'string' },
    name: { type: 'string' },
    age: { type: 'integer' },
    visits: { type: 'integer' },
    vip: { type: 'boolean' },
    joined: { type: 'string', format: 'date' },
  },
  required: ['email', 'age'],
};

const RULES: MappingRule[] = [
  { sourceType: 'ATTRIBUTE', source: 'Mail', destination: 'email' },
  { sourceType: 'EXPRESSION', source: 'upper(First)', destination: 'name' },
  { sourceType: 'EXPRESSION', source: 'to_integer(Age)', destination: 'age' },
  { sourceType: 'EXPRESSION', source: 'to_integer(Visits)', destination: 'visits' },
  { sourceType: 'ATTRIBUTE', source: 'Vip', destination: 'vip' },
  { sourceType: 'ATTRIBUTE', source: 'Joined', destination: 'joined' },
];

const CSV = [
  'Mail,First,Age,Visits,Vip,Joined',
  'a@x.io,ann,41,7,yes,2024/01/05',
  'b@x.io,bob,39,many,no,01-31-2024',
  'c@x.io,cy,old,2,on,2024-02-02',
  '',
].join('\n');

const mappingSet = (version: number, rules: readonly MappingRule[] = RULES): StoredMappingSet => ({
  id: SET_ID,
  sandbox: SANDBOX,
  version,
  mappings: rules,
  createdAt: NOW.toISOString(),
  createdBy: 'k',
  updatedAt: NOW.toISOString(),
  updatedBy: 'k',
});

/** The member dataset, validated by the schema registry's real validator. */
async function memberTarget(): Promise<DatasetTarget> {
  const { registry } = newRegistry();
  const schema = await registry.register(SANDBOX, {
    title: 'Member',
    class: 'profile',
    schema: MEMBER_SCHEMA,
  });
  const validate = await registry.validatorFor(SANDBOX, schema.id, schema.version);
  return {
    datasetId: DATASET_ID,
    profileEnabled: false,
    schema: {
      id: schema.id,
      version: schema.version,
      class: 'profile',
      identities: [],
      hasIdentityMap: false,
      schema: MEMBER_SCHEMA,
    },
    validate,
  };
}

async function stageAll(world: IngestWorld) {
  for (const chunk of await plannedChunks(world)) await stageChunk(world.deps, { ...STEP, chunk });
  return world.batches.stagedChunksOf(SANDBOX, BATCH_ID);
}

describe('a file batch with a mapping', () => {
  it('is created with the version pinned, and refuses a set that does not exist', async () => {
    // Prepare
    const world = ingestWorld();
    await world.mappingSets.put(mappingSet(1));
    await world.mappingSets.put(mappingSet(2));
    const service = fileBatchServiceOf(world);
    const csv = { datasetId: DATASET_ID, inputFormat: { format: 'csv' as const } };

    // Act
    const latest = await service.create(
      SANDBOX,
      { ...csv, mapping: { mappingSetId: SET_ID } },
      { kind: 'api' },
    );
    const pinned = await service.create(
      SANDBOX,
      { ...csv, mapping: { mappingSetId: SET_ID, version: 1 } },
      { kind: 'dataflow', dataflowId: 'df-1', runId: 'run-1' },
    );
    const unknown = await failureOf(
      service.create(SANDBOX, { ...csv, mapping: { mappingSetId: 'nope' } }, { kind: 'api' }),
    );

    // Assess
    expect(latest.mapping).toEqual({ mappingSetId: SET_ID, version: 2 });
    expect(pinned.mapping).toEqual({ mappingSetId: SET_ID, version: 1 });
    expect(world.batches.stored(pinned.id).mapping).toEqual({ mappingSetId: SET_ID, version: 1 });
    expect(unknown).toBeInstanceOf(DomainError);
    expect(unknown).toMatchObject({ kind: 'unprocessable', violations: [{ pointer: '/mappingSetId' }] });
  });

  it('maps CSV rows as text, types the mapped records, keeps warned rows and quarantines rows left invalid', async () => {
    // Prepare
    const world = ingestWorld({ targets: { [DATASET_ID]: await memberTarget() } });
    await world.mappingSets.put(mappingSet(1));
    addBatch(world, { inputFormat: { format: 'csv' }, mapping: { mappingSetId: SET_ID, version: 1 } });
    await addFile(world, 'members.csv', CSV);

    // Act
    const [staged] = await stageAll(world);

    // Assess
    expect(staged).toMatchObject({
      inputRecordCount: 3,
      outputRecordCount: 2,
      failedRecordCount: 1,
      mappingWarningCount: 1,
      errors: { 'schema-validation': 1 },
    });
    const rows = await parquetRows(world.lake.objects.get(STAGING_KEY)!);
    expect(rows.map((row) => row.record)).toEqual([
      { email: 'a@x.io', name: 'ANN', age: 41, visits: 7, vip: true, joined: '2024-01-05' },
      { email: 'b@x.io', name: 'BOB', age: 39, vip: false, joined: '2024-01-31' },
    ]);
    const [failed] = jsonLinesOf(world.quarantine.objects.get(QUARANTINE_KEY)) as {
      row: number;
      record: unknown;
      mappedRecord: unknown;
      violations: { pointer: string; keyword: string }[];
    }[];
    expect(failed?.row).toBe(3);
    expect(failed?.record).toEqual({
      Mail: 'c@x.io',
      First: 'cy',
      Age: 'old',
      Visits: '2',
      Vip: 'on',
      Joined: '2024-02-02',
    });
    expect(failed?.mappedRecord).toEqual({
      email: 'c@x.io',
      name: 'CY',
      visits: 2,
      vip: true,
      joined: '2024-02-02',
    });
    expect(failed?.violations.map((violation) => [violation.pointer, violation.keyword])).toEqual([
      ['/age', 'required'],
      ['/age', 'mapping'],
    ]);
  });

  it('counts the warnings of kept rows in the batch metrics, apart from the row counts', async () => {
    // Prepare
    const world = ingestWorld({ targets: { [DATASET_ID]: await memberTarget() } });
    await world.mappingSets.put(mappingSet(1));
    const batch = addBatch(world, {
      inputFormat: { format: 'csv' },
      mapping: { mappingSetId: SET_ID, version: 1 },
    });
    await addFile(world, 'members.csv', CSV);
    const chunks = await stageAll(world);

    // Act
    const view = fileBatchView(batch, chunks);

    // Assess
    expect(view.mapping).toEqual({ mappingSetId: SET_ID, version: 1 });
    expect(view.metrics).toMatchObject({
      inputRecordCount: 3,
      outputRecordCount: 2,
      failedRecordCount: 1,
      mappingWarningCount: 1,
    });
    expect(fileBatchView({ ...batch, mapping: undefined }, chunks).metrics).not.toHaveProperty(
      'mappingWarningCount',
    );
  });

  it('maps nested JSON rows', async () => {
    // Prepare
    const world = ingestWorld({ targets: { [DATASET_ID]: await memberTarget() } });
    const rules: MappingRule[] = [
      { sourceType: 'ATTRIBUTE', source: 'contact.emails[0]', destination: 'email' },
      { sourceType: 'EXPRESSION', source: 'concat(contact.first, " ", contact.last)', destination: 'name' },
      { sourceType: 'ATTRIBUTE', source: 'stats.age', destination: 'age' },
    ];
    await world.mappingSets.put(mappingSet(1, rules));
    addBatch(world, { inputFormat: { format: 'json' }, mapping: { mappingSetId: SET_ID, version: 1 } });
    await addFile(
      world,
      'members.json',
      `${JSON.stringify({ contact: { emails: ['d@x.io'], first: 'Di', last: 'Ng' }, stats: { age: '50' } })}\n`,
    );

    // Act
    await stageAll(world);

    // Assess
    const rows = await parquetRows(world.lake.objects.get(STAGING_KEY)!);
    expect(rows.map((row) => row.record)).toEqual([{ email: 'd@x.io', name: 'Di Ng', age: 50 }]);
  });

  it('fails the batch, saying why, when its pinned version is missing', async () => {
    // Prepare
    const world = ingestWorld({ targets: { [DATASET_ID]: await memberTarget() } });
    addBatch(world, { inputFormat: { format: 'csv' }, mapping: { mappingSetId: SET_ID, version: 3 } });
    await addFile(world, 'members.csv', CSV);
    const [chunk] = await plannedChunks(world);

    // Act
    const failure = await failureOf(stageChunk(world.deps, { ...STEP, chunk: chunk! }));

    // Assess
    expect(failure).toBeInstanceOf(Error);
    expect(world.batches.stored()).toMatchObject({
      status: 'failed',
      failure: { code: 'mapping-set-not-found' },
    });
  });
});
