/**
 * What a flow's watermark lets through from one run to the next: nothing that arrives after a run is skipped for
 * good (typed delta values, a look-back for what shows up late), and nothing read again within the look-back is
 * ingested twice. Runs go through the dataflow-run steps over in-memory fakes, and the lake tells what the dataset
 * holds.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { HttpSourceParams } from '../../../lambdas/core/connections/connection-types';
import {
  ago,
  connectionOf,
  dataflow,
  dataflowWorld,
  emailLines,
  HTTP_CONNECTION_ID,
  HTTP_PARAMS,
  lakeEmails,
  runNow,
  type DataflowWorld,
} from '../../support/dataflow-world';

const MINUTE = 60_000;

/** An HTTP flow on `incremental`; the fake API filters on `since` as text, so tests that need it unsent omit it. */
async function httpFlow(world: DataflowWorld, incremental: HttpSourceParams['incremental']): Promise<void> {
  const connection = connectionOf(HTTP_CONNECTION_ID, 'http');
  world.connections.set(HTTP_CONNECTION_ID, { ...connection, params: { ...HTTP_PARAMS, incremental } });
  await world.flows.create(dataflow({ connectionId: HTTP_CONNECTION_ID }));
}

const person = (email: string, fields: Record<string, unknown>) => ({
  email,
  updatedAt: '2026-03-01T00:00:00Z',
  ...fields,
});

describe('an HTTP delta column compared by its type', () => {
  let world: DataflowWorld;

  beforeEach(() => {
    world = dataflowWorld();
  });

  it('reads the record of version "10" after the watermark reached version "9"', async () => {
    // Prepare
    await httpFlow(world, { deltaColumn: 'version' });
    for (let version = 1; version <= 9; version += 1) {
      world.api.records.push(person(`v${version}@x.io`, { version: String(version) }));
    }
    const first = await runNow(world);
    world.api.records.push(person('v10@x.io', { version: '10' }));

    // Act
    const second = await runNow(world);

    // Assess
    expect(second).toMatchObject({ status: 'success', metrics: { recordsIngested: 1 } });
    expect((await lakeEmails(world)).filter((email) => email === 'v10@x.io')).toEqual(['v10@x.io']);
    expect(await lakeEmails(world)).toHaveLength(10);
    expect(first.window.to).toMatchObject({ delta: '9', deltaType: 'number' });
    expect(second.window.to).toMatchObject({ delta: '10', deltaType: 'number' });
  });

  it('reads an instant written with another offset, or with a fraction of a second, after the watermark', async () => {
    // Prepare: 11:00 at +02:00 is 09:00 UTC, earlier than the records that follow, though later as text
    await httpFlow(world, { deltaColumn: 'updatedAt' });
    world.api.records.push(person('zoned@x.io', { updatedAt: '2026-03-01T11:00:00+02:00' }));
    world.api.records.push(person('whole@x.io', { updatedAt: '2026-03-01T09:30:04Z' }));
    await runNow(world);
    world.api.records.push(person('later@x.io', { updatedAt: '2026-03-01T10:30:00Z' }));
    world.api.records.push(person('fraction@x.io', { updatedAt: '2026-03-01T09:30:04.5Z' }));

    // Act
    const second = await runNow(world);

    // Assess
    expect(second).toMatchObject({ status: 'success', metrics: { recordsIngested: 2 } });
    expect(second.window.to).toMatchObject({ delta: '2026-03-01T10:30:00Z', deltaType: 'instant' });
    expect(await lakeEmails(world)).toEqual(['fraction@x.io', 'later@x.io', 'whole@x.io', 'zoned@x.io']);
  });

  it('reads a record that shows up late within the overlap, and none of those read before again', async () => {
    // Prepare: the API is asked `since` the watermark less the overlap
    await httpFlow(world, HTTP_PARAMS.incremental);
    for (const second of [10, 20, 30]) {
      world.api.records.push(person(`p${second}@x.io`, { updatedAt: `2026-03-01T10:00:${second}Z` }));
    }
    await runNow(world);
    // Committed late: changed at 10:00:25, visible only now
    world.api.records.push(person('late@x.io', { updatedAt: '2026-03-01T10:00:25Z' }));
    world.api.records.push(person('new@x.io', { updatedAt: '2026-03-01T10:01:00Z' }));

    // Act
    const second = await runNow(world);
    const third = await runNow(world);

    // Assess
    expect(second).toMatchObject({ status: 'success', metrics: { recordsIngested: 2 } });
    expect(third).toMatchObject({ status: 'success', metrics: { recordsRead: 0 } });
    expect(third.batchId).toBeUndefined();
    expect(await lakeEmails(world)).toEqual(['late@x.io', 'new@x.io', 'p10@x.io', 'p20@x.io', 'p30@x.io']);
  });

  it('reads a record changed again within the overlap, and not one served again unchanged under its _id', async () => {
    // Prepare
    await httpFlow(world, HTTP_PARAMS.incremental);
    world.api.records.push(
      person('a@x.io', { _id: 'a', updatedAt: '2026-03-01T10:00:20Z', servedAt: 'first' }),
      person('b@x.io', { _id: 'b', updatedAt: '2026-03-01T10:00:05Z' }),
    );
    await runNow(world);
    // a is served again with a field that changes on every answer; b's next change, made at 10:00:15, shows up late
    world.api.records[0] = { ...world.api.records[0]!, servedAt: 'second' };
    world.api.records[1] = person('b@x.io', { _id: 'b', updatedAt: '2026-03-01T10:00:15Z', tier: 'gold' });

    // Act
    const second = await runNow(world);

    // Assess
    expect(second).toMatchObject({ status: 'success', metrics: { recordsIngested: 1 } });
    expect(await lakeEmails(world)).toEqual(['a@x.io', 'b@x.io', 'b@x.io']);
  });
});

describe('records served twice within one pull', () => {
  it('are kept once, as an API paged by offset serves a record again when records change under it', async () => {
    // Prepare
    const world = dataflowWorld();
    await httpFlow(world, HTTP_PARAMS.incremental);
    world.api.records.push(
      person('a@x.io', { _id: 'a', updatedAt: '2026-03-01T10:00:10Z', servedAt: 'page 1' }),
      person('b@x.io', { _id: 'b', updatedAt: '2026-03-01T10:00:20Z' }),
      person('a@x.io', { _id: 'a', updatedAt: '2026-03-01T10:00:10Z', servedAt: 'page 2' }),
    );

    // Act
    const run = await runNow(world);

    // Assess
    expect(run).toMatchObject({
      status: 'success',
      progress: { records: 2 },
      metrics: { recordsIngested: 2 },
    });
    expect(await lakeEmails(world)).toEqual(['a@x.io', 'b@x.io']);
  });
});

describe('an S3 flow reading again within its look-back', () => {
  let world: DataflowWorld;

  beforeEach(async () => {
    world = dataflowWorld();
    await world.flows.create(dataflow());
    world.s3.put('people/a.jsonl', emailLines('a@x.io'), ago(world, 3 * MINUTE));
    world.s3.put('people/b.jsonl', emailLines('b@x.io'), ago(world, 2 * MINUTE));
  });

  it('reads an object that became visible after the watermark passed its LastModified, and nothing twice', async () => {
    // Prepare: a multipart upload begun ten minutes ago completes after the first run
    await runNow(world);
    world.clock.advance(MINUTE);
    world.s3.put('people/multipart.jsonl', emailLines('late@x.io'), ago(world, 11 * MINUTE));

    // Act
    const second = await runNow(world);
    world.clock.advance(MINUTE);
    const third = await runNow(world);

    // Assess
    expect(second).toMatchObject({ status: 'success', metrics: { filesRead: 1, recordsIngested: 1 } });
    expect(third).toMatchObject({ status: 'success', metrics: { filesRead: 0 } });
    expect(world.s3.opened).toEqual(['people/a.jsonl', 'people/b.jsonl', 'people/multipart.jsonl']);
    expect(await lakeEmails(world)).toEqual(['a@x.io', 'b@x.io', 'late@x.io']);
    expect(world.flows.stored().state.watermark).toMatchObject({ key: 'people/b.jsonl' });
  });

  it('reads an object overwritten with new content within the look-back, stamped before the watermark', async () => {
    // Prepare
    await runNow(world);
    world.clock.advance(MINUTE);
    world.s3.put('people/a.jsonl', emailLines('a2@x.io'), ago(world, 4 * MINUTE));

    // Act
    const second = await runNow(world);

    // Assess
    expect(second).toMatchObject({ status: 'success', metrics: { filesRead: 1, recordsIngested: 1 } });
    expect(await lakeEmails(world)).toEqual(['a2@x.io', 'a@x.io', 'b@x.io']);
  });
});
