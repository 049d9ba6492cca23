import { resourceName } from '../support/resource-name';
/**
 * A bounded load run on loopback: producers post collect batches to a local runtime in its own process for a fixed
 * duration (and at most a fixed count of requests) while its resident memory is sampled; then the stream is
 * drained, the runtime stopped gracefully and restarted in this process on the same folder to read the lake. It
 * answers what the assertions need: every answer by status, what was accepted, what the lake and the catalog hold,
 * and the memory samples.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENV } from '../../lambdas/config/env-names';
import { createEmulatorClients } from '../../local/emulator-clients';
import { startRuntime, type RunningRuntime } from '../../local/runtime';
import { BatchApi } from '../support/batch-api';
import { startChildRuntime, type ChildRuntime } from '../support/child-runtime';
import { readLake } from '../support/streaming-lake';
import { STREAM_EVENT_SCHEMA } from '../support/streaming-messages';
import { startTraffic, type TrafficTally } from './collect-traffic';
import { drainStream, type StreamingBatchMetrics } from './kill-scenario';

const SANDBOX = 'prod';

export interface LoadOptions {
  /**
   * `child`: the runtime in its own process, whose memory alone is sampled, restarted in this process afterwards to
   * read the lake; `in-process`: one runtime in this process, read directly (one start fewer, for the short run).
   */
  readonly host: 'child' | 'in-process';
  readonly durationMs: number;
  readonly maxRequests: number;
  readonly producers: number;
  readonly messagesPerRequest: number;
  readonly pauseMs: number;
  /** Milliseconds between memory samples. */
  readonly sampleEveryMs: number;
}

export interface LoadOutcome {
  readonly tally: TrafficTally;
  /** Resident set size of the runtime's process, in bytes, one sample per `sampleEveryMs` during the traffic. */
  readonly rssSamples: number[];
  readonly elapsedMs: number;
  readonly streamLakeIds: string[];
  readonly streamMetrics: StreamingBatchMetrics;
  /** Milliseconds from the end of the traffic until the stream counted everything. */
  readonly drainMs: number;
}

export async function runLoadScenario(options: LoadOptions): Promise<LoadOutcome> {
  const workDir = mkdtempSync(join(tmpdir(), 'tributary-load-'));
  const dataDir = join(workDir, '.tributary');
  const adminKey = `load-${randomBytes(24).toString('hex')}`;
  let child: ChildRuntime | undefined;
  let reader: RunningRuntime | undefined;
  try {
    let url: string;
    let rssBytes: () => number;
    if (options.host === 'child') {
      const spawned = await startChildRuntime({ dataDir, adminKey });
      child = spawned;
      url = spawned.url;
      rssBytes = () => spawned.rssBytes();
    } else {
      reader = await startRuntime({ port: 0, dataDir, quiet: true, adminKey });
      url = reader.url;
      rssBytes = () => process.memoryUsage.rss();
    }
    const api = new BatchApi(url, adminKey);
    await api.createSchema(STREAM_EVENT_SCHEMA);
    const datasetId = await api.createDataset('load', STREAM_EVENT_SCHEMA.schema.$id);
    const inlet = await api.send('/inlets', { method: 'POST', json: { name: 'Load', authenticated: false } });
    const inletId = String((inlet.body as { inletId: string }).inletId);

    // The traffic, for the duration (or until the count is reached), with the memory sampled meanwhile
    const started = performance.now();
    const traffic = startTraffic({
      url,
      inletId,
      datasetId,
      runId: 'load',
      producers: options.producers,
      messagesPerRequest: options.messagesPerRequest,
      pauseMs: options.pauseMs,
      maxRequests: options.maxRequests,
    });
    const rssSamples: number[] = [];
    const timeUp = sleep(options.durationMs).then(() => 'time' as const);
    const countReached = traffic.done.then(() => 'count' as const);
    for (;;) {
      rssSamples.push(rssBytes());
      const first = await Promise.race([
        sleep(options.sampleEveryMs).then(() => 'sample' as const),
        timeUp,
        countReached,
      ]);
      if (first !== 'sample') break;
    }
    const tally = await traffic.stop();
    const elapsedMs = Math.round(performance.now() - started);
    const drainStarted = performance.now();
    const streamMetrics = await drainStream(url, adminKey, datasetId, tally.accepted.size);
    const drainMs = Math.round(performance.now() - drainStarted);
    if (child) {
      // The lake, read behind the API by a runtime in this process on the same folder (the buckets' names)
      await child.stop();
      child = undefined;
      reader = await startRuntime({ port: 0, dataDir, quiet: true, adminKey });
    }
    if (!reader) throw new Error('no runtime in this process to read the lake with');
    const clients = createEmulatorClients(reader.endpoints);
    const files = await readLake(
      clients.s3,
      resourceName(reader, ENV.lakeBucket),
      `lake/${SANDBOX}/${datasetId}/`,
    );
    clients.destroy();
    return {
      tally,
      rssSamples,
      elapsedMs,
      streamLakeIds: files.flatMap((file) => file.rows.map((row) => String(row._id))),
      streamMetrics,
      drainMs,
    };
  } finally {
    await child?.kill();
    await reader?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}
