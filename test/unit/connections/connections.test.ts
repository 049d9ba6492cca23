import { domainErrorOf } from '../../support/domain-error';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpSourceParams, S3SourceParams } from '../../../lambdas/core/connections/connection-types';
import { SourceError } from '../../../lambdas/core/connections/connection-types';
import type { NewConnection } from '../../../lambdas/core/connections/connections';
import { inferColumns } from '../../../lambdas/core/connections/source-preview';
import { FetchHttpSourceReader } from '../../../lambdas/core/connections/http-source-reader';
import { json, startSourceServer, type SourceServer } from '../../support/http-source-server';
import { connectionService, SECRET_PREFIX } from './memory-connections';

const SANDBOX = 'prod';
const TOKEN = 'Bearer tok-3e1b9f0c';

const s3Params: S3SourceParams = {
  bucket: 'partner-drops',
  prefix: 'exports',
  filePattern: '*.csv',
  inputFormat: { format: 'csv' },
};

const s3Connection: NewConnection = { name: 'Partner drops', type: 's3', params: s3Params };

function httpConnection(url: string, token = TOKEN): NewConnection {
  return {
    name: 'Orders API',
    type: 'http',
    params: {
      url,
      recordsPath: 'items',
      pagination: { type: 'cursor', cursorPath: 'next', cursorParam: 'cursor' },
    },
    auth: { type: 'header', name: 'Authorization', value: token },
  };
}

describe('ConnectionService', () => {
  let server: SourceServer;
  const http = new FetchHttpSourceReader({ allowPrivateHosts: true, sleep: async () => undefined });

  beforeAll(async () => {
    server = await startSourceServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('keeps an HTTP connection secret in the secret store, under the prefix, sandbox and id', async () => {
    // Prepare
    const { service, secrets } = connectionService();

    // Act
    const created = await service.create(SANDBOX, httpConnection('https://api.example.com/orders'), 'key-1');
    const auth = await service.authOf(created);

    // Assess
    expect(created).toMatchObject({
      sandbox: SANDBOX,
      name: 'Orders API',
      type: 'http',
      auth: { type: 'header', name: 'Authorization' },
      createdBy: 'key-1',
      createdAt: '2024-06-01T12:00:00.000Z',
    });
    expect(JSON.stringify(created)).not.toContain(TOKEN);
    expect(secrets.names.get(created.secretRef ?? '')).toBe(`${SECRET_PREFIX}prod/${created.id}`);
    expect(auth).toEqual({ type: 'header', name: 'Authorization', value: TOKEN });
  });

  it('creates an S3 connection without a secret, and answers 404 for an unknown id', async () => {
    // Prepare
    const { service, secrets } = connectionService();

    // Act
    const created = await service.create(SANDBOX, s3Connection, 'key-1');
    const read = await service.get(SANDBOX, created.id);
    const missing = await domainErrorOf(service.get(SANDBOX, 'nope'));
    const otherSandbox = await domainErrorOf(service.get('dev', created.id));

    // Assess
    expect(read).toEqual(created);
    expect(created.secretRef).toBeUndefined();
    expect(await service.authOf(created)).toBeUndefined();
    expect(secrets.values.size).toBe(0);
    expect([missing.kind, otherSandbox.kind]).toEqual(['not-found', 'not-found']);
  });

  it('removes the secret again when the connection cannot be stored', async () => {
    // Prepare
    const { service, store, secrets } = connectionService();
    store.failNextCreate = true;

    // Act
    const error = await service
      .create(SANDBOX, httpConnection('https://api.example.com/'), 'k')
      .catch((thrown: unknown) => thrown);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(secrets.everStored).toEqual([TOKEN]);
    expect(secrets.values.size).toBe(0);
  });

  it('updates fields, replaces the secret value in place, and drops the secret with auth: null', async () => {
    // Prepare
    const { service, secrets } = connectionService();
    const created = await service.create(SANDBOX, httpConnection('https://api.example.com/'), 'k');
    const params: HttpSourceParams = { url: 'https://api.example.com/v2', pagination: { type: 'link' } };

    // Act
    const renamed = await service.update(SANDBOX, created.id, { name: 'Orders v2', params });
    const rotated = await service.update(SANDBOX, created.id, {
      auth: { type: 'header', name: 'X-Api-Key', value: 'new-key-77' },
    });
    const value = await secrets.read(created.secretRef ?? '');
    const cleared = await service.update(SANDBOX, created.id, { auth: null });

    // Assess
    expect(renamed).toMatchObject({
      name: 'Orders v2',
      params,
      revision: 2,
      auth: { name: 'Authorization' },
    });
    expect(rotated.secretRef).toBe(created.secretRef);
    expect(rotated.auth).toEqual({ type: 'header', name: 'X-Api-Key' });
    expect(value).toBe('new-key-77');
    expect(cleared.auth).toBeUndefined();
    expect(cleared.secretRef).toBeUndefined();
    expect(secrets.values.size).toBe(0);
  });

  it('creates a secret for a connection that had no auth, and refuses auth on S3', async () => {
    // Prepare
    const { service, secrets } = connectionService();
    const plain = await service.create(
      SANDBOX,
      {
        name: 'Plain API',
        type: 'http',
        params: { url: 'https://a.example.com/', pagination: { type: 'link' } },
      },
      'k',
    );
    const bucket = await service.create(SANDBOX, s3Connection, 'k');

    // Act
    const withAuth = await service.update(SANDBOX, plain.id, {
      auth: { type: 'header', name: 'X-Key', value: 'v-1' },
    });
    const s3Auth = await domainErrorOf(
      service.update(SANDBOX, bucket.id, { auth: { type: 'header', name: 'X-Key', value: 'v-2' } }),
    );

    // Assess
    expect(withAuth.secretRef).toBeDefined();
    expect(secrets.names.get(withAuth.secretRef ?? '')).toBe(`${SECRET_PREFIX}prod/${plain.id}`);
    expect(s3Auth).toMatchObject({ kind: 'invalid', code: 'auth-not-supported' });
    expect(s3Auth.violations?.[0]?.pointer).toBe('/auth');
  });

  it('answers 409 concurrent-update when another update won the race', async () => {
    // Prepare
    const { service, store } = connectionService();
    const created = await service.create(SANDBOX, s3Connection, 'k');
    const realGet = store.get;
    // Every read sees the original revision, as a request that read before another's write would.
    store.get = async (sandbox, id) => (id === created.id ? created : realGet(sandbox, id));
    await service.update(SANDBOX, created.id, { name: 'first' });

    // Act
    const error = await domainErrorOf(service.update(SANDBOX, created.id, { name: 'second' }));

    // Assess
    expect(error).toMatchObject({ kind: 'conflict', code: 'concurrent-update' });
  });

  it('refuses to delete a connection a dataflow uses; otherwise removes it and its secret', async () => {
    // Prepare
    const used = new Set<string>();
    const { service, secrets } = connectionService({ inUse: async (_sandbox, id) => used.has(id) });
    const created = await service.create(SANDBOX, httpConnection('https://api.example.com/'), 'k');
    used.add(created.id);

    // Act
    const refused = await domainErrorOf(service.delete(SANDBOX, created.id));
    const keptSecret = secrets.values.size;
    used.delete(created.id);
    await service.delete(SANDBOX, created.id);
    const gone = await domainErrorOf(service.get(SANDBOX, created.id));
    const again = await domainErrorOf(service.delete(SANDBOX, created.id));

    // Assess
    expect(refused).toMatchObject({ kind: 'conflict', code: 'connection-in-use' });
    expect(keptSecret).toBe(1);
    expect(secrets.values.size).toBe(0);
    expect([gone.kind, again.kind]).toEqual(['not-found', 'not-found']);
  });

  it('tests an S3 connection by listing the oldest object a pull would read, and reports a failure as its answer', async () => {
    // Prepare
    const { service, s3 } = connectionService();
    const created = await service.create(SANDBOX, s3Connection, 'k');
    const emptyAnswer = await service.test(SANDBOX, created.id);
    s3.put('exports/b.csv', 'id\n2\n', '2024-01-02T00:00:00.000Z');
    s3.put('exports/a.csv', 'id\n1\n', '2024-01-01T00:00:00.000Z');
    s3.put('exports/notes.txt', 'x', '2023-01-01T00:00:00.000Z');

    // Act
    const found = await service.test(SANDBOX, created.id);
    s3.failure = new SourceError(
      'access-denied',
      's3://partner-drops/exports/: access denied (AccessDenied)',
      false,
    );
    const failed = await service.test(SANDBOX, created.id);

    // Assess
    expect(emptyAnswer).toEqual({
      status: 'ok',
      message: 'listed s3://partner-drops/exports/: no object to read yet',
    });
    expect(found).toMatchObject({ status: 'ok', firstObject: { key: 'exports/a.csv', size: 5 } });
    expect(failed).toEqual({
      status: 'failed',
      code: 'access-denied',
      message: 's3://partner-drops/exports/: access denied (AccessDenied)',
      retryable: false,
    });
  });

  it("checks an S3 connection's source against the sandbox's grant on every change and every read", async () => {
    // Prepare
    const { service, s3, sourceAccess, readGrants } = connectionService();
    s3.put('exports/a.csv', 'id\n1\n');
    const created = await service.create(SANDBOX, s3Connection, 'k');
    const elsewhere = await domainErrorOf(service.create('dev', s3Connection, 'k'));
    const moved = await domainErrorOf(
      service.update(SANDBOX, created.id, { params: { ...s3Params, bucket: 'shared-drop' } }),
    );
    const tested = await service.test(SANDBOX, created.id);

    // Act
    sourceAccess.grant(SANDBOX, {
      locations: [{ bucket: 'partner-drops', prefix: 'imports' }],
      roleArns: [],
    });
    const retested = await service.test(SANDBOX, created.id);
    const explored = await domainErrorOf(service.explore(SANDBOX, created.id, { preview: false, rows: 10 }));

    // Assess
    expect(elsewhere).toMatchObject({ kind: 'invalid', code: 'bucket-not-allowed' });
    expect(elsewhere.violations?.[0]?.pointer).toBe('/params/bucket');
    expect(moved).toMatchObject({ kind: 'invalid', code: 'bucket-not-allowed' });
    expect(tested).toMatchObject({ status: 'ok', firstObject: { key: 'exports/a.csv' } });
    expect(readGrants).toEqual([
      {
        sandbox: SANDBOX,
        rules: { locations: [{ bucket: 'partner-drops' }], roleArns: [] },
        partition: 'aws',
      },
    ]);
    expect(retested).toMatchObject({ status: 'failed', code: 'prefix-not-allowed', retryable: false });
    expect(explored).toMatchObject({ kind: 'forbidden', code: 'prefix-not-allowed' });
  });

  it('tests an HTTP connection by fetching its first page with the secret header', async () => {
    // Prepare
    const { service } = connectionService({ http });
    server.answer((_url, request, response) =>
      request.headers.authorization === TOKEN
        ? json(response, 200, { items: [{ id: 1 }, { id: 2 }], next: 'c2' })
        : json(response, 401, {}),
    );
    const good = await service.create(SANDBOX, httpConnection(`${server.origin}/orders`), 'k');
    const bad = await service.create(SANDBOX, httpConnection(`${server.origin}/orders`, 'Bearer wrong'), 'k');

    // Act
    const ok = await service.test(SANDBOX, good.id);
    const refused = await service.test(SANDBOX, bad.id);

    // Assess
    expect(ok).toMatchObject({ status: 'ok', recordsRead: 2, hasNextPage: true });
    expect(ok.message).toBe(`fetched the first page of ${new URL(server.origin).host}/orders: 2 records`);
    expect(refused).toMatchObject({ status: 'failed', code: 'http-401', retryable: false });
  });

  it("explores an S3 connection's folders like Experience Platform, and only within its prefix", async () => {
    // Prepare
    const { service, s3 } = connectionService();
    const created = await service.create(SANDBOX, s3Connection, 'k');
    s3.put('exports/a.csv', 'id\n1\n');
    s3.put('exports/empty.csv', '');
    s3.put('exports/2024/b.csv', 'id\n2\n');
    s3.put('other/c.csv', 'id\n3\n');

    // Act
    const root = await service.explore(SANDBOX, created.id, { preview: false, rows: 5 });
    const folder = await service.explore(SANDBOX, created.id, {
      object: 'exports/2024',
      preview: false,
      rows: 5,
    });
    const outside = await domainErrorOf(
      service.explore(SANDBOX, created.id, { object: 'other/', preview: false, rows: 5 }),
    );

    // Assess
    expect(root).toEqual({
      kind: 'listing',
      truncated: false,
      entries: [
        { type: 'folder', name: '2024', path: 'exports/2024/', canPreview: false, canFetchSchema: false },
        expect.objectContaining({
          type: 'file',
          name: 'a.csv',
          path: 'exports/a.csv',
          canPreview: true,
          selected: true,
        }),
        expect.objectContaining({
          name: 'empty.csv',
          canPreview: false,
          canFetchSchema: false,
          selected: false,
        }),
      ],
    });
    expect(folder).toMatchObject({
      kind: 'listing',
      entries: [{ path: 'exports/2024/b.csv', selected: true }],
    });
    expect(outside).toMatchObject({ kind: 'invalid', code: 'object-outside-connection' });
  });

  it('previews the first rows of an S3 file with the batch readers, in its format or the one asked for', async () => {
    // Prepare
    const { service, s3 } = connectionService();
    const created = await service.create(SANDBOX, s3Connection, 'k');
    s3.put('exports/people.csv', 'id;person.name\n1;Ann\n2;Bo\n3;Cy\n');
    s3.put('exports/empty.csv', '');

    // Act
    const asConfigured = await service.explore(SANDBOX, created.id, {
      object: 'exports/people.csv',
      preview: true,
      rows: 2,
    });
    const semicolons = await service.explore(SANDBOX, created.id, {
      object: 'exports/people.csv',
      preview: true,
      rows: 2,
      format: { format: 'csv', delimiter: ';' },
    });
    const empty = await domainErrorOf(
      service.explore(SANDBOX, created.id, { object: 'exports/empty.csv', preview: true, rows: 2 }),
    );
    const missing = await domainErrorOf(
      service.explore(SANDBOX, created.id, { object: 'exports/x.csv', preview: true, rows: 2 }),
    );
    const noObject = await domainErrorOf(service.explore(SANDBOX, created.id, { preview: true, rows: 2 }));

    // Assess
    expect(asConfigured).toMatchObject({
      kind: 'preview',
      format: 'delimited',
      schema: { columns: [{ name: 'id;person.name' }] },
    });
    expect(semicolons).toEqual({
      kind: 'preview',
      format: 'delimited',
      path: 'exports/people.csv',
      schema: {
        columns: [
          { name: 'id', type: 'string' },
          { name: 'person.name', type: 'string' },
        ],
      },
      data: [
        { id: '1', person: { name: 'Ann' } },
        { id: '2', person: { name: 'Bo' } },
      ],
    });
    expect(empty).toMatchObject({ kind: 'unprocessable', code: 'empty-file' });
    expect(missing).toMatchObject({ kind: 'upstream-failed', code: 'object-not-found' });
    expect(noObject).toMatchObject({ kind: 'invalid', code: 'invalid-query' });
  });

  it("explores an HTTP connection's first page: the first records and their columns", async () => {
    // Prepare
    const { service } = connectionService({ http });
    server.answer((_url, _request, response) =>
      json(response, 200, {
        items: [
          { id: 1, name: 'Ann', score: 1.5, tags: ['a'] },
          { id: 2, name: null, score: 2, address: { city: 'Oslo' } },
          { id: 3, name: 7 },
        ],
      }),
    );
    const created = await service.create(SANDBOX, httpConnection(`${server.origin}/people`), 'k');

    // Act
    const answer = await service.explore(SANDBOX, created.id, { preview: true, rows: 2 });

    // Assess
    expect(answer).toEqual({
      kind: 'preview',
      format: 'json',
      schema: {
        columns: [
          { name: 'id', type: 'integer' },
          { name: 'name', type: 'string' },
          { name: 'score', type: 'number' },
          { name: 'tags', type: 'array' },
          { name: 'address', type: 'object' },
        ],
      },
      data: [
        { id: 1, name: 'Ann', score: 1.5, tags: ['a'] },
        { id: 2, name: null, score: 2, address: { city: 'Oslo' } },
      ],
      recordsRead: 3,
      hasNextPage: false,
    });
  });

  it('infers null and mixed column types', () => {
    // Act
    const columns = inferColumns([{ a: null, b: 1 }, { b: 'x' }]);

    // Assess
    expect(columns).toEqual([
      { name: 'a', type: 'null' },
      { name: 'b', type: 'mixed' },
    ]);
  });
});
