/** The dataflow and flow run stores against the DynamoDB emulator (dynalite), with the real key layout and index. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDataflowStore } from '../../lambdas/adapters/dynamo-dataflows';
import { DynamoFlowRunStore } from '../../lambdas/adapters/dynamo-flow-runs';
import { DynamoItems } from '../../lambdas/adapters/dynamo-items';
import {
  NO_METRICS,
  NO_PROGRESS,
  type Dataflow,
  type DeltaWatermark,
  type FlowRun,
} from '../../lambdas/core/dataflows/dataflow-types';
import { itemId, MAX_LOOK_BACK_ITEMS } from '../../lambdas/core/dataflows/look-back';
import { createEmulatorClients } from '../../local/emulator-clients';
import { startEmulators, type RunningEmulators } from '../../local/emulators';
import { createBatchesTable, createTableWithGsi1 } from '../support/gsi1-tables';
import { CATALOG_KEYS } from '../../lambdas/config/env-names';
import { testDocumentClient } from './catalog-test-tables';

const CATALOG = 'test-dataflow-catalog';
const BATCHES = 'test-dataflow-batches';
const AT = '2026-03-02T10:00:00.000Z';

const flow = (id: string, sandbox: string, overrides: Partial<Dataflow> = {}): Dataflow => ({
  id,
  sandbox,
  name: id,
  connectionId: 'conn-1',
  datasetId: 'ds-1',
  schedule: { frequency: 'minute', interval: 5, startTime: AT, backfill: true },
  enabled: true,
  state: {},
  createdAt: AT,
  createdBy: 'k',
  updatedAt: AT,
  revision: 1,
  ...overrides,
});

const run = (id: string, overrides: Partial<FlowRun> = {}): FlowRun => ({
  id,
  dataflowId: 'flow-1',
  sandbox: 'prod',
  status: 'queued',
  trigger: 'manual',
  startedAt: AT,
  window: {},
  progress: NO_PROGRESS,
  metrics: NO_METRICS,
  errors: [],
  updatedAt: AT,
  revision: 1,
  ...overrides,
});

describe('dataflow stores on the emulator', () => {
  let emulators: RunningEmulators;
  let flows: DynamoDataflowStore;
  let runs: DynamoFlowRunStore;

  beforeAll(async () => {
    emulators = await startEmulators();
    const clients = createEmulatorClients(emulators.endpoints);
    await createTableWithGsi1(clients.dynamodb, CATALOG, CATALOG_KEYS);
    await createBatchesTable(clients.dynamodb, BATCHES);
    clients.destroy();
    const documents = testDocumentClient(emulators.endpoints.dynamodb);
    flows = new DynamoDataflowStore(new DynamoItems(documents, CATALOG));
    runs = new DynamoFlowRunStore(new DynamoItems(documents, BATCHES));
  });
  afterAll(async () => {
    await emulators.stop();
  });

  it('creates a flow once and replaces it only from the revision it was read at', async () => {
    // Prepare
    const created = flow('flow-a', 'prod');

    // Act
    const first = await flows.create(created);
    const again = await flows.create(created);
    const replaced = await flows.replace({ ...created, name: 'renamed', revision: 2 });
    const stale = await flows.replace({ ...created, name: 'lost', revision: 2 });

    // Assess
    expect([first, again, replaced, stale]).toEqual([true, false, true, false]);
    expect(await flows.get('prod', 'flow-a')).toEqual({ ...created, name: 'renamed', revision: 2 });
    expect(await flows.get('dev', 'flow-a')).toBeUndefined();
  });

  it('finds the due flows of every sandbox, earliest slot first, and only enabled ones with a slot', async () => {
    // Prepare
    await flows.create(flow('due-late', 'prod', { state: { nextRunAt: '2026-03-02T10:04:00.000Z' } }));
    await flows.create(flow('due-early', 'dev', { state: { nextRunAt: '2026-03-02T10:01:00.000Z' } }));
    await flows.create(flow('not-yet', 'prod', { state: { nextRunAt: '2026-03-02T10:06:00.000Z' } }));
    await flows.create(
      flow('disabled', 'prod', { enabled: false, state: { nextRunAt: '2026-03-02T10:00:00.000Z' } }),
    );
    await flows.create(flow('on-demand', 'prod', { schedule: undefined }));

    // Act
    const due = await flows.due('2026-03-02T10:05:00.000Z', 10);
    const first = await flows.due('2026-03-02T10:05:00.000Z', 1);

    // Assess
    expect(due.map((found) => [found.sandbox, found.id])).toEqual([
      ['dev', 'due-early'],
      ['prod', 'due-late'],
    ]);
    expect(first.map((found) => found.id)).toEqual(['due-early']);
  });

  it('leaves the index when its slot is cleared, and is deleted only at the revision read', async () => {
    // Prepare
    const due = flow('leaving', 'ops', { state: { nextRunAt: '2026-03-02T09:00:00.000Z' } });
    await flows.create(due);
    await flows.replace({ ...due, enabled: false, state: {}, revision: 2 });

    // Act
    const listed = await flows.due('2026-03-02T09:30:00.000Z', 10);
    const stale = await flows.delete('ops', 'leaving', 1);
    const deleted = await flows.delete('ops', 'leaving', 2);

    // Assess
    expect(listed.map((found) => found.id)).not.toContain('leaving');
    expect([stale, deleted]).toEqual([false, true]);
    expect(await flows.get('ops', 'leaving')).toBeUndefined();
  });

  it("lists a sandbox's flows a page at a time and tells which read from a connection", async () => {
    // Prepare
    await flows.create(flow('p-1', 'paged'));
    await flows.create(flow('p-2', 'paged', { connectionId: 'conn-2' }));
    await flows.create(flow('p-3', 'paged'));

    // Act
    const first = await flows.list('paged', { limit: 2 });
    const second = await flows.list('paged', { limit: 2, start: first.next });
    const using = await flows.usingConnection('paged', 'conn-1');

    // Assess
    expect([...first.items, ...second.items].map((found) => found.id)).toEqual(['p-1', 'p-2', 'p-3']);
    expect(second.next).toBeUndefined();
    expect(using).toEqual(['p-1', 'p-3']);
  });

  it('keeps runs newest first, replaced only from the revision read, and deletes them all', async () => {
    // Prepare
    const ids = ['01JRUN000000000000000000A1', '01JRUN000000000000000000A2', '01JRUN000000000000000000A3'];
    for (const id of ids) await runs.create(run(id));
    await runs.create(run('other-flow-run', { dataflowId: 'flow-2' }));

    // Act
    const again = await runs.create(run(ids[0]!));
    const replaced = await runs.replace({ ...run(ids[0]!), status: 'pulling', revision: 2 });
    const stale = await runs.replace({ ...run(ids[0]!), status: 'failed', revision: 2 });
    const first = await runs.list('prod', 'flow-1', { limit: 2 });
    const second = await runs.list('prod', 'flow-1', { limit: 2, start: first.next });
    await runs.deleteAll('prod', 'flow-1');

    // Assess
    expect([again, replaced, stale]).toEqual([false, true, false]);
    expect([...first.items, ...second.items].map((found) => found.id)).toEqual([...ids].reverse());
    expect(second.items.at(-1)?.status).toBe('pulling');
    expect((await runs.list('prod', 'flow-1', { limit: 10 })).items).toEqual([]);
    expect(await runs.get('prod', 'flow-2', 'other-flow-run')).toMatchObject({ id: 'other-flow-run' });
  });

  it('keeps a flow and a run whose watermarks hold look-backs as full as they get, within the item size', async () => {
    // Prepare: the longest positions an HTTP source writes (an instant to the microsecond, with an offset)
    const position = (index: number) =>
      `2026-03-01T10:${String(Math.floor(index / 60) % 60).padStart(2, '0')}:${String(index % 60).padStart(2, '0')}.123456+02:00`;
    const taken = Object.fromEntries(
      Array.from({ length: MAX_LOOK_BACK_ITEMS }, (_, index) => [itemId(String(index)), position(index)]),
    );
    const watermark: DeltaWatermark = {
      delta: position(MAX_LOOK_BACK_ITEMS),
      deltaType: 'instant',
      lookBack: { from: position(0), inclusive: true, taken },
    };
    const full = flow('flow-full', 'prod', { state: { watermark } });
    const fullRun = run('01JRUN000000000000000000F1', {
      dataflowId: 'flow-full',
      window: { from: watermark, to: watermark },
      progress: { ...NO_PROGRESS, lookBack: watermark.lookBack! },
    });

    // Act
    const created = await flows.create(full);
    const runCreated = await runs.create(fullRun);

    // Assess
    expect([created, runCreated]).toEqual([true, true]);
    expect(await flows.get('prod', 'flow-full')).toEqual(full);
    expect(await runs.get('prod', 'flow-full', fullRun.id)).toEqual(fullRun);
  });
});
