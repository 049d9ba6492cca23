import { describe, expect, it } from 'vitest';
import type { FileBatchService } from '../../../lambdas/core/batches/file-batches';
import type { ApiRequest } from '../../../lambdas/http/api-types';
import { HttpProblem } from '../../../lambdas/http/problem';
import { fileBatchRoutes } from '../../../lambdas/http/routes/file-batch-routes';

describe('POST /batches: fields are honoured or refused', () => {
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
    expect(refused).toBeInstanceOf(HttpProblem);
    expect((refused as HttpProblem).violations).toEqual([
      expect.objectContaining({ pointer: '/enableErrorDiagnostics' }),
    ]);
    expect(accepted.status).toBe(201);
    expect(created).toHaveLength(1);
  });
});
