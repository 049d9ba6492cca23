/**
 * A client of Tributary's batch API for the end-to-end tests, used as a new user would: create a batch, send its
 * files (whole, in ranges, or to an upload URL), act on it, and ask until the asynchronous workflow has decided it.
 * It keeps no state between calls, so a second instance is a second client (an interrupted upload resumed).
 */
import { expect } from 'vitest';
import { FINAL_FILE_BATCH_STATUSES } from '../../lambdas/core/batches/file-batch-types';
import type { FileBatchView } from '../../lambdas/core/batches/file-batch-view';
import type { InputFormat } from '../../lambdas/core/files/file-format-types';
import type { HttpAnswer } from '../e2e/local-runtime';

const POLL_MS = 250;
/** A bound on waiting (about a minute), not an assertion on speed. */
const POLL_ATTEMPTS = 240;

export const OCTET_STREAM = 'application/octet-stream';

export interface FileAnswer extends HttpAnswer {
  readonly headers: Headers;
}

/** A failed row as `GET /export/batches/{id}/failed` lists it. */
export interface ExportedFailedRow {
  readonly file: string;
  readonly line?: number;
  readonly row: number;
  readonly code: string;
  readonly violations: { readonly pointer: string; readonly keyword: string; readonly message: string }[];
  readonly record?: unknown;
  readonly raw?: string;
}

export interface NewBatch {
  readonly datasetId: string;
  readonly inputFormat: InputFormat;
  readonly partialIngestionPercent?: number;
  readonly replay?: { readonly predecessors: readonly string[] };
}

export interface UploadedFile {
  readonly path: string;
  readonly bytes: Uint8Array | string;
  readonly contentType?: string;
}

/** The batch has left `loading`, `staging` and `processing`: nothing changes any more without a new request. */
export const isDecided = (view: FileBatchView): boolean => FINAL_FILE_BATCH_STATUSES.includes(view.status);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks until `done` holds or the bound is reached, and answers the last value (the caller asserts on it). */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let attempt = 0; attempt < POLL_ATTEMPTS && !done(value); attempt += 1) {
    await sleep(POLL_MS);
    value = await read();
  }
  return value;
}

async function answerOf(response: Response): Promise<FileAnswer> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: the raw text is the answer
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body,
    headers: response.headers,
  };
}

/** Asserts an RFC 9457 problem with the machine code (and the violation pointers, when given). */
export function expectProblem(answer: HttpAnswer, status: number, code: string, pointers?: string[]): void {
  expect(answer.status).toBe(status);
  expect(answer.contentType).toContain('application/problem+json');
  const problem = answer.body as { status: number; code: string; violations?: { pointer: string }[] };
  expect(problem).toMatchObject({ status, code });
  if (pointers) expect((problem.violations ?? []).map((violation) => violation.pointer)).toEqual(pointers);
}

export class BatchApi {
  constructor(
    private readonly url: string,
    private readonly key: string,
  ) {}

  async send(
    path: string,
    init: {
      method?: string;
      body?: Uint8Array | string;
      json?: unknown;
      headers?: Record<string, string>;
    } = {},
  ): Promise<FileAnswer> {
    const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
    const response = await fetch(`${this.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${this.key}`,
        ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      ...(body !== undefined ? { body } : {}),
    });
    return answerOf(response);
  }

  async createSchema(schema: unknown): Promise<void> {
    const answer = await this.send('/schemas', { method: 'POST', json: schema });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  }

  async createDataset(name: string, schemaId: string, profileEnabled = false): Promise<string> {
    const answer = await this.send('/datasets', { method: 'POST', json: { name, schemaId, profileEnabled } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return (answer.body as { id: string }).id;
  }

  createBatchAnswer(batch: NewBatch | Record<string, unknown>): Promise<FileAnswer> {
    return this.send('/batches', { method: 'POST', json: batch });
  }

  async createBatch(batch: NewBatch): Promise<string> {
    const answer = await this.createBatchAnswer(batch);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return (answer.body as { id: string }).id;
  }

  filePath(batchId: string, datasetId: string, path: string): string {
    return `/batches/${batchId}/datasets/${datasetId}/files/${path}`;
  }

  putFile(batchId: string, datasetId: string, file: UploadedFile): Promise<FileAnswer> {
    return this.send(this.filePath(batchId, datasetId, file.path), {
      method: 'PUT',
      body: file.bytes,
      headers: { 'content-type': file.contentType ?? OCTET_STREAM },
    });
  }

  /** A file action (`INITIALIZE`, `COMPLETE`, `UPLOAD_URL`), with the JSON body it takes (UPLOAD_URL's). */
  fileAction(
    batchId: string,
    datasetId: string,
    path: string,
    action: string,
    json?: unknown,
  ): Promise<FileAnswer> {
    return this.send(`${this.filePath(batchId, datasetId, path)}?action=${action}`, {
      method: 'POST',
      ...(json === undefined ? {} : { json }),
    });
  }

  /** Bytes `[start, end)` of a file of `total` bytes, as a ranged PATCH (HTTP's inclusive end in the header). */
  patchRange(
    batchId: string,
    datasetId: string,
    path: string,
    bytes: Uint8Array,
    range: { start: number; end: number; total: number },
  ): Promise<FileAnswer> {
    return this.send(this.filePath(batchId, datasetId, path), {
      method: 'PATCH',
      body: bytes.subarray(range.start, range.end),
      headers: {
        'content-type': OCTET_STREAM,
        'content-range': `bytes ${range.start}-${range.end - 1}/${range.total}`,
      },
    });
  }

  headFile(batchId: string, datasetId: string, path: string): Promise<FileAnswer> {
    return this.send(this.filePath(batchId, datasetId, path), { method: 'HEAD' });
  }

  /** A batch action (`COMPLETE`, `ABORT`, `FAIL`, `REVERT`). */
  action(batchId: string, action: string): Promise<FileAnswer> {
    return this.send(`/batches/${batchId}?action=${action}`, { method: 'POST' });
  }

  async batch(batchId: string): Promise<FileBatchView> {
    const answer = await this.send(`/catalog/batches/${batchId}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as FileBatchView;
  }

  /** The batch once the workflow has left `loading`, `staging` and `processing` (or `until` holds). */
  waitForBatch(batchId: string, until?: (view: FileBatchView) => boolean): Promise<FileBatchView> {
    return eventually(() => this.batch(batchId), until ?? isDecided);
  }

  /** Creates a batch, uploads its files whole, completes it and waits for the outcome. */
  async ingest(batch: NewBatch, files: readonly UploadedFile[]): Promise<FileBatchView> {
    const batchId = await this.createBatch(batch);
    for (const file of files) {
      const put = await this.putFile(batchId, batch.datasetId, file);
      expect(put.status, JSON.stringify(put.body)).toBe(201);
    }
    const completed = await this.action(batchId, 'COMPLETE');
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    return this.waitForBatch(batchId);
  }

  /** Every failed row of the batch, following the export's pages. */
  async failedRows(batchId: string): Promise<ExportedFailedRow[]> {
    const rows: ExportedFailedRow[] = [];
    let start: string | undefined;
    do {
      const query = start === undefined ? '' : `?start=${encodeURIComponent(start)}`;
      const answer = await this.send(`/export/batches/${batchId}/failed${query}`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const page = answer.body as { items: ExportedFailedRow[]; next?: string };
      rows.push(...page.items);
      start = page.next;
    } while (start !== undefined);
    return rows;
  }

  /** Batches of a dataset as the catalog lists them (newest first). */
  async batchesOf(datasetId: string): Promise<FileBatchView[]> {
    const answer = await this.send(`/catalog/batches?datasetId=${datasetId}&limit=100`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return (answer.body as { items: FileBatchView[] }).items;
  }

  profile(namespace: string, id: string): Promise<FileAnswer> {
    return this.send(`/profiles?entityIdNS=${namespace}&entityId=${encodeURIComponent(id)}`);
  }

  events(namespace: string, id: string): Promise<FileAnswer> {
    return this.send(`/profiles/events?entityIdNS=${namespace}&entityId=${encodeURIComponent(id)}`);
  }
}

/** Error counts by code, for exact comparison (batch-level failures count 0 rows). */
export const errorCounts = (view: FileBatchView): Record<string, number> =>
  Object.fromEntries(view.errors.map((error) => [error.code, error.recordCount]));

/** Failed rows in file order, then row order: the export lists them by chunk, which need not be that order. */
export const inFileOrder = (rows: readonly ExportedFailedRow[]): ExportedFailedRow[] =>
  [...rows].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.row - b.row));
