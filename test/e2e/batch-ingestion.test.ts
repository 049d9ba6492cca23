/**
 * The life of a file batch over HTTP on the local runtime, with profile-enabled datasets: the partial-ingestion
 * threshold (over it nothing reaches the lake or the profiles; at it everything valid does), REVERT, a COMPLETE sent
 * more than once, ABORT, and a replay that supersedes its predecessor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileBatchView } from '../../lambdas/core/batches/file-batch-view';
import { BatchApi, errorCounts, expectProblem } from '../support/batch-api';
import {
  MEMBER_SCHEMA,
  MEMBER_SCHEMA_ID,
  VISIT_SCHEMA,
  VISIT_SCHEMA_ID,
  jsonLines,
  visit,
} from '../support/batch-files';
import { BatchStorage, sortedValues } from '../support/batch-lake';
import { startRuntimeUnderTest, type RuntimeUnderTest } from './local-runtime';

const JSON_LINES = { format: 'json' } as const;

interface TimelineEvent {
  eventId: string;
  body: { page: string };
}

describe('the life of a file batch on the local runtime', () => {
  let subject: RuntimeUnderTest;
  let api: BatchApi;
  let storage: BatchStorage;
  let datasetCount = 0;

  const visitsDataset = () => api.createDataset(`visits ${(datasetCount += 1)}`, VISIT_SCHEMA_ID, true);
  const membersDataset = () => api.createDataset(`members ${(datasetCount += 1)}`, MEMBER_SCHEMA_ID, true);

  /** The event ids of an Email's timeline, or the status when there is no timeline. */
  const timeline = async (email: string): Promise<string[] | number> => {
    const answer = await api.events('Email', email);
    if (answer.status !== 200) return answer.status;
    return (answer.body as { items: TimelineEvent[] }).items.map((event) => event.eventId).sort();
  };

  /** REVERT or a replay runs asynchronously: the batch is final once it has left `success`. */
  const waitUntilGone = (batchId: string) =>
    api.waitForBatch(batchId, (view: FileBatchView) => view.status !== 'success');

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    api = new BatchApi(subject.runtime.url, subject.runtime.adminKey);
    storage = new BatchStorage(subject);
    await api.createSchema(VISIT_SCHEMA);
    await api.createSchema(MEMBER_SCHEMA);
  });
  afterAll(async () => {
    storage.destroy();
    await subject.stop();
  });

  it('fails a batch over the threshold as a whole: nothing in the lake, staging or profiles; failed rows kept', async () => {
    // Prepare: 2 of 20 rows (10%) fail, over the default 5%
    const datasetId = await visitsDataset();
    const rows = Array.from({ length: 20 }, (_, i) =>
      visit(`over-${i}`, i === 2 || i === 11 ? 42 : `over-${i}@example.com`),
    );

    // Act
    const batch = await api.ingest({ datasetId, inputFormat: JSON_LINES }, [
      { path: 'visits.jsonl', bytes: jsonLines(rows) },
    ]);
    const failed = await api.failedRows(batch.id);

    // Assess
    expect(batch.status).toBe('failed');
    expect(batch.metrics).toMatchObject({
      inputFileCount: 1,
      inputRecordCount: 20,
      outputRecordCount: 0,
      failedRecordCount: 2,
      discardedRecordCount: 18,
    });
    expect(errorCounts(batch)).toEqual({ 'partial-ingestion-threshold-exceeded': 0, 'schema-validation': 2 });
    expect(await storage.lakeKeys(datasetId, batch.id)).toEqual([]);
    expect(await storage.stagingKeys(datasetId)).toEqual([]);
    expectProblem(await api.profile('Email', 'over-0@example.com'), 404, 'not-found');
    expect(await timeline('over-5@example.com')).toBe(404);
    expect(failed.map(({ line, row, violations }) => ({ line, row, violations }))).toEqual(
      [3, 12].map((line) => ({
        line,
        row: line,
        violations: [expect.objectContaining({ pointer: '/email', keyword: 'type' })],
      })),
    );
  });

  it('succeeds with exactly the threshold failing: every valid row reaches the lake and the profiles', async () => {
    // Prepare: 2 of 40 rows (exactly 5%) fail
    const datasetId = await visitsDataset();
    const rows = Array.from({ length: 40 }, (_, i) =>
      visit(`under-${i}`, i === 7 || i === 30 ? { address: 'x' } : `under-${i % 10}@example.com`),
    );

    // Act
    const batch = await api.ingest({ datasetId, inputFormat: JSON_LINES }, [
      { path: 'visits.jsonl', bytes: jsonLines(rows) },
    ]);
    const lake = await storage.lakeRows(datasetId, batch.id);

    // Assess
    expect(batch.status).toBe('success');
    expect(batch.metrics).toMatchObject({
      inputRecordCount: 40,
      outputRecordCount: 38,
      failedRecordCount: 2,
    });
    expect(errorCounts(batch)).toEqual({ 'schema-validation': 2 });
    expect(lake).toHaveLength(38);
    expect(await storage.stagingKeys(datasetId)).toEqual([]);
    // under-0@ has the visits 0, 10, 20 and 30; 30 failed.
    expect(await timeline('under-0@example.com')).toEqual(['under-0', 'under-10', 'under-20']);
    expect(await timeline('under-7@example.com')).toEqual(['under-17', 'under-27', 'under-37']);
    expect((await api.profile('Email', 'under-3@example.com')).status).toBe(200);
  });

  it('REVERT removes a batch from the lake and the profiles, ends deleted, and is safe to repeat', async () => {
    // Prepare: events of one dataset and profile records of another, both promoted
    const [visitsId, membersId] = [await visitsDataset(), await membersDataset()];
    const [visits, members] = await Promise.all([
      api.ingest({ datasetId: visitsId, inputFormat: JSON_LINES }, [
        {
          path: 'visits.jsonl',
          bytes: jsonLines([
            visit('rev-1', 'rev-a@example.com'),
            visit('rev-2', 'rev-a@example.com'),
            visit('rev-3', 'rev-b@example.com'),
          ]),
        },
      ]),
      api.ingest({ datasetId: membersId, inputFormat: JSON_LINES }, [
        {
          path: 'members.jsonl',
          bytes: jsonLines([
            { email: 'rev-m@example.com', crmId: 'REV-M', timestamp: '2026-03-01T00:00:00Z', tier: 'gold' },
          ]),
        },
      ]),
    ]);
    const before = {
      lake: (await storage.lakeKeys(visitsId, visits.id)).length,
      timeline: await timeline('rev-a@example.com'),
      tier: ((await api.profile('CRMID', 'REV-M')).body as { attributes: { tier?: string } }).attributes.tier,
    };

    // Act
    const reverts = await Promise.all([api.action(visits.id, 'REVERT'), api.action(members.id, 'REVERT')]);
    const reverted = await Promise.all([waitUntilGone(visits.id), waitUntilGone(members.id)]);
    const again = await api.action(visits.id, 'REVERT');

    // Assess
    expect([visits.status, members.status]).toEqual(['success', 'success']);
    expect(before).toEqual({ lake: 1, timeline: ['rev-1', 'rev-2'], tier: 'gold' });
    expect(reverts.map((answer) => answer.status)).toEqual([200, 200]);
    expect(reverted.map((view) => view.status)).toEqual(['deleted', 'deleted']);
    expect(await storage.lakeKeys(visitsId, visits.id)).toEqual([]);
    expect(await storage.lakeKeys(membersId, members.id)).toEqual([]);
    // People who came only through the reverted batches are gone from the graph too (docs/profiles.md).
    expect(await timeline('rev-a@example.com')).toBe(404);
    expect(await timeline('rev-b@example.com')).toBe(404);
    expectProblem(await api.profile('CRMID', 'REV-M'), 404, 'not-found');
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: visits.id, status: 'deleted' });
    expect((await api.batch(visits.id)).status).toBe('deleted');
  });

  it('refuses REVERT of a batch still loading (409)', async () => {
    // Prepare
    const datasetId = await visitsDataset();
    const batchId = await api.createBatch({ datasetId, inputFormat: JSON_LINES });

    // Act
    const answer = await api.action(batchId, 'REVERT');

    // Assess
    expectProblem(answer, 409, 'batch-not-revertable');
    expect((await api.batch(batchId)).status).toBe('loading');
  });

  it('takes COMPLETE again during and after processing without ingesting anything twice', async () => {
    // Prepare
    const datasetId = await visitsDataset();
    const batchId = await api.createBatch({ datasetId, inputFormat: JSON_LINES });
    const rows = Array.from({ length: 5 }, (_, i) => visit(`twice-${i}`, `twice@example.com`));
    await api.putFile(batchId, datasetId, { path: 'visits.jsonl', bytes: jsonLines(rows) });

    // Act
    const first = await Promise.all([api.action(batchId, 'COMPLETE'), api.action(batchId, 'COMPLETE')]);
    const during = await api.action(batchId, 'COMPLETE');
    const done = await api.waitForBatch(batchId);
    const after = await api.action(batchId, 'COMPLETE');
    const settled = await api.waitForBatch(batchId);
    const lake = await storage.lakeRows(datasetId, batchId);

    // Assess
    expect([...first, during].map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(done.status).toBe('success');
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ id: batchId, status: 'success' });
    expect(settled.metrics).toMatchObject({ inputFileCount: 1, inputRecordCount: 5, outputRecordCount: 5 });
    expect(sortedValues(lake, '_id')).toEqual(['twice-0', 'twice-1', 'twice-2', 'twice-3', 'twice-4']);
    expect(await timeline('twice@example.com')).toEqual([
      'twice-0',
      'twice-1',
      'twice-2',
      'twice-3',
      'twice-4',
    ]);
  });

  it('ABORT ends a loading batch: COMPLETE and uploads are then refused (409), and nothing is ingested', async () => {
    // Prepare
    const datasetId = await visitsDataset();
    const batchId = await api.createBatch({ datasetId, inputFormat: JSON_LINES });
    const file = { path: 'visits.jsonl', bytes: jsonLines([visit('abort-1', 'abort@example.com')]) };
    await api.putFile(batchId, datasetId, file);

    // Act
    const aborted = await api.action(batchId, 'ABORT');
    const complete = await api.action(batchId, 'COMPLETE');
    const upload = await api.putFile(batchId, datasetId, { ...file, path: 'more.jsonl' });

    // Assess
    expect(aborted.status).toBe(200);
    expect(aborted.body).toEqual({ id: batchId, status: 'aborted' });
    expectProblem(complete, 409, 'batch-not-completable');
    expectProblem(upload, 409, 'batch-not-loading');
    expect((await api.batch(batchId)).status).toBe('aborted');
    expect(await storage.lakeKeys(datasetId, batchId)).toEqual([]);
    expect(await timeline('abort@example.com')).toBe(404);
  });

  it('a replay supersedes its predecessor, which one replay at a time may name: the predecessor is inactive and its lake files gone', async () => {
    // Prepare: a promoted batch, then its replacement with two rows fixed, one dropped and one added
    const datasetId = await visitsDataset();
    const original = await api.ingest({ datasetId, inputFormat: JSON_LINES }, [
      {
        path: 'visits.jsonl',
        bytes: jsonLines([
          visit('rep-0', 'rep-old@example.com', '/dropped'),
          visit('rep-1', 'rep@example.com', '/old'),
          visit('rep-2', 'rep@example.com', '/old'),
        ]),
      },
    ]);
    const originalKeys = await storage.lakeKeys(datasetId, original.id);
    const notPromoted = await api.createBatch({ datasetId, inputFormat: JSON_LINES });

    // Act: a replay of a batch not promoted; two replays of the original, the first aborted; then the replay
    const refused = await api.createBatchAnswer({
      datasetId,
      inputFormat: JSON_LINES,
      replay: { predecessors: [notPromoted] },
    });
    const abandoned = await api.createBatch({
      datasetId,
      inputFormat: JSON_LINES,
      replay: { predecessors: [original.id] },
    });
    const twice = await api.createBatchAnswer({
      datasetId,
      inputFormat: JSON_LINES,
      replay: { predecessors: [original.id] },
    });
    await api.action(abandoned, 'ABORT');
    const replay = await api.ingest(
      { datasetId, inputFormat: JSON_LINES, replay: { predecessors: [original.id] } },
      [
        {
          path: 'visits.jsonl',
          bytes: jsonLines([
            visit('rep-1', 'rep@example.com', '/new'),
            visit('rep-2', 'rep@example.com', '/new'),
            visit('rep-3', 'rep-new@example.com', '/added'),
          ]),
        },
      ],
    );
    const superseded = await waitUntilGone(original.id);
    const lake = await storage.lakeRows(datasetId, replay.id);

    // Assess
    expectProblem(refused, 422, 'invalid-replay', ['/replay/predecessors/0']);
    expectProblem(twice, 409, 'predecessor-reserved');
    expect(original.status).toBe('success');
    expect(originalKeys).toHaveLength(1);
    expect(replay.status).toBe('success');
    expect(replay.replay).toEqual({ predecessors: [original.id] });
    expect(superseded.status).toBe('inactive');
    expect(await storage.lakeKeys(datasetId, original.id)).toEqual([]);
    expect(await storage.stagingKeys(datasetId)).toEqual([]);
    expect(lake.map((row) => [row.record._id, row.record.page]).sort()).toEqual([
      ['rep-1', '/new'],
      ['rep-2', '/new'],
      ['rep-3', '/added'],
    ]);
    // rep-old came only through the replaced batch: gone with it.
    expect(await timeline('rep-old@example.com')).toBe(404);
    expect(await timeline('rep-new@example.com')).toEqual(['rep-3']);
  });

  it('a replay that carries the same events and records again ends with its own versions in the profiles', async () => {
    // Prepare: events and a profile record, promoted; the replay rewrites both (same _id, same record time)
    const [visitsId, membersId] = [await visitsDataset(), await membersDataset()];
    const member = (tier: string) => ({
      email: 'same@example.com',
      crmId: 'SAME-1',
      timestamp: '2026-03-01T00:00:00.000Z',
      tier,
    });
    const firstVisits = await api.ingest({ datasetId: visitsId, inputFormat: JSON_LINES }, [
      { path: 'visits.jsonl', bytes: jsonLines([visit('same-1', 'same@example.com', '/old')]) },
    ]);
    const firstMembers = await api.ingest({ datasetId: membersId, inputFormat: JSON_LINES }, [
      { path: 'members.jsonl', bytes: jsonLines([member('gold')]) },
    ]);

    // Act
    const replays = [
      await api.ingest(
        { datasetId: visitsId, inputFormat: JSON_LINES, replay: { predecessors: [firstVisits.id] } },
        [{ path: 'visits.jsonl', bytes: jsonLines([visit('same-1', 'same@example.com', '/new')]) }],
      ),
      await api.ingest(
        { datasetId: membersId, inputFormat: JSON_LINES, replay: { predecessors: [firstMembers.id] } },
        [{ path: 'members.jsonl', bytes: jsonLines([member('silver')]) }],
      ),
    ];
    const events = await api.events('Email', 'same@example.com');
    const profile = await api.profile('CRMID', 'SAME-1');

    // Assess: each replay took over what its predecessor stored with the same version, then the predecessor was
    // reverted, so the replay's versions remain and nothing else of the predecessor's
    expect(replays.map((batch) => batch.status)).toEqual(['success', 'success']);
    expect((await api.batch(firstVisits.id)).status).toBe('inactive');
    expect((await api.batch(firstMembers.id)).status).toBe('inactive');
    expect((events.body as { items: TimelineEvent[] }).items.map((event) => event.body.page)).toEqual([
      '/new',
    ]);
    expect(profile.status).toBe(200);
    expect((profile.body as { attributes: Record<string, unknown> }).attributes).toMatchObject({
      tier: 'silver',
    });
  });
});
