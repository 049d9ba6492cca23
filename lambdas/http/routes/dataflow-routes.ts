/**
 * Dataflows and their runs (Experience Platform's Flow Service flows and runs): create, list, read, change and
 * delete a flow; run it now, re-trigger a failed run (`?action=retrigger`, or Experience Platform's `re-trigger`),
 * list a flow's runs newest first and read one.
 */
import { z } from 'zod';
import type { DataflowService } from '../../core/dataflows/dataflows';
import { SCHEDULE_FREQUENCIES } from '../../core/dataflows/dataflow-types';
import type { FlowRunService } from '../../core/dataflows/flow-runs';
import type { ChangedDataflow } from '../../core/dataflows/dataflows';
import { dataflowView, runView } from '../../core/dataflows/run-view';
import type { RouteMap } from '../api-handler';
import type { ApiRequest } from '../api-types';
import { displayText, parseInput } from '../../core/input';
import { pageRequest, pathId, requireCaller } from '../input';
import { invalid } from '../../core/errors/domain-error';

const Id = z.string().min(1).max(128);
/** URLs longer than this are refused by many servers and proxies anyway. */
const MAX_URL_LENGTH = 2048;

const ScheduleBody = z.strictObject({
  frequency: z.enum(SCHEDULE_FREQUENCIES),
  // Experience Platform's examples send numbers as strings ("interval": "15"); the service checks the values.
  interval: z.union([z.number(), z.string().max(16)]).optional(),
  startTime: z.union([z.number(), z.string().max(64)]).optional(),
  backfill: z.boolean().optional(),
});

const webhookUrl = z
  .url({ protocol: /^https?$/ })
  .max(MAX_URL_LENGTH)
  .optional();

const NotificationsBody = z.strictObject({ webhookUrl });

/** A PATCH may also replace the webhook's signing secret: the new one is answered once. */
const NotificationsPatchBody = z.strictObject({ webhookUrl, rotateSecret: z.boolean().optional() });

const NewDataflowBody = z.strictObject({
  name: displayText(256),
  description: z.string().max(4096).optional(),
  connectionId: Id,
  datasetId: Id,
  mappingSetId: Id.optional(),
  mappingSetVersion: z.number().int().min(1).optional(),
  schedule: ScheduleBody.optional(),
  enabled: z.boolean().optional(),
  notifications: NotificationsBody.optional(),
});

const DataflowPatchBody = z.strictObject({
  name: displayText(256).optional(),
  description: z.string().max(4096).optional(),
  enabled: z.boolean().optional(),
  schedule: ScheduleBody.nullable().optional(),
  mappingSetId: Id.nullable().optional(),
  mappingSetVersion: z.number().int().min(1).optional(),
  notifications: NotificationsPatchBody.nullable().optional(),
});

/** A flow just created or changed: with its webhook's signing secret, the one time it is answered. */
function changedView(flow: ChangedDataflow) {
  const { signingSecret, ...stored } = flow;
  const view = dataflowView(stored);
  return signingSecret === undefined
    ? view
    : { ...view, notifications: { ...view.notifications, signingSecret } };
}

const RETRIGGER_ACTIONS = ['retrigger', 're-trigger'];

function checkRetrigger(query: Readonly<Record<string, string>>): void {
  const action = (query.action ?? query.op)?.toLowerCase();
  if (action === undefined || !RETRIGGER_ACTIONS.includes(action)) {
    const message = 'action must be retrigger';
    throw invalid('invalid-action', message, [{ pointer: '/action', keyword: 'enum', message }]);
  }
}

export function dataflowRoutes(deps: {
  readonly dataflows: DataflowService;
  readonly runs: FlowRunService;
}): RouteMap {
  const flowId = (request: ApiRequest) => pathId(request, 'dataflowId', 'dataflow');
  return {
    'POST /dataflows': async (request) => {
      const input = parseInput(NewDataflowBody, request.body);
      const flow = await deps.dataflows.create(request.sandbox, input, requireCaller(request).keyId);
      return { status: 201, body: changedView(flow) };
    },
    'GET /dataflows': async (request) => {
      const page = await deps.dataflows.list(request.sandbox, pageRequest(request.query));
      return { status: 200, body: { ...page, items: page.items.map(dataflowView) } };
    },
    'GET /dataflows/{dataflowId}': async (request) => ({
      status: 200,
      body: dataflowView(await deps.dataflows.get(request.sandbox, flowId(request))),
    }),
    'PATCH /dataflows/{dataflowId}': async (request) => {
      const patch = parseInput(DataflowPatchBody, request.body);
      return {
        status: 200,
        body: changedView(await deps.dataflows.update(request.sandbox, flowId(request), patch)),
      };
    },
    'DELETE /dataflows/{dataflowId}': async (request) => {
      await deps.dataflows.delete(request.sandbox, flowId(request));
      return { status: 204 };
    },
    'POST /dataflows/{dataflowId}/runs': async (request) => {
      const run = await deps.runs.runNow(request.sandbox, flowId(request));
      return { status: 202, body: { id: run.id, runId: run.id, status: run.status } };
    },
    'GET /dataflows/{dataflowId}/runs': async (request) => {
      const page = await deps.runs.list(request.sandbox, flowId(request), pageRequest(request.query));
      return { status: 200, body: { ...page, items: page.items.map(runView) } };
    },
    'GET /dataflows/{dataflowId}/runs/{runId}': async (request) => ({
      status: 200,
      body: runView(await deps.runs.get(request.sandbox, flowId(request), pathId(request, 'runId', 'run'))),
    }),
    'POST /dataflows/{dataflowId}/runs/{runId}': async (request) => {
      checkRetrigger(request.query);
      const run = await deps.runs.retrigger(
        request.sandbox,
        flowId(request),
        pathId(request, 'runId', 'run'),
      );
      return {
        status: 202,
        body: { id: run.id, runId: run.id, status: run.status, retriggerOf: run.retriggerOf },
      };
    },
  };
}
