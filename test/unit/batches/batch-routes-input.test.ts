import { describe, expect, it } from 'vitest';
import type { FileBatchService } from '../../../lambdas/core/batches/file-batches';
import type { ApiRequest } from '../../../lambdas/http/api-types';
import { DomainError } from '../../../lambdas/core/errors/domain-error';
import { batchRoutes } from '../../../lambdas/http/routes/batch-routes';
import { fileBatchRoutes } from '../../../lambdas/http/routes/file-batch-routes';

const getRequest = (resource: string, query: Record<string, string>): ApiRequest => ({
  method: 'GET',
  resource,
  path: resource,
  pathParameters: { batchId: 'b-1' },
  query,
  headers: {},
  body: undefined,
  sandbox: 'prod',
  caller: { keyId: 'k', keySandbox: 'prod', scopes: ['read'] },
  requestId: 'r',
  baseUrl: 'http://localhost',
});

describe('batch routes: fields and query parameters are honoured or refused', () => {
  it.each([
    ['GET /catalog/batches', { datasetId: 'ds-1', orderBy: 'desc:created' }, '/orderBy'],
    ['GET /export/batches/{batchId}/failed', { limit: '10', createdAfter: '0' }, '/createdAfter'],
  ] as const)(
    '%s refuses %j, naming %s, instead of answering as if it were absent',
    async (key, query, pointer) => {
      // Prepare
      const asked: string[] = [];
      const batches = new Proxy({}, { get: (_target, name) => async () => asked.push(String(name)) });
      const route = batchRoutes({ batches: batches as never })[key]!;

      // Act
      const problem = await route(getRequest(key.slice(4), query)).catch((error: unknown) => error);

      // Assess
      expect((problem as DomainError).violations).toEqual([expect.objectContaining({ pointer })]);
      expect(asked).toEqual([]);
    },
  );

  it('refuses enableErrorDiagnostics false, since failed rows are always kept with their reasons', async () => {
    // Prepare
    const created: unknown[] = [];
    const fileBatches = {
      create: async (_sandbox: string, input: unknown) => {
        created.push(input);
        return {};
      },
    } as unknown as FileBatchService;
    const route = fileBatchRoutes({ fileBatches })['POST /batches']!;
    const request = (body: unknown): ApiRequest => ({
      method: 'POST',
      resource: '/batches',
      path: '/batches',
      pathParameters: {},
      query: {},
      headers: {},
      body,
      sandbox: 'prod',
      caller: { keyId: 'k', keySandbox: 'prod', scopes: ['ingest'] },
      requestId: 'r',
      baseUrl: 'http://localhost',
    });
    const batch = { datasetId: 'ds-1', inputFormat: { format: 'json' } };

    // Act
    const refused = await route(request({ ...batch, enableErrorDiagnostics: false })).catch(
      (error: unknown) => error,
    );
    const accepted = await route(request({ ...batch, enableErrorDiagnostics: true }));

    // Assess
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).violations).toEqual([
      expect.objectContaining({ pointer: '/enableErrorDiagnostics' }),
    ]);
    expect(accepted.status).toBe(201);
    expect(created).toHaveLength(1);
  });
});
