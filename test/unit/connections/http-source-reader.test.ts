import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  HeaderAuth,
  HttpPage,
  HttpSourceParams,
  PagePosition,
} from '../../../lambdas/core/connections/connection-types';
import { SourceError } from '../../../lambdas/core/connections/connection-types';
import {
  FetchHttpSourceReader,
  MAX_PAGE_BYTES,
  MAX_RETRY_AFTER_MS,
} from '../../../lambdas/core/connections/http-source-reader';
import { json, startSourceServer, type SourceServer } from '../../support/http-source-server';

const SECRET = 'Bearer s3cr3t-t0ken-value';
const AUTH: HeaderAuth = { type: 'header', name: 'Authorization', value: SECRET };

function reader(options: { maxAttempts?: number; timeoutMs?: number } = {}) {
  const sleeps: number[] = [];
  const http = new FetchHttpSourceReader({
    allowPrivateHosts: true,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0,
    ...options,
  });
  return { http, sleeps };
}

async function failure(promise: Promise<unknown>): Promise<SourceError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof SourceError)) throw new Error(`expected a SourceError, got ${String(error)}`);
  return error;
}

/** Every page from the first, as a dataflow run walks them. */
async function allPages(
  http: FetchHttpSourceReader,
  params: HttpSourceParams,
  options: { auth?: HeaderAuth } = {},
): Promise<HttpPage[]> {
  const pages: HttpPage[] = [];
  let position: PagePosition | undefined = http.firstPage(params);
  while (position) {
    const page = await http.fetchPage(params, position, options);
    pages.push(page);
    position = page.next;
  }
  return pages;
}

describe('FetchHttpSourceReader', () => {
  let server: SourceServer;

  beforeAll(async () => {
    server = await startSourceServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('follows a cursor at cursorPath until it is absent, reading records at recordsPath, with the auth header', async () => {
    // Prepare
    const pages: Record<string, unknown> = {
      '': { data: { items: [{ id: 1 }, { id: 2 }] }, meta: { next: 'c2' } },
      c2: { data: { items: [{ id: 3 }] }, meta: { next: 'c3' } },
      c3: { data: { items: [] }, meta: { next: '' } },
    };
    server.answer((url, _request, response) =>
      json(response, 200, pages[url.searchParams.get('cursor') ?? '']),
    );
    const { http } = reader();
    const params: HttpSourceParams = {
      url: `${server.origin}/v1/orders?region=eu`,
      recordsPath: 'data.items',
      pagination: { type: 'cursor', cursorPath: 'meta.next', cursorParam: 'cursor' },
    };

    // Act
    const read = await allPages(http, params, { auth: AUTH });

    // Assess
    expect(read.flatMap((page) => page.records)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(read.map((page) => page.recordsRead)).toEqual([2, 1, 0]);
    expect(server.requests.map((request) => request.url.search)).toEqual([
      '?region=eu',
      '?region=eu&cursor=c2',
      '?region=eu&cursor=c3',
    ]);
    expect(server.requests.every((request) => request.headers.authorization === SECRET)).toBe(true);
    expect(read[0]?.bytes).toBeGreaterThan(0);
  });

  it('stops a cursor that does not move, rather than reading the same page forever', async () => {
    // Prepare
    server.answer((_url, _request, response) => json(response, 200, { items: [{ id: 1 }], next: 'same' }));
    const { http } = reader();
    const params: HttpSourceParams = {
      url: `${server.origin}/items`,
      recordsPath: 'items',
      pagination: { type: 'cursor', cursorPath: 'next', cursorParam: 'cursor' },
    };

    // Act
    const read = await allPages(http, params);

    // Assess
    expect(read).toHaveLength(2);
  });

  it('numbers pages with pageParam and sizeParam from 1, stopping after an empty page', async () => {
    // Prepare
    const rows = [[{ id: 1 }, { id: 2 }], [{ id: 3 }, { id: 4 }], [{ id: 5 }], []];
    server.answer((url, _request, response) =>
      json(response, 200, rows[Number(url.searchParams.get('page')) - 1] ?? []),
    );
    const { http } = reader();
    const params: HttpSourceParams = {
      url: `${server.origin}/people`,
      pagination: { type: 'page', pageParam: 'page', sizeParam: 'per_page', size: 2 },
    };

    // Act
    const read = await allPages(http, params);

    // Assess
    expect(read.flatMap((page) => page.records).map((record) => record.id)).toEqual([1, 2, 3, 4, 5]);
    expect(server.requests.map((request) => request.url.search)).toEqual([
      '?page=1&per_page=2',
      '?page=2&per_page=2',
      '?page=3&per_page=2',
      '?page=4&per_page=2',
    ]);
    expect(read.at(-1)?.next).toBeUndefined();
  });

  it('follows the Link header rel="next", resolved against the URL that answered, among other relations', async () => {
    // Prepare
    server.answer((url, _request, response) => {
      const after = Number(url.searchParams.get('after') ?? 0);
      const link =
        after < 4
          ? `<${server.origin}/first>; rel="first", </api/events?after=${after + 2}>; rel="next last"`
          : '</api/events>; rel="first"';
      json(response, 200, [{ n: after + 1 }, { n: after + 2 }], { link });
    });
    const { http } = reader();
    const params: HttpSourceParams = { url: `${server.origin}/api/events`, pagination: { type: 'link' } };

    // Act
    const read = await allPages(http, params);

    // Assess
    expect(read.flatMap((page) => page.records).map((record) => record.n)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(read.map((page) => page.next?.page)).toEqual([2, 3, undefined]);
    expect(read[1]?.next?.url).toBe(`${server.origin}/api/events?after=4`);
  });

  it('refuses a page whose recordsPath is not an array of objects', async () => {
    // Prepare
    const { http } = reader();
    const params = (recordsPath: string): HttpSourceParams => ({
      url: `${server.origin}/x`,
      recordsPath,
      pagination: { type: 'link' },
    });

    // Act
    server.answer((_url, _request, response) => json(response, 200, { data: { items: { id: 1 } } }));
    const notArray = await failure(
      http.fetchPage(params('data.items'), http.firstPage(params('data.items')), {}),
    );
    const missing = await failure(
      http.fetchPage(params('data.rows'), http.firstPage(params('data.rows')), {}),
    );
    server.answer((_url, _request, response) => json(response, 200, { data: [{ id: 1 }, 2] }));
    const notObjects = await failure(http.fetchPage(params('data'), http.firstPage(params('data')), {}));

    // Assess
    expect([notArray.code, missing.code, notObjects.code]).toEqual([
      'records-not-found',
      'records-not-found',
      'records-not-found',
    ]);
    expect(notObjects.message).toContain('item 1');
    expect(notArray.retryable).toBe(false);
  });

  it('sends where the pull starts as deltaParam, and answers every record of the page for the pull to filter', async () => {
    // Prepare
    server.answer((_url, _request, response) =>
      json(response, 200, {
        records: [
          { id: 'a', updatedAt: '2024-01-01T00:00:00Z' },
          { id: 'b', updatedAt: '2024-01-02T00:00:00Z' },
          { id: 'd' },
        ],
      }),
    );
    const { http } = reader();
    const params: HttpSourceParams = {
      url: `${server.origin}/changes`,
      recordsPath: 'records',
      pagination: { type: 'link' },
      incremental: { deltaColumn: 'updatedAt', deltaParam: 'since' },
    };

    // Act
    const page = await http.fetchPage(params, http.firstPage(params, '2024-01-02T00:00:00Z'), {});
    const first = await http.fetchPage(params, http.firstPage(params), {});
    const numeric = http.firstPage(params, 10);

    // Assess
    expect(server.requests[0]?.url.searchParams.get('since')).toBe('2024-01-02T00:00:00Z');
    expect(server.requests[1]?.url.searchParams.has('since')).toBe(false);
    expect(new URL(numeric.url).searchParams.get('since')).toBe('10');
    expect(page.records.map((record) => record.id)).toEqual(['a', 'b', 'd']);
    expect(page.recordsRead).toBe(3);
    expect(first.records).toHaveLength(3);
  });

  it('retries a 500 with exponential backoff, then reads the page', async () => {
    // Prepare
    let calls = 0;
    server.answer((_url, _request, response) => {
      calls += 1;
      if (calls < 3) json(response, 500, { error: 'busy' });
      else json(response, 200, [{ id: 1 }]);
    });
    const { http, sleeps } = reader();
    const params: HttpSourceParams = { url: `${server.origin}/flaky`, pagination: { type: 'link' } };

    // Act
    const page = await http.fetchPage(params, http.firstPage(params), {});

    // Assess
    expect(page.records).toEqual([{ id: 1 }]);
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toEqual([250, 500]);
  });

  it('waits what a 429 Retry-After asks, and fails as retryable when it asks for too long', async () => {
    // Prepare
    let calls = 0;
    server.answer((_url, _request, response) => {
      calls += 1;
      if (calls === 1) json(response, 429, {}, { 'retry-after': '2' });
      else if (calls === 2) json(response, 200, [{ id: 1 }]);
      else json(response, 429, {}, { 'retry-after': String(MAX_RETRY_AFTER_MS / 1000 + 1) });
    });
    const { http, sleeps } = reader();
    const params: HttpSourceParams = { url: `${server.origin}/limited`, pagination: { type: 'link' } };

    // Act
    const page = await http.fetchPage(params, http.firstPage(params), {});
    const error = await failure(http.fetchPage(params, http.firstPage(params), {}));

    // Assess
    expect(page.records).toHaveLength(1);
    expect(sleeps).toEqual([2000]);
    expect(error).toMatchObject({ code: 'http-429', retryable: true });
    expect(error.message).toContain('retry after 61 s');
  });

  it('gives up after maxAttempts on a server that keeps failing, as retryable', async () => {
    // Prepare
    server.answer((_url, _request, response) => json(response, 503, {}));
    const { http, sleeps } = reader({ maxAttempts: 3 });
    const params: HttpSourceParams = { url: `${server.origin}/down`, pagination: { type: 'link' } };

    // Act
    const error = await failure(http.fetchPage(params, http.firstPage(params), {}));

    // Assess
    expect(error).toMatchObject({ code: 'http-503', retryable: true });
    expect(error.message).toContain('after 3 attempts');
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('does not retry a 404, and says so with the status', async () => {
    // Prepare
    server.answer((_url, _request, response) => json(response, 404, { error: 'no such thing' }));
    const { http, sleeps } = reader();
    const params: HttpSourceParams = { url: `${server.origin}/missing`, pagination: { type: 'link' } };

    // Act
    const error = await failure(http.fetchPage(params, http.firstPage(params), {}));

    // Assess
    expect(error).toMatchObject({ code: 'http-404', retryable: false });
    expect(error.message).toBe('GET 127.0.0.1:' + new URL(server.origin).port + '/missing answered 404');
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('refuses a body that is not JSON', async () => {
    // Prepare
    server.answer((_url, _request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>maintenance</html>');
    });
    const { http } = reader();
    const params: HttpSourceParams = { url: `${server.origin}/html`, pagination: { type: 'link' } };

    // Act
    const error = await failure(http.fetchPage(params, http.firstPage(params), {}));

    // Assess
    expect(error).toMatchObject({ code: 'invalid-json', retryable: false });
  });

  it('reads a page that starts with a byte order mark, and refuses a position that is not a URL', async () => {
    // Prepare
    server.answer((_url, _request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('\uFEFF[{"id":1}]');
    });
    const { http, sleeps } = reader();
    const params: HttpSourceParams = { url: `${server.origin}/bom`, pagination: { type: 'link' } };

    // Act
    const page = await http.fetchPage(params, http.firstPage(params), {});
    const error = await failure(http.fetchPage(params, { url: 'not a url', page: 2 }, {}));

    // Assess
    expect(page.records).toEqual([{ id: 1 }]);
    expect(error).toMatchObject({ code: 'invalid-url', retryable: false });
    expect(sleeps).toEqual([]);
  });

  it('refuses a page over MAX_PAGE_BYTES, by its length header or while reading a chunked body', async () => {
    // Prepare
    const big = Buffer.alloc(MAX_PAGE_BYTES + 1, 0x20);
    const { http } = reader();
    const params: HttpSourceParams = { url: `${server.origin}/big`, pagination: { type: 'link' } };

    // Act
    server.answer((_url, _request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(big.length) });
      response.end(big);
    });
    const declared = await failure(http.fetchPage(params, http.firstPage(params), {}));
    server.answer((_url, _request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      for (let start = 0; start < big.length; start += 1024 * 1024) {
        response.write(big.subarray(start, start + 1024 * 1024));
      }
      response.end();
    });
    const streamed = await failure(http.fetchPage(params, http.firstPage(params), {}));

    // Assess
    expect(declared).toMatchObject({ code: 'page-too-large', retryable: false });
    expect(streamed).toMatchObject({ code: 'page-too-large', retryable: false });
  });

  it('times out a request that does not answer in time, and retries it', async () => {
    // Prepare
    server.answer(() => {
      // never answers; the server closes the connection when the test ends
    });
    const { http, sleeps } = reader({ timeoutMs: 100, maxAttempts: 2 });
    const params: HttpSourceParams = { url: `${server.origin}/slow`, pagination: { type: 'link' } };

    // Act
    const error = await failure(http.fetchPage(params, http.firstPage(params), {}));

    // Assess
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });

  it('answers unreachable, as retryable, when nothing listens', async () => {
    // Prepare
    const closed = await startSourceServer();
    const url = `${closed.origin}/gone`;
    await closed.close();
    const { http } = reader({ maxAttempts: 2 });
    const params: HttpSourceParams = { url, pagination: { type: 'link' } };

    // Act
    const error = await failure(http.fetchPage(params, http.firstPage(params), {}));

    // Assess
    expect(error).toMatchObject({ code: 'unreachable', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('never puts the auth header or the query in a message, even when the server echoes them', async () => {
    // Prepare
    const echo =
      (status: number) => (url: URL, request: { headers: object }, response: Parameters<typeof json>[0]) =>
        json(response, status, { echoed: request.headers, url: url.toString() });
    const { http } = reader({ maxAttempts: 2 });
    const params: HttpSourceParams = {
      url: `${server.origin}/v1/secret-echo?api_key=${encodeURIComponent(SECRET)}`,
      recordsPath: 'nowhere',
      pagination: { type: 'link' },
    };
    const errors: SourceError[] = [];

    // Act
    for (const status of [200, 401, 500]) {
      server.answer(echo(status));
      errors.push(await failure(http.fetchPage(params, http.firstPage(params), { auth: AUTH })));
    }

    // Assess
    expect(errors.map((error) => error.code)).toEqual(['records-not-found', 'http-401', 'http-500']);
    for (const error of errors) {
      expect(error.message).not.toContain('s3cr3t');
      expect(error.message).not.toContain('api_key');
      expect(error.message).toContain('/v1/secret-echo');
    }
  });

  it('keeps the auth header on a redirect within the origin and drops it on one to another origin', async () => {
    // Prepare
    const other = await startSourceServer();
    other.answer((_url, _request, response) => json(response, 200, [{ from: 'other' }]));
    server.answer((url, _request, response) => {
      if (url.pathname === '/moved') {
        response.writeHead(302, { location: '/here' });
        response.end();
      } else if (url.pathname === '/away') {
        response.writeHead(307, { location: `${other.origin}/there` });
        response.end();
      } else json(response, 200, [{ from: 'here' }]);
    });
    const { http } = reader();
    const within: HttpSourceParams = { url: `${server.origin}/moved`, pagination: { type: 'link' } };
    const away: HttpSourceParams = { url: `${server.origin}/away`, pagination: { type: 'link' } };

    // Act
    const same = await http.fetchPage(within, http.firstPage(within), { auth: AUTH });
    const elsewhere = await http.fetchPage(away, http.firstPage(away), { auth: AUTH });
    await other.close();

    // Assess
    expect(same.records).toEqual([{ from: 'here' }]);
    expect(server.requests.find((request) => request.url.pathname === '/here')?.headers.authorization).toBe(
      SECRET,
    );
    expect(elsewhere.records).toEqual([{ from: 'other' }]);
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('refuses a loopback URL before any request when private hosts are not allowed', async () => {
    // Prepare
    server.answer((_url, _request, response) => json(response, 200, []));
    const http = new FetchHttpSourceReader({ allowPrivateHosts: false });
    const params: HttpSourceParams = { url: `${server.origin}/local`, pagination: { type: 'link' } };

    // Act
    const error = await failure(http.fetchPage(params, http.firstPage(params), {}));

    // Assess
    expect(error).toMatchObject({ code: 'forbidden-address', retryable: false });
    expect(server.requests).toHaveLength(0);
  });
});
