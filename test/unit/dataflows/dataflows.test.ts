/** Dataflows through the API's service: references checked and pinned, schedules and their next slot, deletion. */
import { MemorySecretStore } from '../connections/memory-connections';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DataflowService, NewDataflow } from '../../../lambdas/core/dataflows/dataflows';
import { FlowRunService } from '../../../lambdas/core/dataflows/flow-runs';
import type { StoredMappingSet } from '../../../lambdas/core/mapping-sets/mapping-sets';
import { MemoryMappingSetStore } from '../../support/memory-mapping-sets';
import { failureOf } from '../../support/memory-uploads';
import {
  DATASET_ID,
  dataflowServiceOf,
  dataflowWorld,
  S3_CONNECTION_ID,
  SANDBOX,
  START,
  type DataflowWorld,
} from '../../support/dataflow-world';

const MINUTE = 60_000;
const iso = (ms: number) => new Date(START.getTime() + ms).toISOString();

const mappingSet = (version: number): StoredMappingSet => ({
  id: 'map-1',
  sandbox: SANDBOX,
  version,
  mappings: [{ sourceType: 'ATTRIBUTE', source: 'mail', destination: 'email' }],
  createdAt: START.toISOString(),
  createdBy: 'test',
  updatedAt: START.toISOString(),
  updatedBy: 'test',
});

const NEW_FLOW: NewDataflow = { name: 'people', connectionId: S3_CONNECTION_ID, datasetId: DATASET_ID };

describe('dataflows', () => {
  let world: DataflowWorld;
  let secrets: MemorySecretStore;
  let mappingSets: MemoryMappingSetStore;
  let service: DataflowService;

  beforeEach(async () => {
    world = dataflowWorld();
    secrets = new MemorySecretStore();
    mappingSets = new MemoryMappingSetStore();
    await mappingSets.put(mappingSet(1));
    await mappingSets.put(mappingSet(2));
    let ids = 0;
    service = dataflowServiceOf(world, { secrets, mappingSets, newId: () => `flow-${(ids += 1)}` });
  });

  it('creates an enabled flow on demand, without a next run', async () => {
    // Act
    const flow = await service.create(SANDBOX, NEW_FLOW, 'key-1');

    // Assess
    expect(flow).toEqual({
      id: 'flow-1',
      sandbox: SANDBOX,
      name: 'people',
      connectionId: S3_CONNECTION_ID,
      datasetId: DATASET_ID,
      enabled: true,
      state: {},
      createdAt: START.toISOString(),
      createdBy: 'key-1',
      updatedAt: START.toISOString(),
      revision: 1,
    });
  });

  it('schedules the first run at the start time, now by default', async () => {
    // Act
    const now = await service.create(
      SANDBOX,
      { ...NEW_FLOW, schedule: { frequency: 'minute', interval: 1 } },
      'k',
    );
    const later = await service.create(
      SANDBOX,
      { ...NEW_FLOW, schedule: { frequency: 'hour', interval: 1, startTime: iso(90 * MINUTE) } },
      'k',
    );
    const disabled = await service.create(
      SANDBOX,
      { ...NEW_FLOW, enabled: false, schedule: { frequency: 'day', interval: 1 } },
      'k',
    );

    // Assess
    expect(now.state.nextRunAt).toBe(START.toISOString());
    expect(later.state.nextRunAt).toBe(iso(90 * MINUTE));
    expect(disabled.state.nextRunAt).toBeUndefined();
  });

  it("pins the mapping set's latest version, or the version named", async () => {
    // Act
    const latest = await service.create(SANDBOX, { ...NEW_FLOW, mappingSetId: 'map-1' }, 'k');
    const pinned = await service.create(
      SANDBOX,
      { ...NEW_FLOW, mappingSetId: 'map-1', mappingSetVersion: 1 },
      'k',
    );

    // Assess
    expect(latest.mapping).toEqual({ mappingSetId: 'map-1', version: 2 });
    expect(pinned.mapping).toEqual({ mappingSetId: 'map-1', version: 1 });
  });

  it('refuses references that do not exist in the sandbox, pointing at them', async () => {
    // Act
    const connection = await failureOf(service.create(SANDBOX, { ...NEW_FLOW, connectionId: 'nope' }, 'k'));
    const dataset = await failureOf(service.create(SANDBOX, { ...NEW_FLOW, datasetId: 'nope' }, 'k'));
    const otherSandbox = await failureOf(service.create('dev', NEW_FLOW, 'k'));
    const set = await failureOf(service.create(SANDBOX, { ...NEW_FLOW, mappingSetId: 'nope' }, 'k'));
    const version = await failureOf(
      service.create(SANDBOX, { ...NEW_FLOW, mappingSetId: 'map-1', mappingSetVersion: 9 }, 'k'),
    );
    const versionAlone = await failureOf(service.create(SANDBOX, { ...NEW_FLOW, mappingSetVersion: 1 }, 'k'));

    // Assess
    const pointers = (failure: unknown) =>
      (failure as { violations: { pointer: string }[] }).violations.map((v) => v.pointer);
    expect(connection).toMatchObject({ kind: 'unprocessable', code: 'connection-not-found' });
    expect(pointers(connection)).toEqual(['/connectionId']);
    expect(dataset).toMatchObject({ kind: 'unprocessable', code: 'dataset-not-found' });
    expect(pointers(dataset)).toEqual(['/datasetId']);
    expect(otherSandbox).toMatchObject({ kind: 'unprocessable', code: 'connection-not-found' });
    expect(set).toMatchObject({ kind: 'unprocessable', code: 'mapping-set-not-found' });
    expect(pointers(set)).toEqual(['/mappingSetId']);
    expect(pointers(version)).toEqual(['/mappingSetVersion']);
    expect(versionAlone).toMatchObject({ kind: 'invalid' });
    expect(world.flows.flows.size).toBe(0);
  });

  it('clears the next run when disabled and finds the next slot from now when enabled again', async () => {
    // Prepare
    const flow = await service.create(
      SANDBOX,
      { ...NEW_FLOW, schedule: { frequency: 'minute', interval: 10 } },
      'k',
    );

    // Act
    const disabled = await service.update(SANDBOX, flow.id, { enabled: false });
    world.clock.advance(25 * MINUTE);
    const enabled = await service.update(SANDBOX, flow.id, { enabled: true });
    const renamed = await service.update(SANDBOX, flow.id, { name: 'renamed' });

    // Assess
    expect(disabled).toMatchObject({ enabled: false, revision: 2 });
    expect(disabled.state.nextRunAt).toBeUndefined();
    expect(enabled.state.nextRunAt).toBe(iso(30 * MINUTE));
    expect(renamed).toMatchObject({ name: 'renamed', state: { nextRunAt: iso(30 * MINUTE) }, revision: 4 });
  });

  it('reschedules, re-pins a mapping version, and removes the schedule, the mapping and the webhook with null', async () => {
    // Prepare
    const flow = await service.create(
      SANDBOX,
      {
        ...NEW_FLOW,
        mappingSetId: 'map-1',
        mappingSetVersion: 1,
        notifications: { webhookUrl: 'https://h.test/x' },
      },
      'k',
    );

    // Act
    const rescheduled = await service.update(SANDBOX, flow.id, {
      schedule: { frequency: 'day', interval: 1, startTime: iso(MINUTE) },
      mappingSetVersion: 2,
    });
    const removed = await service.update(SANDBOX, flow.id, {
      schedule: null,
      mappingSetId: null,
      notifications: null,
    });

    // Assess
    expect(rescheduled).toMatchObject({
      schedule: { frequency: 'day', interval: 1, startTime: iso(MINUTE), backfill: true },
      mapping: { mappingSetId: 'map-1', version: 2 },
      state: { nextRunAt: iso(MINUTE) },
    });
    expect(JSON.parse(JSON.stringify(removed))).toMatchObject({ state: {} });
    expect(removed.schedule).toBeUndefined();
    expect(removed.mapping).toBeUndefined();
    expect(removed.notifications).toBeUndefined();
    expect(removed.state.nextRunAt).toBeUndefined();
  });

  it('keeps a change made concurrently: an update is applied to the flow as it is now', async () => {
    // Prepare
    const flow = await service.create(SANDBOX, NEW_FLOW, 'k');
    world.flows.interfere((current) => ({ state: { ...current.state, lastRunId: 'run-from-elsewhere' } }));

    // Act
    const updated = await service.update(SANDBOX, flow.id, { name: 'renamed' });

    // Assess
    expect(updated).toMatchObject({
      name: 'renamed',
      state: { lastRunId: 'run-from-elsewhere' },
      revision: 3,
    });
  });

  it('deletes a flow and its runs, but not while a run is going', async () => {
    // Prepare
    const flow = await service.create(SANDBOX, NEW_FLOW, 'k');
    const runs = new FlowRunService(world.startDeps);
    const run = await runs.runNow(SANDBOX, flow.id);

    // Act
    const busy = await failureOf(service.delete(SANDBOX, flow.id));
    world.workflow.end(run.id, 'FAILED');
    await service.delete(SANDBOX, flow.id);
    const gone = await failureOf(service.get(SANDBOX, flow.id));

    // Assess
    expect(busy).toMatchObject({ kind: 'conflict', code: 'run-in-progress' });
    expect(gone).toMatchObject({ kind: 'not-found' });
    expect(world.runs.runs.size).toBe(0);
    expect(await failureOf(service.delete(SANDBOX, flow.id))).toMatchObject({ kind: 'not-found' });
  });

  it('tells which flows read from a connection', async () => {
    // Prepare
    await service.create(SANDBOX, NEW_FLOW, 'k');
    await service.create(SANDBOX, NEW_FLOW, 'k');

    // Act
    const using = await service.usingConnection(SANDBOX, S3_CONNECTION_ID);
    const unused = await service.usingConnection(SANDBOX, 'other');

    // Assess
    expect(using).toEqual(['flow-1', 'flow-2']);
    expect(unused).toEqual([]);
  });
});
