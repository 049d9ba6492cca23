/**
 * A client of Tributary's connection and dataflow API for the end-to-end tests, on top of the batch client: create
 * a connection and a dataflow, run it now, re-trigger a run, and ask until runs have ended.
 */
import { expect } from 'vitest';
import type { DataflowView, RunView } from '../../lambdas/core/dataflows/run-view';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchApi } from './batch-api';

const POLL_MS = 250;

/** Asks until `done` holds or `timeoutMs` has passed, and answers the last value (the caller asserts on it). */
async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(POLL_MS);
    value = await read();
  }
  return value;
}

/** A bound on waiting for a run (a pull, a batch ingestion, the notifications), not an assertion on speed. */
const RUN_TIMEOUT_MS = 60_000;

export const hasEnded = (run: RunView): boolean => run.status === 'success' || run.status === 'failed';

export class DataflowApi {
  constructor(readonly api: BatchApi) {}

  /** Grants the sandbox its S3 sources (the client's key must be the platform key). */
  async grantSources(
    sandbox: string,
    rules: { locations: readonly { bucket: string; prefix?: string }[]; roleArns?: readonly string[] },
  ): Promise<void> {
    const answer = await this.api.send(`/sandboxes/${sandbox}/source-access`, {
      method: 'PUT',
      json: { locations: rules.locations, roleArns: rules.roleArns ?? [] },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  }

  async createConnection(body: Record<string, unknown>): Promise<string> {
    const answer = await this.api.send('/connections', { method: 'POST', json: body });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return (answer.body as { id: string }).id;
  }

  async createDataflow(body: Record<string, unknown>): Promise<DataflowView> {
    const answer = await this.api.send('/dataflows', { method: 'POST', json: body });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body as DataflowView;
  }

  async dataflow(flowId: string): Promise<DataflowView> {
    const answer = await this.api.send(`/dataflows/${flowId}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as DataflowView;
  }

  async runNow(flowId: string): Promise<string> {
    const answer = await this.api.send(`/dataflows/${flowId}/runs`, { method: 'POST' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    return (answer.body as { runId: string }).runId;
  }

  async retrigger(flowId: string, runId: string): Promise<string> {
    const answer = await this.api.send(`/dataflows/${flowId}/runs/${runId}?action=retrigger`, {
      method: 'POST',
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    return (answer.body as { runId: string }).runId;
  }

  async run(flowId: string, runId: string): Promise<RunView> {
    const answer = await this.api.send(`/dataflows/${flowId}/runs/${runId}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body as RunView;
  }

  /** The flow's runs, newest first, as `GET /dataflows/{id}/runs` lists them. */
  async runs(flowId: string): Promise<RunView[]> {
    const answer = await this.api.send(`/dataflows/${flowId}/runs?limit=100`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return (answer.body as { items: RunView[] }).items;
  }

  /** The run once it has ended. */
  async waitForRun(flowId: string, runId: string): Promise<RunView> {
    const run = await eventually(() => this.run(flowId, runId), hasEnded, RUN_TIMEOUT_MS);
    expect(hasEnded(run), JSON.stringify(run)).toBe(true);
    return run;
  }

  /** The flow's runs once `count` of them have ended, newest first; scheduled runs may be a slot away. */
  async waitForEndedRuns(flowId: string, count: number, timeoutMs = RUN_TIMEOUT_MS): Promise<RunView[]> {
    const runs = await eventually(
      () => this.runs(flowId),
      (found) => found.filter(hasEnded).length >= count,
      timeoutMs,
    );
    expect(runs.filter(hasEnded).length, JSON.stringify(runs)).toBeGreaterThanOrEqual(count);
    return runs;
  }
}
