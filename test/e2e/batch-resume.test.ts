/**
 * A batch interrupted by a stop of the local runtime: its execution ends with the runtime (recorded as aborted),
 * and COMPLETE after the restart on the same data folder resumes it — staged chunks are not read again, nothing is
 * ingested twice, and the counts are exact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FileBatchView } from '../../lambdas/core/batches/file-batch-view';
import { startRuntime, type RunningRuntime } from '../../local/runtime';
import { BatchApi, eventually } from '../support/batch-api';
import { VISIT_SCHEMA, VISIT_SCHEMA_ID, jsonLines, visit } from '../support/batch-files';
import { BatchStorage } from '../support/batch-lake';

/** Enough rows that the workflow is still at work when the runtime stops (profile writes take a while locally). */
const ROWS = 3_000;

describe('a batch interrupted by a stop of the local runtime', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'tributary-resume-'));
  const dataDir = join(workDir, '.tributary');
  let running: RunningRuntime | undefined;

  afterAll(async () => {
    await running?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('resumes with COMPLETE after the restart and ends with every row exactly once', async () => {
    // Prepare: a profile-enabled batch, completed, and the runtime stopped while the workflow works on it
    running = await startRuntime({ port: 0, dataDir, quiet: true });
    let api = new BatchApi(running.url, running.adminKey);
    await api.createSchema(VISIT_SCHEMA);
    const datasetId = await api.createDataset('resumed visits', VISIT_SCHEMA_ID, true);
    const rows = Array.from({ length: ROWS }, (_, i) =>
      visit(`resume-${i}`, `resume-${i % 300}@example.com`),
    );
    const batchId = await api.createBatch({ datasetId, inputFormat: { format: 'json' } });
    await api.putFile(batchId, datasetId, { path: 'visits.jsonl', bytes: jsonLines(rows) });
    expect((await api.action(batchId, 'COMPLETE')).status).toBe(200);
    const interrupted = await eventually(
      () => api.batch(batchId),
      (view) => view.status === 'processing',
    );
    await running.stop();
    running = undefined;

    // Act
    running = await startRuntime({ port: 0, dataDir, quiet: true });
    api = new BatchApi(running.url, running.adminKey);
    const beforeResume = await api.batch(batchId);
    const resumed = await api.action(batchId, 'COMPLETE');
    const done: FileBatchView = await api.waitForBatch(batchId);
    const storage = new BatchStorage({ runtime: running });
    const lake = await storage.lakeRows(datasetId, batchId);
    const timeline = await api.events('Email', 'resume-7@example.com');

    // Assess
    expect(interrupted.status).toBe('processing');
    expect(beforeResume.status).toBe('processing');
    expect(resumed.status).toBe(200);
    expect(done.status).toBe('success');
    expect(done.metrics).toMatchObject({
      inputRecordCount: ROWS,
      outputRecordCount: ROWS,
      failedRecordCount: 0,
    });
    expect(lake).toHaveLength(ROWS);
    expect(new Set(lake.map((row) => row.record._id)).size).toBe(ROWS);
    expect((timeline.body as { items: unknown[] }).items).toHaveLength(ROWS / 300);
    expect(await storage.stagingKeys(datasetId)).toEqual([]);
    storage.destroy();
  }, 180_000);
});
