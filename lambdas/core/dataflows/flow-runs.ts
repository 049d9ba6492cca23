/**
 * Flow runs through the API: run a flow now, re-trigger a failed run, list a flow's runs (newest first) and read
 * one. A re-trigger continues the failed run — the files it pulled are not pulled again — and is refused once a
 * later run succeeded (that run's window covered the failed one's: ingesting the failed one's data now would
 * ingest it twice), or a later run holds the flow's unfinished batch (which covers it too: re-trigger that one).
 */
import { conflict, notFound } from '../errors/domain-error';
import type { Page, PageRequest } from '../page';
import type { Dataflow, FlowRun } from './dataflow-types';
import { startRun, type RunStartDeps } from './run-start';

export class FlowRunService {
  constructor(private readonly deps: RunStartDeps) {}

  async runNow(sandbox: string, dataflowId: string): Promise<FlowRun> {
    const outcome = await startRun(this.deps, {
      sandbox,
      dataflowId,
      trigger: 'manual',
      plan: (flow) => {
        if (!flow.enabled)
          throw conflict('dataflow-disabled', `dataflow ${flow.id} is disabled; enable it first`);
        return {};
      },
    });
    return startedRun(outcome, dataflowId);
  }

  async retrigger(sandbox: string, dataflowId: string, runId: string): Promise<FlowRun> {
    const failed = await this.get(sandbox, dataflowId, runId);
    const outcome = await startRun(this.deps, {
      sandbox,
      dataflowId,
      trigger: 'retrigger',
      plan: (flow) => {
        checkRetriggerable(flow, failed);
        return { retriggerOf: failed.id };
      },
    });
    return startedRun(outcome, dataflowId);
  }

  async get(sandbox: string, dataflowId: string, runId: string): Promise<FlowRun> {
    await this.flow(sandbox, dataflowId);
    const run = await this.deps.runs.get(sandbox, dataflowId, runId);
    if (!run) throw notFound('run', runId);
    return run;
  }

  async list(sandbox: string, dataflowId: string, page: PageRequest): Promise<Page<FlowRun>> {
    await this.flow(sandbox, dataflowId);
    return this.deps.runs.list(sandbox, dataflowId, page);
  }

  private async flow(sandbox: string, dataflowId: string): Promise<Dataflow> {
    const flow = await this.deps.flows.get(sandbox, dataflowId);
    if (!flow) throw notFound('dataflow', dataflowId);
    return flow;
  }
}

/** Experience Platform re-triggers only failed runs; we also refuse what would ingest a record twice. */
function checkRetriggerable(flow: Dataflow, run: FlowRun): void {
  if (run.status !== 'failed') {
    throw conflict('run-not-failed', `run ${run.id} is ${run.status}; only a failed run can be re-triggered`);
  }
  if (run.retriggeredBy) {
    throw conflict(
      'run-already-retriggered',
      `run ${run.id} was continued by run ${run.retriggeredBy}; re-trigger that run instead`,
    );
  }
  // Run ids are ULIDs: they sort by creation time.
  if (flow.state.lastSuccessRunId && flow.state.lastSuccessRunId > run.id) {
    throw conflict(
      'run-superseded',
      `run ${flow.state.lastSuccessRunId} succeeded after run ${run.id} and covered its window; the next run picks up what is left`,
    );
  }
  const unfinished = flow.state.unfinishedRunId;
  if (unfinished && unfinished > run.id) {
    throw conflict(
      'run-superseded',
      `run ${unfinished}, after run ${run.id}, holds the flow's unfinished batch, which covers its window; re-trigger run ${unfinished}, or the next run resumes it`,
    );
  }
}

function startedRun(outcome: Awaited<ReturnType<typeof startRun>>, dataflowId: string): FlowRun {
  if ('started' in outcome) return outcome.started;
  // Only the scheduler's starts skip or leave a flow unchanged; an API start either starts or throws.
  throw conflict('run-not-started', `no run of dataflow ${dataflowId} was started`);
}
