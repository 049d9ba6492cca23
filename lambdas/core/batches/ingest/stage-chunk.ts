/**
 * Stages one chunk: reads its rows, validates each against the dataset's schema, writes the valid ones as one
 * Parquet file under the staging prefix and the failed ones — with file, line or row, and every violation — to the
 * quarantine, and records the chunk's counts. Staging the same range again overwrites the same objects and counts,
 * and a chunk already staged from the same range is not read twice (a resumed batch skips what is done).
 */
import { quarantineKey } from '../../streaming/stream-message';
import { LakeParquetWriter, PARQUET_CONTENT_TYPE, typedColumnsOf } from '../../streaming/parquet-lake-file';
import { QUARANTINE_CODES } from '../batch-view';
import { BatchStateError, batchForStep } from '../batch-transitions';
import type { FailedRow, FileBatch, StagedChunk, StoredFilePlan } from '../file-batch-types';
import { FileFormatError, type ParsedRow } from '../formats/file-format-types';
import { chunkNameOf, chunkRangeOf, stagingKey, type ChunkItem } from './chunk-plan';
import { INGESTING, type StepInput } from './check-guardrails';
import type { IngestDeps } from './ingest-ports';
import { failUnreadable } from './plan-chunks';

export interface ChunkStepInput extends StepInput {
  readonly chunk: ChunkItem;
}

const JSON_LINES = 'application/x-ndjson';

/** The stable id of a file row in the lake: batch, file and row. */
export const rowMessageId = (batchId: string, file: number, row: number) => `${batchId}:${file}:${row}`;

function failedRowOf(
  path: string,
  row: ParsedRow,
  failure: Pick<FailedRow, 'code' | 'violations'>,
): FailedRow {
  return {
    file: path,
    ...(row.line !== undefined ? { line: row.line } : {}),
    row: row.row,
    ...failure,
    ...(row.record !== undefined ? { record: row.record } : {}),
    ...(row.error?.raw !== undefined ? { raw: row.error.raw } : {}),
  };
}

export async function stageChunk(deps: IngestDeps, input: ChunkStepInput): Promise<{ done: boolean }> {
  const { sandbox, batchId, chunk } = input;
  const batch = await batchForStep(deps.batches, sandbox, batchId);
  if (!INGESTING.includes(batch.status)) return { done: false };
  const name = chunkNameOf(chunk);
  const range = chunkRangeOf(chunk);
  const existing = await deps.batches.getStagedChunk(sandbox, batchId, name);
  if (existing?.range === range) return { done: true };
  const plan = await deps.batches.getFilePlan(sandbox, batchId, chunk.file);
  if (!plan) throw new BatchStateError(`batch ${batchId} has no plan for file ${chunk.file}; plan it again`);
  try {
    await stageRows(deps, batch, plan, input, existing);
  } catch (error) {
    if (!(error instanceof FileFormatError)) throw error;
    await failUnreadable(deps, input, plan.path, error);
    throw new BatchStateError(`batch ${batchId} failed: ${plan.path}: ${error.message}`);
  }
  return { done: true };
}

async function stageRows(
  deps: IngestDeps,
  batch: FileBatch,
  plan: StoredFilePlan,
  input: ChunkStepInput,
  previous: StagedChunk | undefined,
): Promise<void> {
  const { sandbox, batchId, chunk } = input;
  const target = await deps.targets.target(sandbox, plan.datasetId);
  if (typeof target === 'string') {
    throw new FileFormatError(target, `the batch's dataset ${plan.datasetId} cannot be read (${target})`);
  }
  const fieldTypes =
    batch.inputFormat.format === 'csv'
      ? await deps.fieldTypes(sandbox, target.schema.id, target.schema.version)
      : undefined;
  const source = deps.sources.byteSource(plan.parts, plan.size);
  const filePlan = {
    compression: plan.compression,
    ...(plan.columns ? { columns: plan.columns } : {}),
    chunks: [chunk],
  };
  const writer = new LakeParquetWriter(typedColumnsOf(target.schema.schema));
  const receivedAt = batch.startedAt ?? batch.createdAt;
  const failed: string[] = [];
  const errors = new Map<string, number>();
  const fail = (row: ParsedRow, failure: Pick<FailedRow, 'code' | 'violations'>) => {
    failed.push(JSON.stringify(failedRowOf(plan.path, row, failure)));
    errors.set(failure.code, (errors.get(failure.code) ?? 0) + 1);
  };
  const rows = deps.reader.read(source, batch.inputFormat, filePlan, chunk, {
    maxFieldsPerRow: deps.guardrails.maxFieldsPerRow,
    ...(fieldTypes ? { fieldTypes } : {}),
  });
  for await (const row of rows) {
    if (row.error || row.record === undefined) {
      const error = row.error ?? { code: 'unreadable-row', message: 'the row could not be read' };
      fail(row, {
        code: error.code,
        violations: [{ pointer: '', keyword: error.code, message: error.message }],
      });
      continue;
    }
    const violations = target.validate(row.record);
    if (violations.length > 0) {
      fail(row, { code: QUARANTINE_CODES.invalid, violations });
      continue;
    }
    writer.add({ messageId: rowMessageId(batchId, chunk.file, row.row), receivedAt, record: row.record });
  }
  const name = chunkNameOf(chunk);
  const staged = writer.rows > 0 ? stagingKey(sandbox, plan.datasetId, batchId, name) : undefined;
  if (staged) await deps.lake.put(staged, writer.finish(), PARQUET_CONTENT_TYPE);
  const quarantined = failed.length > 0 ? quarantineKey(sandbox, plan.datasetId, batchId, name) : undefined;
  if (quarantined) await deps.quarantine.put(quarantined, Buffer.from(`${failed.join('\n')}\n`), JSON_LINES);
  // A chunk staged before from another range (a resumed batch planned anew) may have written what this one does not.
  if (previous?.stagingKey && !staged) await deps.lake.delete(previous.stagingKey);
  if (previous?.quarantineKey && !quarantined) await deps.quarantine.delete(previous.quarantineKey);
  await deps.batches.putStagedChunk(sandbox, batchId, {
    chunk: name,
    file: plan.path,
    range: chunkRangeOf(chunk),
    inputRecordCount: writer.rows + failed.length,
    outputRecordCount: writer.rows,
    failedRecordCount: failed.length,
    errors: Object.fromEntries(errors),
    ...(staged ? { stagingKey: staged } : {}),
    ...(quarantined ? { quarantineKey: quarantined } : {}),
    writtenAt: deps.now().toISOString(),
  });
}
