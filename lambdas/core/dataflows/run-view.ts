/**
 * How flows and runs are answered (and put in notifications): the stored shapes, with the request's field names for
 * the mapping, Experience Platform's epoch seconds for the schedule's start, and a run's metrics both in our flat
 * form and in Experience Platform's summaries (`recordSummary`, `fileSummary`, `sizeSummary`, `durationSummary`,
 * `statusSummary`). The execution ARN and the revision stay inside, and a look-back is answered by its bound and
 * the number of items it remembers (their ids mean nothing outside).
 */
import { redactedUrl, redactedWebhookUrl } from '../connections/url-redaction';
import type { Dataflow, DataflowWatermark, FlowRun, RunMetrics, RunProgress } from './dataflow-types';
import type { LookBack } from './look-back';
import { epochSeconds } from './schedule';

const lookBackView = (lookBack: LookBack) => ({
  from: lookBack.from,
  inclusive: lookBack.inclusive,
  items: Object.keys(lookBack.taken).length,
});

function withLookBackView<T extends DataflowWatermark | RunProgress>(value: T) {
  const { lookBack, ...rest } = value;
  return { ...rest, ...(lookBack ? { lookBack: lookBackView(lookBack) } : {}) };
}

function progressView(progress: RunProgress) {
  const { next, ...rest } = withLookBackView(progress);
  return { ...rest, ...(next ? { next: { ...next, url: redactedUrl(next.url) } } : {}) };
}

const watermarkView = (watermark: DataflowWatermark | undefined) =>
  watermark === undefined ? {} : { watermark: withLookBackView(watermark) };

export function dataflowView(flow: Dataflow) {
  const { mapping, schedule, state, notifications, ...rest } = flow;
  const webhookUrl = notifications?.webhookUrl;
  return {
    ...rest,
    ...(notifications
      ? { notifications: webhookUrl === undefined ? {} : { webhookUrl: redactedWebhookUrl(webhookUrl) } }
      : {}),
    state: { ...state, ...watermarkView(state.watermark) },
    ...(mapping ? { mappingSetId: mapping.mappingSetId, mappingSetVersion: mapping.version } : {}),
    ...(schedule
      ? {
          schedule: {
            frequency: schedule.frequency,
            ...(schedule.interval === undefined ? {} : { interval: schedule.interval }),
            startTime: epochSeconds(schedule.startTime),
            startTimeIso: schedule.startTime,
            backfill: schedule.backfill,
          },
        }
      : {}),
  };
}

export type DataflowView = ReturnType<typeof dataflowView>;

const millis = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

function metricsView(run: FlowRun, metrics: RunMetrics) {
  const completedAtUTC = millis(run.completedAt);
  return {
    ...metrics,
    ...(run.durationMs === undefined ? {} : { durationMs: run.durationMs }),
    durationSummary: {
      startedAtUTC: Date.parse(run.startedAt),
      ...(completedAtUTC === undefined ? {} : { completedAtUTC }),
    },
    sizeSummary: { inputBytes: metrics.bytesRead },
    recordSummary: {
      inputRecordCount: metrics.recordsRead,
      outputRecordCount: metrics.recordsIngested,
      failedRecordCount: metrics.recordsFailed,
    },
    fileSummary: { inputFileCount: metrics.filesRead },
    statusSummary: { status: run.status, errors: run.errors },
  };
}

/** An allow-list, so a field added to the stored run is not answered by accident. */
export function runView(run: FlowRun) {
  return {
    id: run.id,
    dataflowId: run.dataflowId,
    sandbox: run.sandbox,
    status: run.status,
    trigger: run.trigger,
    ...(run.retriggerOf ? { retriggerOf: run.retriggerOf } : {}),
    ...(run.resumes ? { resumes: run.resumes } : {}),
    ...(run.continues ? { continues: run.continues } : {}),
    ...(run.retriggeredBy ? { retriggeredBy: run.retriggeredBy } : {}),
    ...(run.scheduledFor ? { scheduledFor: run.scheduledFor } : {}),
    ...(run.source ? { source: run.source } : {}),
    startedAt: run.startedAt,
    ...(run.completedAt ? { completedAt: run.completedAt } : {}),
    ...(run.durationMs === undefined ? {} : { durationMs: run.durationMs }),
    window: {
      ...(run.window.from ? { from: withLookBackView(run.window.from) } : {}),
      ...(run.window.to ? { to: withLookBackView(run.window.to) } : {}),
    },
    ...(run.notBefore ? { notBefore: run.notBefore } : {}),
    ...(run.batchId ? { batchId: run.batchId } : {}),
    progress: progressView(run.progress),
    metrics: metricsView(run, run.metrics),
    errors: run.errors,
    ...(run.notifications ? { notifications: run.notifications } : {}),
    updatedAt: run.updatedAt,
  };
}

export type RunView = ReturnType<typeof runView>;

/** Experience Platform's notification event codes. */
export const RUN_EVENT_CODES = {
  success: 'sources_flow_run_success',
  failed: 'sources_flow_run_failed',
} as const;

/** What EventBridge and webhooks receive when a run ends. */
export interface RunEvent {
  readonly eventCode: (typeof RUN_EVENT_CODES)[keyof typeof RUN_EVENT_CODES];
  readonly sandbox: string;
  readonly dataflow: { readonly id: string; readonly name?: string };
  readonly run: RunView;
}

export function runEvent(run: FlowRun, flow: Dataflow | undefined): RunEvent {
  return {
    eventCode: run.status === 'success' ? RUN_EVENT_CODES.success : RUN_EVENT_CODES.failed,
    sandbox: run.sandbox,
    dataflow: { id: run.dataflowId, ...(flow ? { name: flow.name } : {}) },
    run: runView(run),
  };
}
