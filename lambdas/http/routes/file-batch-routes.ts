/**
 * The file batch routes of Experience Platform's batch import API: create a batch, act on it (`?action=COMPLETE |
 * ABORT | FAIL | REVERT`), preview its first rows. File uploads are in batch-file-routes.ts.
 */
import { z } from 'zod';
import type { FileBatchService } from '../../core/batches/file-batches';
import type { RouteMap } from '../api-handler';
import { InputFormatInput, inputFormatOfQuery } from '../input-format';
import { parseInput } from '../../core/input';
import { pathId } from '../input';
import { invalid } from '../../core/errors/domain-error';

const BATCH_ACTIONS = ['COMPLETE', 'ABORT', 'FAIL', 'REVERT'] as const;

/** A replay names at most this many batches: each is reverted when the replay succeeds. */
const MAX_PREDECESSORS = 100;
const PREVIEW_DEFAULT_ROWS = 5;
const PREVIEW_MAX_ROWS = 100;

const NewBatchBody = z.strictObject({
  datasetId: z.string().min(1).max(128),
  inputFormat: InputFormatInput,
  externalId: z.string().min(1).max(256).optional(),
  // Failed rows are always kept with their reasons (GET /export/batches/{id}/failed): false cannot be honoured.
  enableErrorDiagnostics: z
    .literal(true, { error: 'failed rows are always kept with their reasons; false cannot be honoured' })
    .optional(),
  partialIngestionPercent: z.number().min(0).max(100).optional(),
  replay: z
    .strictObject({
      predecessors: z.array(z.string().min(1).max(128)).min(1).max(MAX_PREDECESSORS),
      reason: z.string().max(1024).optional(),
    })
    .optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
  mappingSetId: z.string().min(1).max(128).optional(),
  mappingSetVersion: z.number().int().positive().optional(),
});

function actionOf(query: Readonly<Record<string, string>>): (typeof BATCH_ACTIONS)[number] {
  const action = query.action?.toUpperCase();
  if (!(BATCH_ACTIONS as readonly string[]).includes(action ?? '')) {
    const message = `action must be one of ${BATCH_ACTIONS.join(', ')}`;
    throw invalid('invalid-action', message, [{ pointer: '/action', keyword: 'enum', message }]);
  }
  return action as (typeof BATCH_ACTIONS)[number];
}

function rowsOf(query: Readonly<Record<string, string>>): number {
  const { nrow } = query;
  if (nrow === undefined) return PREVIEW_DEFAULT_ROWS;
  const rows = /^\d+$/.test(nrow) ? Number(nrow) : NaN;
  if (!(rows >= 1 && rows <= PREVIEW_MAX_ROWS)) {
    const message = `nrow must be an integer from 1 to ${PREVIEW_MAX_ROWS}`;
    throw invalid('invalid-query', message, [{ pointer: '/nrow', keyword: 'range', message }]);
  }
  return rows;
}

export function fileBatchRoutes(deps: { readonly fileBatches: FileBatchService }): RouteMap {
  return {
    'POST /batches': async (request) => {
      const { mappingSetId, mappingSetVersion, ...body } = parseInput(NewBatchBody, request.body);
      if (mappingSetVersion !== undefined && mappingSetId === undefined) {
        const message = 'mappingSetVersion needs a mappingSetId';
        throw invalid('invalid-mapping', message, [
          { pointer: '/mappingSetVersion', keyword: 'dependentRequired', message },
        ]);
      }
      const mapping =
        mappingSetId === undefined
          ? {}
          : {
              mapping: {
                mappingSetId,
                ...(mappingSetVersion !== undefined ? { version: mappingSetVersion } : {}),
              },
            };
      return {
        status: 201,
        body: await deps.fileBatches.create(request.sandbox, { ...body, ...mapping }, { kind: 'api' }),
      };
    },
    'POST /batches/{batchId}': async (request) => {
      const batchId = pathId(request, 'batchId', 'batch');
      const action = actionOf(request.query);
      const { sandbox } = request;
      const acted =
        action === 'COMPLETE'
          ? await deps.fileBatches.complete(sandbox, batchId)
          : action === 'ABORT'
            ? await deps.fileBatches.abort(sandbox, batchId)
            : action === 'FAIL'
              ? await deps.fileBatches.fail(sandbox, batchId)
              : await deps.fileBatches.revert(sandbox, batchId);
      return { status: 200, body: acted };
    },
    'GET /batches/{batchId}/datasets/{datasetId}/preview': async (request) => ({
      status: 200,
      body: await deps.fileBatches.preview(
        request.sandbox,
        pathId(request, 'batchId', 'batch'),
        pathId(request, 'datasetId', 'dataset'),
        inputFormatOfQuery(request.query),
        rowsOf(request.query),
      ),
    }),
  };
}
