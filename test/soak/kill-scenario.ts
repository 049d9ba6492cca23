/**
 * The local runtime killed with SIGKILL while producers stream to it and a file batch is being ingested, then
 * restarted on the same data folder, as many times as asked; a last restart (in this process, to read the buckets
 * behind the API) resumes the interrupted batches with COMPLETE and drains the stream. Two kinds of producers: some
 * give up on a request the kill cut; others (to a profile-enabled dataset, with their own message ids) send it again
 * to the restarted runtime, as a careful producer does. What it answers is what the assertions need: every message
 * and every row sent, accepted, and found in the lake (and, for the resending producers, in the profile store), the
 * catalog's counts, and what the consumer's on-failure destination holds.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../lambdas/config/env-names';
import type { FileBatchView } from '../../lambdas/core/batches/file-batch-view';
import { createEmulatorClients } from '../../local/emulator-clients';
import { startRuntime, type RunningRuntime } from '../../local/runtime';
import { call } from '../e2e/local-runtime';
import { resourceName } from '../support/resource-name';

import { BatchApi, eventually } from '../support/batch-api';
import { VISIT_SCHEMA, VISIT_SCHEMA_ID, jsonLines, visit } from '../support/batch-files';
import { BatchStorage } from '../support/batch-lake';
import { startChildRuntime, type ChildRuntime } from '../support/child-runtime';
import { readLake } from '../support/streaming-lake';
import { STREAM_EVENT_SCHEMA } from '../support/streaming-messages';
import { onFailureState, type OnFailureState } from '../support/on-failure-state';
import { streamCaughtUp } from '../support/stream-caught-up';
import { resendCut, startTraffic, type TrafficTally } from './collect-traffic';

const SANDBOX = 'prod';
/** How long the stream must stay unchanged to count as drained once every accepted message is counted. */
const SETTLED_MS = 2_000;
const DRAIN_POLL_MS = 500;
/** A bound on draining the stream after the last restart, not an assertion on speed. */
const DRAIN_DEADLINE_MS = 120_000;

export interface KillOptions {
  /** Kills (each followed by a restart on the same folder). */
  readonly kills: number;
  /** Rows of the file batch started in each round (profile-enabled, so the workflow is still busy at the kill). */
  readonly batchRows: number;
  readonly producers: number;
  /** Producers to a profile-enabled dataset that send a request the kill cut again after the restart. */
  readonly resendingProducers: number;
  readonly messagesPerRequest: number;
  /** Messages accepted in a round before the kill: the kill lands mid-stream, with the consumer at work. */
  readonly acceptedBeforeKill: number;
}

export interface StreamingBatchMetrics {
  inputRecordCount: number;
  outputRecordCount: number;
  failedRecordCount: number;
  duplicateRecordCount: number;
}

/** What the resending producers sent and where it ended. */
export interface ResentOutcome {
  readonly traffic: TrafficTally[];
  /** `_id`s of their dataset in the lake (every copy). */
  readonly lakeIds: string[];
  /** `_id`s of their dataset's events in the profile store (every copy). */
  readonly profileEventIds: string[];
  readonly metrics: StreamingBatchMetrics;
  /** Messages sent again after a restart. */
  readonly resent: number;
}

export interface KillOutcome {
  readonly traffic: TrafficTally[];
  readonly resending: ResentOutcome;
  /** The consumer's on-failure destination at the end. */
  readonly onFailure: OnFailureState;
  /** Status of each round's batch when its runtime was killed. */
  readonly statusesAtKill: string[];
  /** Each round's batch once resumed and decided. */
  readonly batches: FileBatchView[];
  /** `_id`s of each round's batch rows in the lake (every copy). */
  readonly batchLakeIds: string[][];
  /** `_id`s of the streaming dataset in the lake (every copy). */
  readonly streamLakeIds: string[];
  readonly streamMetrics: StreamingBatchMetrics;
  /** Milliseconds from each restart's spawn to a serving API. */
  readonly restartMs: number[];
  /** Milliseconds of each phase: the rounds up to the last kill, the batches' resumption, the stream's drain. */
  readonly phasesMs: { readonly rounds: number; readonly batches: number; readonly drain: number };
}

async function streamMetrics(url: string, key: string, datasetId: string): Promise<StreamingBatchMetrics> {
  const answer = await call(`${url}/catalog/batches?datasetId=${datasetId}&limit=100`, { key });
  if (answer.status !== 200) throw new Error(`listing batches answered ${answer.status}`);
  const items = (answer.body as { items: { metrics: StreamingBatchMetrics }[] }).items;
  return items.reduce(
    (sum, { metrics }) => ({
      inputRecordCount: sum.inputRecordCount + metrics.inputRecordCount,
      outputRecordCount: sum.outputRecordCount + metrics.outputRecordCount,
      failedRecordCount: sum.failedRecordCount + metrics.failedRecordCount,
      duplicateRecordCount: sum.duplicateRecordCount + metrics.duplicateRecordCount,
    }),
    { inputRecordCount: 0, outputRecordCount: 0, failedRecordCount: 0, duplicateRecordCount: 0 },
  );
}

/**
 * Waits until the stream counts every accepted message and then stays unchanged (unacknowledged ones included) —
 * and, given `caughtUp`, until the consumer is done with everything put on the stream, which counts standing still
 * for a while cannot tell on a busy machine.
 */
export async function drainStream(
  url: string,
  key: string,
  datasetId: string,
  accepted: number,
  caughtUp: () => Promise<boolean> = async () => true,
): Promise<StreamingBatchMetrics> {
  const deadline = Date.now() + DRAIN_DEADLINE_MS;
  let last = await streamMetrics(url, key, datasetId);
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(DRAIN_POLL_MS);
    const now = await streamMetrics(url, key, datasetId);
    if (now.inputRecordCount !== last.inputRecordCount) since = Date.now();
    last = now;
    if (last.inputRecordCount >= accepted && Date.now() - since >= SETTLED_MS && (await caughtUp())) {
      // Counted after the consumer caught up: nothing it wrote before can still be missing from the counts.
      return streamMetrics(url, key, datasetId);
    }
  }
  return last;
}

export async function runKillScenario(options: KillOptions): Promise<KillOutcome> {
  const workDir = mkdtempSync(join(tmpdir(), 'tributary-kill-'));
  const dataDir = join(workDir, '.tributary');
  const adminKey = `kill-${randomBytes(24).toString('hex')}`;
  const traffic: TrafficTally[] = [];
  const resendTraffic: TrafficTally[] = [];
  let resent = 0;
  const statusesAtKill: string[] = [];
  const restartMs: number[] = [];
  const batchIds: string[] = [];
  let final: RunningRuntime | undefined;
  let child: ChildRuntime | undefined;
  const began = performance.now();
  const startedAt = new Date();
  try {
    const first = await startChildRuntime({ dataDir, adminKey });
    child = first;
    let api = new BatchApi(first.url, adminKey);
    await api.createSchema(VISIT_SCHEMA);
    await api.createSchema(STREAM_EVENT_SCHEMA);
    const batchDataset = await api.createDataset('killed visits', VISIT_SCHEMA_ID, true);
    const streamDataset = await api.createDataset('killed stream', STREAM_EVENT_SCHEMA.schema.$id);
    const resentDataset = await api.createDataset('resent stream', STREAM_EVENT_SCHEMA.schema.$id, true);
    const inlet = await api.send('/inlets', {
      method: 'POST',
      json: { name: 'Killed', authenticated: false },
    });
    const inletId = String((inlet.body as { inletId: string }).inletId);
    const resumeInterrupted = async (url: string): Promise<void> => {
      for (const id of batchIds)
        if ((await api.batch(id)).status === 'processing') await api.action(id, 'COMPLETE');
      for (const tally of resendTraffic) resent += await resendCut({ url, inletId }, tally);
    };

    for (let round = 0; round < options.kills; round += 1) {
      // Prepare: the restart after the previous kill (its interrupted batches resumed), a batch at work, producers
      let live = child;
      if (!live) {
        const spawned = performance.now();
        live = await startChildRuntime({ dataDir, adminKey });
        child = live;
        restartMs.push(Math.round(performance.now() - spawned));
        api = new BatchApi(live.url, adminKey);
        await resumeInterrupted(live.url);
      }
      const rows = Array.from({ length: options.batchRows }, (_, i) =>
        visit(`kill-${round}-${i}`, `kill-${i % 100}@example.com`),
      );
      const batchId = await api.createBatch({ datasetId: batchDataset, inputFormat: { format: 'json' } });
      batchIds.push(batchId);
      const put = await api.putFile(batchId, batchDataset, { path: 'visits.jsonl', bytes: jsonLines(rows) });
      if (put.status !== 201) throw new Error(`the file upload answered ${put.status}`);
      const target = { url: live.url, inletId, messagesPerRequest: options.messagesPerRequest, pauseMs: 0 };
      const producers = startTraffic({
        ...target,
        datasetId: streamDataset,
        runId: `kill-${round}`,
        producers: options.producers,
      });
      const resenders = startTraffic({
        ...target,
        datasetId: resentDataset,
        runId: `resend-${round}`,
        producers: options.resendingProducers,
        msgIds: true,
      });
      const completed = await api.action(batchId, 'COMPLETE');
      if (completed.status !== 200) throw new Error(`COMPLETE answered ${completed.status}`);
      const atWork = await eventually(
        () => api.batch(batchId),
        (view) => view.status === 'processing' && producers.tally.accepted.size >= options.acceptedBeforeKill,
      );

      // Act: the kill, mid-stream and mid-batch (earlier rounds' resumed batches may still be at work: killed too)
      await live.kill();
      child = undefined;
      statusesAtKill.push(atWork.status);
      traffic.push(await producers.done);
      resendTraffic.push(await resenders.done);
    }

    const roundsMs = performance.now() - began;
    // The last restart, in this process (its template names the buckets), on the same folder
    const spawned = performance.now();
    final = await startRuntime({ port: 0, dataDir, quiet: true, adminKey });
    restartMs.push(Math.round(performance.now() - spawned));
    api = new BatchApi(final.url, adminKey);
    await resumeInterrupted(final.url);
    const batches: FileBatchView[] = [];
    for (const id of batchIds) batches.push(await api.waitForBatch(id));
    const batchesMs = performance.now() - began - roundsMs;
    const accepted = traffic.reduce((sum, tally) => sum + tally.accepted.size, 0);
    const caughtUp = streamCaughtUp(final, startedAt);
    const metrics = await drainStream(final.url, adminKey, streamDataset, accepted, caughtUp);
    const resentAccepted = resendTraffic.reduce((sum, tally) => sum + tally.accepted.size, 0);
    const resentMetrics = await drainStream(final.url, adminKey, resentDataset, resentAccepted, caughtUp);
    const drainMs = performance.now() - began - roundsMs - batchesMs;

    const storage = new BatchStorage({ runtime: final });
    const batchLakeIds: string[][] = [];
    for (const id of batchIds)
      batchLakeIds.push((await storage.lakeRows(batchDataset, id)).map((row) => String(row.record._id)));
    storage.destroy();
    const clients = createEmulatorClients(final.endpoints);
    const files = await readLake(
      clients.s3,
      resourceName(final, ENV.lakeBucket),
      `lake/${SANDBOX}/${streamDataset}/`,
    );
    const resentFiles = await readLake(
      clients.s3,
      resourceName(final, ENV.lakeBucket),
      `lake/${SANDBOX}/${resentDataset}/`,
    );
    const profileEventIds: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await clients.documents.send(
        new ScanCommand({
          TableName: resourceName(final, ENV.profilesTable),
          ConsistentRead: true,
          FilterExpression: 'datasetId = :d AND attribute_exists(eventId)',
          ExpressionAttributeValues: { ':d': resentDataset },
          ExclusiveStartKey: start,
        }),
      );
      profileEventIds.push(...(page.Items ?? []).map((item) => String(item['eventId'])));
      start = page.LastEvaluatedKey;
    } while (start);
    clients.destroy();
    return {
      traffic,
      resending: {
        traffic: resendTraffic,
        lakeIds: resentFiles.flatMap((file) => file.rows.map((row) => String(row._id))),
        profileEventIds,
        metrics: resentMetrics,
        resent,
      },
      onFailure: await onFailureState(final, adminKey),
      statusesAtKill,
      batches,
      batchLakeIds,
      streamLakeIds: files.flatMap((file) => file.rows.map((row) => String(row._id))),
      streamMetrics: metrics,
      restartMs,
      phasesMs: { rounds: Math.round(roundsMs), batches: Math.round(batchesMs), drain: Math.round(drainMs) },
    };
  } finally {
    await child?.kill();
    await final?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}
