/**
 * An HTTP source that never stops answering pages (or answers very many) must not hold its flow's one run, and its
 * batch, for ever: a run stops pulling at its caps (bytes read, time; pages and files likewise), its batch is
 * ingested, and the next run goes on from the page it stopped at — every record ingested once, none lost, even from
 * an API that does not serve records in the order of their delta value.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_PAGE_BYTES } from '../../lambdas/core/connections/http-source-reader';
import { HTTP_RUN_TIME_BUDGET_MS } from '../../lambdas/core/dataflows/pull-slice';
import {
  dataflow,
  dataflowWorld,
  HTTP_CONNECTION_ID,
  lakeEmails,
  runNow,
  type DataflowWorld,
} from '../support/dataflow-world';

/** The order the API serves its records in: not by their delta value (`updatedAt`). */
const SERVED_ORDER = [4, 0, 7, 2, 8, 1, 6, 3, 5];
/** A page of two records is about 130 bytes: room for a little over two pages. */
const ROOM_FOR_PAGES = 300;

function servePeople(world: DataflowWorld): void {
  world.api.sorted = false;
  for (const i of SERVED_ORDER) {
    world.api.records.push({ email: `p${i}@x.io`, updatedAt: `2026-03-01T00:00:0${i}Z` });
  }
}

const everyone = SERVED_ORDER.map((i) => `p${i}@x.io`).sort();
const cursorsRequested = (world: DataflowWorld) =>
  world.api.requests.map(({ url }) => new URL(url).searchParams.get('cursor') ?? '0');

describe('per-run caps of an HTTP pull', () => {
  let world: DataflowWorld;

  beforeEach(async () => {
    // The batch byte guardrail leaves room for one page beyond ROOM_FOR_PAGES bytes read.
    world = dataflowWorld({ maxBytesPerBatch: MAX_PAGE_BYTES + ROOM_FOR_PAGES });
    await world.flows.create(dataflow({ connectionId: HTTP_CONNECTION_ID }));
    servePeople(world);
  });

  it('a run stops at its byte cap and is ingested; the next goes on from that page; each record lands once', async () => {
    // Act
    const first = await runNow(world);
    const afterFirst = await lakeEmails(world);
    const second = await runNow(world);
    const continuationAfterSecond = world.flows.stored().state.continuationRunId;
    const third = await runNow(world);

    // Assess
    expect(first).toMatchObject({
      status: 'success',
      progress: { pages: 3, cappedBy: 'bytes', done: true },
      metrics: { recordsIngested: 6 },
    });
    expect(first.window.to).toBeUndefined();
    expect(afterFirst).toHaveLength(6);
    expect(second).toMatchObject({ status: 'success', continues: first.id, progress: { pages: 2 } });
    expect(second.progress.cappedBy).toBeUndefined();
    expect(second.window.to).toMatchObject({ delta: '2026-03-01T00:00:08Z' });
    expect(third.metrics.recordsIngested).toBe(0);
    expect(await lakeEmails(world)).toEqual(everyone);
    // The second run asked for pages 4 and 5 only; the third started again from the watermark.
    expect(cursorsRequested(world).slice(0, 5)).toEqual(['0', '2', '4', '6', '8']);
    expect(continuationAfterSecond).toBeUndefined();
  });

  it('a run stops at its time cap, and the next goes on from that page', async () => {
    // Prepare: each page takes the API a third of the budget.
    world = dataflowWorld();
    await world.flows.create(dataflow({ connectionId: HTTP_CONNECTION_ID }));
    servePeople(world);
    world.api.onRequest = () => world.clock.advance(HTTP_RUN_TIME_BUDGET_MS / 3 + 1);

    // Act
    const first = await runNow(world);
    const second = await runNow(world);

    // Assess
    expect(first).toMatchObject({ status: 'success', progress: { pages: 3, cappedBy: 'time' } });
    expect(second).toMatchObject({ status: 'success', continues: first.id, progress: { pages: 2 } });
    expect(await lakeEmails(world)).toEqual(everyone);
  });

  it('a capped run whose connection changed since is not gone on with: the next run starts from the watermark', async () => {
    // Prepare
    const first = await runNow(world);
    const connection = world.connections.get(HTTP_CONNECTION_ID)!;
    world.clock.advance(1000);
    world.connections.set(HTTP_CONNECTION_ID, { ...connection, updatedAt: world.clock.now().toISOString() });
    world.api.requests.length = 0;

    // Act
    const second = await runNow(world);

    // Assess
    expect(first.progress.cappedBy).toBe('bytes');
    expect(second.continues).toBeUndefined();
    expect(cursorsRequested(world)[0]).toBe('0');
  });
});
