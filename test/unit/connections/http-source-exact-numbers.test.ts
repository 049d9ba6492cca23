import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpSourceParams } from '../../../lambdas/core/connections/connection-types';
import { FetchHttpSourceReader } from '../../../lambdas/core/connections/http-source-reader';
import { exactJsonText } from '../../../lambdas/core/exact-json';
import { startSourceServer, type SourceServer } from '../../support/http-source-server';
import { readFile } from '../files/read-file';

describe('HTTP sources: numbers JSON.parse would change', () => {
  let server: SourceServer;

  beforeAll(async () => {
    server = await startSourceServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('are carried as the source sent them, so the batch fails that record by name instead of ingesting another value', async () => {
    // Prepare
    server.answer((_url, _request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"items":[{"id":9007199254740993,"n":[1e400]},{"id":7,"price":0.1}]}');
    });
    const http = new FetchHttpSourceReader({ allowPrivateHosts: true });
    const params: HttpSourceParams = {
      url: `${server.origin}/v1/customers`,
      recordsPath: 'items',
      pagination: { type: 'link' },
    };

    // Act: a page read and written out as the dataflow writes its landing file, then read as a batch reads it
    const page = await http.fetchPage(params, http.firstPage(params), {});
    const lines = page.records.map((record) => `${exactJsonText(record)}\n`).join('');
    const { rows } = await readFile(lines, { format: 'json' });

    // Assess
    expect(lines).toBe('{"id":9007199254740993,"n":[1e400]}\n{"id":7,"price":0.1}\n');
    expect(rows.map((row) => row.error?.violations?.map((violation) => violation.pointer))).toEqual([
      ['/id', '/n/0'],
      undefined,
    ]);
    expect(rows[1]!.record).toEqual({ id: 7, price: 0.1 });
  });
});
