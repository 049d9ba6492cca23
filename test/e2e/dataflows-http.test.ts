/**
 * HTTP dataflows on the local runtime, against a paginated JSON API this test serves on loopback (cursor pages of
 * two records, newer than `since`, behind a bearer token): incremental pulls by the delta column, a run that fails
 * half-way and is re-triggered (each record in the lake exactly once, the pages before the failure fetched once),
 * exact run counts — and the token never appears in an API answer or a log line, though the API received it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchApi, type FileAnswer } from '../support/batch-api';
import { ORDER_SCHEMA, ORDER_SCHEMA_ID } from '../support/batch-files';
import { BatchStorage, sortedValues } from '../support/batch-lake';
import { DataflowApi } from '../support/dataflow-api';
import { startRuntimeUnderTest, type RuntimeUnderTest } from './local-runtime';
import { captureOutput } from '../support/captured-output';

const TOKEN = 'tok-7d1c9a52e4b0f3a6-never-to-be-seen';
const PAGE_SIZE = 2;

interface Order {
  readonly orderId: string;
  readonly quantity: number;
  readonly updatedAt: string;
}

interface SeenRequest {
  readonly path: string;
  readonly page: number;
  readonly since: string | null;
  readonly authorized: boolean;
}

/** The source API: each path is a collection of orders; a page in `failing` answers 500 every time. */
class OrdersApi {
  readonly collections = new Map<string, Order[]>();
  readonly failing = new Map<string, number>();
  readonly seen: SeenRequest[] = [];
  private server: Server | undefined;
  url = '';

  add(path: string, count: number, from = 0): void {
    const orders = this.collections.get(path) ?? [];
    for (let i = from; i < from + count; i += 1) {
      orders.push({
        orderId: `${path}-${i}`,
        quantity: i + 1,
        updatedAt: `2026-03-01T10:00:${String(i).padStart(2, '0')}Z`,
      });
    }
    this.collections.set(path, orders);
  }

  pagesSeen(path: string): number[] {
    return this.seen.filter((request) => request.path === path).map((request) => request.page);
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => this.answer(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', this.url);
    const path = url.pathname.slice(1);
    const cursor = Number(url.searchParams.get('cursor') ?? '0');
    const since = url.searchParams.get('since');
    const authorized = request.headers.authorization === `Bearer ${TOKEN}`;
    this.seen.push({ path, page: cursor / PAGE_SIZE + 1, since, authorized });
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (!authorized) return reply(401, { error: 'unauthorized' });
    if (this.failing.get(path) === cursor / PAGE_SIZE + 1) return reply(500, { error: 'down' });
    const newer = (this.collections.get(path) ?? []).filter(
      (order) => since === null || order.updatedAt > since,
    );
    const next = cursor + PAGE_SIZE < newer.length ? String(cursor + PAGE_SIZE) : undefined;
    reply(200, { data: newer.slice(cursor, cursor + PAGE_SIZE), ...(next ? { next } : {}) });
  }
}

describe('HTTP dataflows on the local runtime', () => {
  const source = new OrdersApi();
  const answers: FileAnswer[] = [];
  let output: ReturnType<typeof captureOutput>;
  let subject: RuntimeUnderTest;
  let api: BatchApi;
  let flows: DataflowApi;
  let storage: BatchStorage;
  let datasetCount = 0;

  /** A dataset, a connection to one collection of the source API, and an on-demand dataflow between them. */
  const flowOf = async (path: string) => {
    const datasetId = await api.createDataset(`orders ${(datasetCount += 1)}`, ORDER_SCHEMA_ID);
    const connectionId = await flows.createConnection({
      name: `orders API ${path}`,
      type: 'http',
      params: {
        url: `${source.url}/${path}`,
        recordsPath: 'data',
        pagination: { type: 'cursor', cursorPath: 'next', cursorParam: 'cursor' },
        incremental: { deltaColumn: 'updatedAt', deltaParam: 'since' },
      },
      auth: { type: 'header', name: 'authorization', value: `Bearer ${TOKEN}` },
    });
    const flow = await flows.createDataflow({ name: `orders ${path}`, connectionId, datasetId });
    return { datasetId, connectionId, flowId: flow.id };
  };

  beforeAll(async () => {
    output = captureOutput();
    await source.start();
    subject = await startRuntimeUnderTest();
    // Every answer the API gives in this file is kept, to be searched for the token at the end.
    api = new (class extends BatchApi {
      override async send(...args: Parameters<BatchApi['send']>): Promise<FileAnswer> {
        const answer = await super.send(...args);
        answers.push(answer);
        return answer;
      }
    })(subject.runtime.url, subject.runtime.adminKey);
    flows = new DataflowApi(api);
    storage = new BatchStorage(subject);
    await api.createSchema(ORDER_SCHEMA);
  });
  afterAll(async () => {
    storage.destroy();
    await subject.stop();
    await source.stop();
    output.restore();
  });

  it('pulls every page, then only the records after the largest delta (asking from its overlap), with exact counts', async () => {
    // Prepare
    const { datasetId, flowId } = await flowOf('orders');
    source.add('orders', 5);

    // Act
    const first = await flows.waitForRun(flowId, await flows.runNow(flowId));
    source.add('orders', 2, 5);
    const second = await flows.waitForRun(flowId, await flows.runNow(flowId));

    // Assess
    expect(first).toMatchObject({
      status: 'success',
      trigger: 'manual',
      source: 'http',
      progress: { pages: 3, records: 5, files: 1, done: true },
      metrics: { recordsRead: 5, recordsIngested: 5, recordsFailed: 0, filesRead: 1 },
      window: { to: { delta: '2026-03-01T10:00:04Z' } },
    });
    // The second run asks from five minutes before the watermark, reads all seven again and keeps the two new ones.
    expect(second).toMatchObject({
      status: 'success',
      progress: { pages: 4, records: 2 },
      metrics: { recordsRead: 2, recordsIngested: 2, recordsFailed: 0 },
      window: {
        from: {
          delta: '2026-03-01T10:00:04Z',
          deltaType: 'instant',
          lookBack: { from: '2026-03-01T09:55:04Z', inclusive: true, items: 5 },
        },
        to: { delta: '2026-03-01T10:00:06Z' },
      },
    });
    const requests = source.seen.filter((request) => request.path === 'orders');
    expect(requests.map((request) => [request.page, request.since])).toEqual([
      [1, null],
      [2, null],
      [3, null],
      [1, '2026-03-01T09:55:04Z'],
      [2, '2026-03-01T09:55:04Z'],
      [3, '2026-03-01T09:55:04Z'],
      [4, '2026-03-01T09:55:04Z'],
    ]);
    const lake = [
      ...(await storage.lakeRows(datasetId, first.batchId!)),
      ...(await storage.lakeRows(datasetId, second.batchId!)),
    ];
    expect(sortedValues(lake, 'orderId')).toEqual(Array.from({ length: 7 }, (_, i) => `orders-${i}`));
    expect((await flows.runs(flowId)).map((run) => run.id)).toEqual([second.id, first.id]);
  });

  it('fails a run half-way, keeps what it pulled, and finishes it on re-trigger: each record once', async () => {
    // Prepare
    const { datasetId, flowId } = await flowOf('flaky');
    source.add('flaky', 7);
    source.failing.set('flaky', 3);

    // Act
    const failed = await flows.waitForRun(flowId, await flows.runNow(flowId));
    const lakeOfFailed = await storage.lakeRows(datasetId, failed.batchId!);
    source.failing.delete('flaky');
    const retriggered = await flows.waitForRun(flowId, await flows.retrigger(flowId, failed.id));

    // Assess
    expect(failed).toMatchObject({
      status: 'failed',
      progress: { pages: 2, records: 4, files: 1, done: false },
      metrics: { recordsRead: 4, recordsIngested: 0, filesRead: 1 },
      errors: [{ code: 'CONNECTOR-1001-500', message: expect.stringContaining('answered 500') as string }],
    });
    expect(lakeOfFailed).toEqual([]);
    expect(retriggered).toMatchObject({
      status: 'success',
      trigger: 'retrigger',
      retriggerOf: failed.id,
      batchId: failed.batchId,
      progress: { pages: 4, records: 7, done: true },
      metrics: { recordsRead: 7, recordsIngested: 7, recordsFailed: 0 },
    });
    const pages = source.pagesSeen('flaky');
    expect(pages.filter((page) => page === 1)).toHaveLength(1);
    expect(pages.filter((page) => page === 2)).toHaveLength(1);
    expect(pages.filter((page) => page === 3).length).toBeGreaterThan(1);
    const lake = await storage.lakeRows(datasetId, retriggered.batchId!);
    expect(sortedValues(lake, 'orderId')).toEqual(Array.from({ length: 7 }, (_, i) => `flaky-${i}`));
    expect((await flows.run(flowId, failed.id)).retriggeredBy).toBe(retriggered.id);
  });

  it('never shows the source credential in an answer or a log line, though the source received it', async () => {
    // Prepare: read back everything that holds the connections, the flows and the runs
    for (const path of ['/connections', '/dataflows']) {
      const list = (await api.send(path)).body as { items: { id: string }[] };
      for (const item of list.items) {
        await api.send(`${path}/${item.id}`);
        if (path === '/dataflows') await api.send(`/dataflows/${item.id}/runs`);
      }
    }

    // Act
    const answered = answers.map((answer) => JSON.stringify(answer.body)).join('\n');
    const logged = output.text();

    // Assess
    expect(answers.length).toBeGreaterThan(10);
    // The capture works: the worker's warnings about the failing page are in it.
    expect(logged).toContain('dataflow step failed');
    expect(answered).not.toContain(TOKEN);
    expect(logged).not.toContain(TOKEN);
    expect(source.seen.filter((request) => request.authorized).length).toBeGreaterThan(0);
    expect(source.seen.every((request) => request.authorized)).toBe(true);
  });
});
