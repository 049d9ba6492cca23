/**
 * A scheduled S3 dataflow on the local runtime: another bucket of the S3 emulator holds CSV files (the deployment's
 * source bucket, whose `orders` folder the sandbox is granted); a dataflow reads it every minute (the runtime's scheduler ticking fast); each scheduled run picks up only the files that are new
 * since the last one, and the lake ends with every record exactly once. Runs report exact counts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchApi } from '../support/batch-api';
import { ORDER_SCHEMA, ORDER_SCHEMA_ID } from '../support/batch-files';
import { BatchStorage, sortedValues, type LakeRow } from '../support/batch-lake';
import { DataflowApi } from '../support/dataflow-api';
import { createEmulatorClients, type EmulatorClients } from '../../local/emulator-clients';
import { startRuntimeUnderTest, type RuntimeUnderTest } from './local-runtime';

const BUCKET = 'partner-exports';
/** The runtime's scheduler ticks every second instead of every minute, so a slot's run starts within a second. */
const TICK_MS = 1_000;
/**
 * The first slot, after the files are written: a run leaves objects of its last few seconds for the next run (S3's
 * one-second timestamps), so the files must be older than that when the first slot comes.
 */
const FIRST_SLOT_DELAY_S = 8;
/** The second slot is a minute after the first (the schedule's interval); the wait for it allows the run too. */
const SECOND_RUN_TIMEOUT_MS = 100_000;

const csv = (rows: readonly (readonly [string, number])[]) =>
  `orderId,quantity\n${rows.map(([id, quantity]) => `${id},${quantity}`).join('\n')}\n`;

describe('a scheduled S3 dataflow on the local runtime', () => {
  let subject: RuntimeUnderTest;
  let api: BatchApi;
  let flows: DataflowApi;
  let storage: BatchStorage;
  let clients: EmulatorClients;

  const put = async (key: string, body: string) => {
    await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    return Buffer.byteLength(body);
  };

  beforeAll(async () => {
    subject = await startRuntimeUnderTest({ scheduleTickMs: TICK_MS, sources: { bucketNames: [BUCKET] } });
    api = new BatchApi(subject.runtime.url, subject.runtime.adminKey);
    flows = new DataflowApi(api);
    storage = new BatchStorage(subject);
    clients = createEmulatorClients(subject.runtime.endpoints);
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await api.createSchema(ORDER_SCHEMA);
    await flows.grantSources('prod', { locations: [{ bucket: BUCKET, prefix: 'orders' }] });
  });
  afterAll(async () => {
    clients.destroy();
    storage.destroy();
    await subject.stop();
  });

  it(
    'ingests the files there at the first slot, then only the new ones at the next',
    async () => {
      // Prepare
      const datasetId = await api.createDataset('partner orders', ORDER_SCHEMA_ID);
      const firstBytes =
        (await put(
          'orders/2026/a.csv',
          csv([
            ['a1', 1],
            ['a2', 2],
          ]),
        )) + (await put('orders/2026/b.csv', csv([['b1', 3]])));
      await put('orders/readme.txt', 'not an order file');
      const connectionId = await flows.createConnection({
        name: 'partner orders',
        type: 's3',
        params: { bucket: BUCKET, prefix: 'orders', filePattern: '*.csv', inputFormat: { format: 'csv' } },
      });
      const startTime = Math.ceil(Date.now() / 1000) + FIRST_SLOT_DELAY_S;
      const flow = await flows.createDataflow({
        name: 'partner orders every minute',
        connectionId,
        datasetId,
        schedule: { frequency: 'minute', interval: 1, startTime },
      });

      // Act
      const [first] = await flows.waitForEndedRuns(flow.id, 1);
      const newBytes = await put(
        'orders/2026/c.csv',
        csv([
          ['c1', 4],
          ['c2', 5],
          ['c3', 6],
        ]),
      );
      const runs = await flows.waitForEndedRuns(flow.id, 2, SECOND_RUN_TIMEOUT_MS);

      // Assess
      const [second] = runs;
      const slot = (offset: number) => new Date((startTime + offset) * 1000).toISOString();
      expect(flow.schedule).toMatchObject({ frequency: 'minute', interval: 1, startTime, backfill: true });
      expect(runs).toHaveLength(2);
      expect(first).toMatchObject({
        status: 'success',
        trigger: 'schedule',
        scheduledFor: slot(0),
        metrics: {
          filesRead: 2,
          bytesRead: firstBytes,
          recordsRead: 3,
          recordsIngested: 3,
          recordsFailed: 0,
        },
        window: { to: { key: 'orders/2026/b.csv' } },
      });
      expect(second).toMatchObject({
        status: 'success',
        trigger: 'schedule',
        scheduledFor: slot(60),
        metrics: { filesRead: 1, bytesRead: newBytes, recordsRead: 3, recordsIngested: 3, recordsFailed: 0 },
        window: { from: first!.window.to, to: { key: 'orders/2026/c.csv' } },
      });
      const lake: LakeRow[] = [
        ...(await storage.lakeRows(datasetId, first!.batchId!)),
        ...(await storage.lakeRows(datasetId, second!.batchId!)),
      ];
      expect(sortedValues(lake, 'orderId')).toEqual(['a1', 'a2', 'b1', 'c1', 'c2', 'c3']);
      expect((await flows.dataflow(flow.id)).state).toMatchObject({
        watermark: second!.window.to,
        lastSuccessRunId: second!.id,
        nextRunAt: slot(120),
      });
      const events = readFileSync(join(subject.runtime.dataDir, 'events.jsonl'), 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map(
          (line) =>
            JSON.parse(line) as { source: string; detailType: string; detail: { run: { id: string } } },
        );
      expect(
        events.filter((event) => event.source === 'tributary.dataflows').map((event) => event.detail.run.id),
      ).toEqual([first!.id, second!.id]);
    },
    SECOND_RUN_TIMEOUT_MS + 60_000,
  );
});
