/**
 * A quarantined record fixed and replayed over HTTP on the local runtime: the failed record is exported with its
 * reason, the replay puts the fixed version into a new batch, and a second replay ingests nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_EVENT_SCHEMA } from '../support/streaming-messages';
import { call, startRuntimeUnderTest, type RuntimeUnderTest } from './local-runtime';

interface BatchAnswer {
  id: string;
  metrics: {
    inputRecordCount: number;
    outputRecordCount: number;
    failedRecordCount: number;
    duplicateRecordCount: number;
  };
}

/** The consumer works asynchronously: ask until the condition holds (bounded; no timing is asserted). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let attempt = 0; attempt < 120 && !done(value); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    value = await read();
  }
  return value;
}

describe('replay of a quarantined record over HTTP', () => {
  let subject: RuntimeUnderTest;
  let url: string;
  let admin: string;
  let datasetId: string;
  let inletUrl: string;

  const event = (id: string, email: unknown) => ({
    _id: id,
    timestamp: '2026-11-28T10:00:00.000Z',
    email,
    page: '/home',
  });

  const batches = async (): Promise<BatchAnswer[]> =>
    (
      (await call(`${url}/catalog/batches?datasetId=${datasetId}`, { key: admin })).body as {
        items: BatchAnswer[];
      }
    ).items;

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    url = subject.runtime.url;
    admin = subject.runtime.adminKey;
    await call(`${url}/schemas`, { method: 'POST', key: admin, body: JSON.stringify(STREAM_EVENT_SCHEMA) });
    const dataset = await call(`${url}/datasets`, {
      method: 'POST',
      key: admin,
      body: JSON.stringify({
        name: 'page views',
        schemaId: STREAM_EVENT_SCHEMA.schema.$id,
        profileEnabled: true,
      }),
    });
    datasetId = (dataset.body as { id: string }).id;
    const inlet = await call(`${url}/inlets`, {
      method: 'POST',
      key: admin,
      body: JSON.stringify({ name: 'web', datasetId, authenticated: false }),
    });
    inletUrl = (inlet.body as { url: string }).url;
  });
  afterAll(async () => {
    await subject.stop();
  });

  it(
    'exports the failed record, replays its fix once, and never ingests it twice',
    { timeout: 240_000 },
    async () => {
      // Prepare: two good events and one whose email is a number
      const sent = await call(`${inletUrl.replace('/collection/', '/collection/batch/')}`, {
        method: 'POST',
        body: JSON.stringify({
          messages: [event('e-1', 'a@x.io'), event('e-2', 42), event('e-3', 'c@x.io')],
        }),
      });
      expect(sent.status).toBe(207);
      const [first] = await eventually(batches, (items) => items[0]?.metrics.inputRecordCount === 3);
      expect(first?.metrics).toMatchObject({ outputRecordCount: 2, failedRecordCount: 1 });
      const batchId = first?.id as string;

      // Act: export the failure, replay it fixed, then replay again
      const failed = await call(`${url}/export/batches/${batchId}/failed`, { key: admin });
      const [line] = (failed.body as { items: { messageId: string; violations: { pointer: string }[] }[] })
        .items;
      const fix = { records: [{ messageId: line?.messageId, record: event('e-2', 'b@x.io') }] };
      const replayed = await call(`${url}/batches/${batchId}/replay`, {
        method: 'POST',
        key: admin,
        body: JSON.stringify(fix),
      });
      // The replay counts in the batch of its own receive window: here the same 15-minute window as the original.
      const replayBatchId = (replayed.body as { replayBatchIds: string[] }).replayBatchIds[0];
      const afterFirst = await eventually(batches, (items) =>
        items.some((item) => item.id === replayBatchId && item.metrics.inputRecordCount === 4),
      );
      const again = await call(`${url}/batches/${batchId}/replay`, {
        method: 'POST',
        key: admin,
        body: JSON.stringify(fix),
      });
      const afterSecond = await eventually(batches, (items) =>
        items.some((item) => item.id === replayBatchId && item.metrics.inputRecordCount === 5),
      );

      // Assess
      expect(line?.violations).toEqual([expect.objectContaining({ pointer: '/email' })]);
      expect(replayed.status).toBe(202);
      expect(again.status).toBe(202);
      expect(replayBatchId).toBe(batchId);
      expect(afterFirst.find((item) => item.id === batchId)?.metrics).toMatchObject({
        inputRecordCount: 4,
        outputRecordCount: 3,
        failedRecordCount: 1,
        duplicateRecordCount: 0,
      });
      expect(afterSecond.find((item) => item.id === batchId)?.metrics).toMatchObject({
        inputRecordCount: 5,
        outputRecordCount: 3,
        failedRecordCount: 1,
        duplicateRecordCount: 1,
      });
      const timeline = await call(`${url}/profiles/events?entityId=b@x.io&entityIdNS=Email`, { key: admin });
      expect((timeline.body as { items: { eventId: string }[] }).items.map((item) => item.eventId)).toEqual([
        'e-2',
      ]);
    },
  );
});
