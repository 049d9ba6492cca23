/**
 * Reverting a file batch takes its people out of the identity graph, over HTTP on the local runtime: a person who
 * came only through the batch is gone (404), while a person another batch also brought keeps that batch's links and
 * data, and loses only what the reverted batch linked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileBatchView } from '../../lambdas/core/batches/file-batch-view';
import { BatchApi, expectProblem } from '../support/batch-api';
import { MEMBER_SCHEMA, MEMBER_SCHEMA_ID, jsonLines } from '../support/batch-files';
import { startRuntimeUnderTest, type RuntimeUnderTest } from './local-runtime';

const JSON_LINES = { format: 'json' } as const;

interface GraphAnswer {
  nodes: { namespace: string; id: string }[];
  links: { from: { id: string }; to: { id: string }; source: { batchId?: string } }[];
}

describe('reverting a batch out of the identity graph on the local runtime', () => {
  let subject: RuntimeUnderTest;
  let api: BatchApi;

  const graphOf = (namespace: string, id: string) =>
    api.send(`/identities/graph?entityIdNS=${namespace}&entityId=${encodeURIComponent(id)}`);

  beforeAll(async () => {
    subject = await startRuntimeUnderTest();
    api = new BatchApi(subject.runtime.url, subject.runtime.adminKey);
    await api.createSchema(MEMBER_SCHEMA);
  });
  afterAll(() => subject.stop());

  it('answers 404 for a person who came only through a reverted batch, and keeps what another batch brought', async () => {
    // Prepare: the CRM batch brings Olive (only there) and Bea; a loyalty batch in another dataset brings Bea too
    const crm = await api.createDataset('crm members', MEMBER_SCHEMA_ID, true);
    const loyalty = await api.createDataset('loyalty members', MEMBER_SCHEMA_ID, true);
    const crmBatch = await api.ingest({ datasetId: crm, inputFormat: JSON_LINES }, [
      {
        path: 'crm.jsonl',
        bytes: jsonLines([
          { email: 'olive@example.com', crmId: 'OLIVE-1', timestamp: '2026-03-01T00:00:00Z', tier: 'gold' },
          { email: 'bea@example.com', crmId: 'BEA-CRM', timestamp: '2026-03-01T00:00:00Z', tier: 'silver' },
        ]),
      },
    ]);
    const loyaltyBatch = await api.ingest({ datasetId: loyalty, inputFormat: JSON_LINES }, [
      {
        path: 'loyalty.jsonl',
        bytes: jsonLines([
          { email: 'bea@example.com', crmId: 'BEA-LOY', timestamp: '2026-02-01T00:00:00Z', tier: 'platinum' },
        ]),
      },
    ]);
    const before = {
      olive: (await api.profile('CRMID', 'OLIVE-1')).status,
      bea: ((await graphOf('Email', 'bea@example.com')).body as GraphAnswer).nodes
        .map((node) => node.id)
        .sort(),
    };

    // Act
    const revert = await api.action(crmBatch.id, 'REVERT');
    const reverted = await api.waitForBatch(crmBatch.id, (view: FileBatchView) => view.status !== 'success');

    // Assess
    expect([crmBatch.status, loyaltyBatch.status]).toEqual(['success', 'success']);
    expect(before).toEqual({ olive: 200, bea: ['BEA-CRM', 'BEA-LOY', 'bea@example.com'] });
    expect(revert.status).toBe(200);
    expect(reverted.status).toBe('deleted');
    // Olive came only through the reverted batch: no profile, no timeline, no graph, from any of her identities.
    expectProblem(await api.profile('Email', 'olive@example.com'), 404, 'not-found');
    expectProblem(await api.profile('CRMID', 'OLIVE-1'), 404, 'not-found');
    expectProblem(await api.events('Email', 'olive@example.com'), 404, 'not-found');
    expectProblem(await graphOf('Email', 'olive@example.com'), 404, 'not-found');
    // Bea keeps the loyalty batch's link and data; the CRM id only the reverted batch linked is gone.
    const bea = await api.profile('Email', 'bea@example.com');
    expect(bea.status).toBe(200);
    expect(bea.body).toMatchObject({
      attributes: { tier: 'platinum' },
      provenance: { tier: { datasetId: loyalty, batchId: loyaltyBatch.id } },
    });
    const beaGraph = (await graphOf('CRMID', 'BEA-LOY')).body as GraphAnswer;
    expect(beaGraph.nodes.map((node) => node.id).sort()).toEqual(['BEA-LOY', 'bea@example.com']);
    expect(beaGraph.links).toEqual([
      expect.objectContaining({
        from: expect.objectContaining({ id: 'bea@example.com' }) as unknown,
        to: expect.objectContaining({ id: 'BEA-LOY' }) as unknown,
        source: expect.objectContaining({ batchId: loyaltyBatch.id }) as unknown,
      }),
    ]);
    expectProblem(await api.profile('CRMID', 'BEA-CRM'), 404, 'not-found');
  });
});
