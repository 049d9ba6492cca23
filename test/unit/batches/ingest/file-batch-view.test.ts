import { describe, expect, it } from 'vitest';
import type { StagedChunk } from '../../../../lambdas/core/batches/file-batch-types';
import { fileBatchMetrics, fileBatchView } from '../../../../lambdas/core/batches/file-batch-view';
import { BATCH_ID, DATASET_ID, fileBatch, NOW } from '../../../support/memory-uploads';

const chunk = (name: string, counts: Partial<StagedChunk>): StagedChunk => ({
  chunk: name,
  file: 'a.json',
  range: '0-1',
  inputRecordCount: 0,
  outputRecordCount: 0,
  failedRecordCount: 0,
  errors: {},
  writtenAt: NOW.toISOString(),
  ...counts,
});

describe('fileBatchView', () => {
  it('sums the metrics of the staged chunks (valid rows of a failed batch discarded), lists errors by code after the batch failure, and profile errors', () => {
    // Prepare
    const batch = fileBatch({
      status: 'failed',
      startedAt: '2024-06-01T12:00:01.000Z',
      completedAt: '2024-06-01T12:00:05.000Z',
      inputFileCount: 2,
      inputByteSize: 300,
      failure: { code: 'partial-ingestion-threshold-exceeded', message: '3 of 10 rows failed' },
      replay: { predecessors: ['old'] },
      tags: { team: ['crm'] },
    });
    const chunks = [
      chunk('00000-00000', {
        inputRecordCount: 6,
        outputRecordCount: 4,
        failedRecordCount: 2,
        errors: { 'schema-validation': 1, 'malformed-json': 1 },
        profileErrors: { 'profile-identity-invalid': 1 },
      }),
      chunk('00001-00000', {
        inputRecordCount: 4,
        outputRecordCount: 3,
        failedRecordCount: 1,
        errors: { 'schema-validation': 1 },
      }),
    ];

    // Act
    const view = fileBatchView(batch, chunks);

    // Assess
    expect(view).toMatchObject({
      id: BATCH_ID,
      status: 'failed',
      started: Date.parse('2024-06-01T12:00:01.000Z'),
      completed: Date.parse('2024-06-01T12:00:05.000Z'),
      replay: { predecessors: ['old'] },
      tags: { team: ['crm'], acp_enableErrorDiagnostics: false, acp_partialIngestionPercent: 5 },
      metrics: {
        inputFileCount: 2,
        inputByteSize: 300,
        inputRecordCount: 10,
        outputRecordCount: 0,
        failedRecordCount: 3,
        discardedRecordCount: 7,
      },
      relatedObjects: [{ type: 'dataSet', id: DATASET_ID }],
    });
    expect(view.errors).toEqual([
      { code: 'partial-ingestion-threshold-exceeded', description: '3 of 10 rows failed', recordCount: 0 },
      { code: 'malformed-json', description: 'rows that are not valid JSON', recordCount: 1 },
      {
        code: 'schema-validation',
        description: 'records that do not conform to the dataset schema',
        recordCount: 2,
      },
    ]);
    expect(view.profileErrors).toEqual([
      { code: 'profile-identity-invalid', description: 'profile-identity-invalid', recordCount: 1 },
    ]);
  });

  it.each(['success', 'processing', 'deleted'] as const)(
    'counts the valid rows of a %s batch as output, those the profile store refused among them apart',
    (status) => {
      // Prepare
      const batch = fileBatch({ status });
      const chunks = [
        chunk('00000-00000', {
          inputRecordCount: 5,
          outputRecordCount: 4,
          failedRecordCount: 1,
          profileErrors: { 'profile-record-too-large': 2, 'profile-identity-invalid': 1 },
        }),
        chunk('00000-00001', {
          inputRecordCount: 3,
          outputRecordCount: 3,
          profileErrors: { 'profile-record-too-large': 1 },
        }),
      ];

      // Act
      const metrics = fileBatchMetrics(batch, chunks);

      // Assess
      expect(metrics).toMatchObject({
        inputRecordCount: 8,
        outputRecordCount: 7,
        failedRecordCount: 1,
        discardedRecordCount: 0,
        profileErrorCount: 4,
      });
    },
  );

  it('leaves out the times and replay a batch does not have, and counts nothing before the workflow ran', () => {
    // Prepare
    const batch = fileBatch();

    // Act
    const view = fileBatchView(batch, []);

    // Assess
    expect(view).not.toHaveProperty('started');
    expect(view).not.toHaveProperty('completed');
    expect(view).not.toHaveProperty('replay');
    expect(fileBatchMetrics(batch, [])).toEqual({
      inputFileCount: 0,
      inputByteSize: 0,
      inputRecordCount: 0,
      outputRecordCount: 0,
      failedRecordCount: 0,
      discardedRecordCount: 0,
      profileErrorCount: 0,
    });
  });
});
