import { z } from 'zod';
import { MAX_REPLAY_RECORDS, type BatchService } from '../../core/batch-catalog/batch-service';
import { FILE_BATCH_STATUSES } from '../../core/batches/file-batch-types';
import type { RouteMap } from '../api-handler';
import { invalid } from '../../core/errors/domain-error';
import { parseInput } from '../../core/input';
import { onlyQuery, PAGE_QUERY, pageRequest, pathId } from '../input';

/** Statuses of either kind of batch: streaming batches are processing, success or failed. */
const STATUSES = FILE_BATCH_STATUSES;

const ReplayBody = z.strictObject({
  records: z
    .array(z.strictObject({ messageId: z.string().min(1).max(512), record: z.unknown() }))
    .max(MAX_REPLAY_RECORDS)
    .optional(),
});

function statusOf(query: Readonly<Record<string, string>>) {
  const { status } = query;
  if (status === undefined) return {};
  if (!(STATUSES as readonly string[]).includes(status)) {
    const message = `status must be one of ${STATUSES.join(', ')}`;
    throw invalid('invalid-status', message, [{ pointer: '/status', keyword: 'enum', message }]);
  }
  return { status: status as (typeof STATUSES)[number] };
}

export function batchRoutes(deps: { readonly batches: BatchService }): RouteMap {
  return {
    'GET /catalog/batches': async (request) => {
      onlyQuery(request.query, ['datasetId', 'status', ...PAGE_QUERY]);
      const { datasetId } = request.query;
      const query = { ...(datasetId ? { datasetId } : {}), ...statusOf(request.query) };
      return {
        status: 200,
        body: await deps.batches.list(request.sandbox, query, pageRequest(request.query)),
      };
    },
    'GET /catalog/batches/{batchId}': async (request) => ({
      status: 200,
      body: await deps.batches.get(request.sandbox, pathId(request, 'batchId', 'batch')),
    }),
    'GET /export/batches/{batchId}/failed': async (request) => {
      onlyQuery(request.query, PAGE_QUERY);
      return {
        status: 200,
        body: await deps.batches.failed(
          request.sandbox,
          pathId(request, 'batchId', 'batch'),
          pageRequest(request.query),
        ),
      };
    },
    'POST /batches/{batchId}/replay': async (request) => {
      const body = parseInput(ReplayBody, request.body ?? {});
      const outcome = await deps.batches.replay(
        request.sandbox,
        pathId(request, 'batchId', 'batch'),
        body.records ?? [],
      );
      return { status: 202, body: outcome };
    },
  };
}
