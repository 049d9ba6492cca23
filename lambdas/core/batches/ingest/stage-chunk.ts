/**
 * Stages one chunk: reads its rows, maps each with the batch's mapping set when it has one, validates each against
 * the dataset's schema, writes the valid ones as one Parquet file under the staging prefix and the failed ones —
 * with file, line or row, and every violation — to the quarantine, and records the chunk's counts. Staging the same
 * range again overwrites the same objects and counts, and a chunk already staged from the same range is not read
 * twice (a resumed batch skips what is done).
 *
 * A mapped batch reads its rows as they are (CSV text stays text), maps them, and only then converts the mapped
 * record to the schema's types with Data Prep's implicit conversions: the rules apply to what the file holds, and
 * the schema's types to what the rules made. A field the mapping could not produce is left out with a warning; a
 * row that then fails validation is quarantined with its warnings among its violations (keyword `mapping`).
 */
import { MappingBudget, ROW_MAPPING_LIMITS } from '../../mapping/mapping-budget';
import type { CompiledMappingSet } from '../../mapping/mapping-types';
import { warningViolations } from '../../mapping-sets/mapping-warnings';
import { typeMappedRecord, type RecordTyping } from '../../mapping-sets/typed-record';
import { jsonBytes, PROCESSING_BUDGET_EXCEEDED, ProcessingBudget } from '../../processing-budget';
import { timestampSkewViolation } from '../../profiles/record-time';
import { LakeParquetWriter, PARQUET_CONTENT_TYPE, typedColumnsOf } from '../../lake/parquet-lake-file';
import { BatchStateError, batchForStep } from '../batch-transitions';
import type { FailedRow, FileBatch, StagedChunk, StoredFilePlan } from '../file-batch-types';
import { RecordCoercion } from '../../files/field-coercion';
import { FileFormatError, type ParsedRow } from '../../files/file-format-types';
import { FILE_FORMATS } from '../../files/file-formats';
import { chunkNameOf, chunkRangeOf, stagingKey, type ChunkItem } from './chunk-plan';
import type { StepInput } from './check-guardrails';
import type { IngestDeps } from './ingest-ports';
import { failUnreadable } from './plan-chunks';
import { quarantineKey } from '../../lake/lake-keys';
import { QUARANTINE_CODES } from '../../lake/quarantine-lines';

export interface ChunkStepInput extends StepInput {
  readonly chunk: ChunkItem;
}

const JSON_LINES = 'application/x-ndjson';

/** The stable id of a file row in the lake: batch, file and row. */
export const rowMessageId = (batchId: string, file: number, row: number) => `${batchId}:${file}:${row}`;

/** The row number a file row's id holds, or undefined for an id of another shape. */
export function rowOfMessageId(messageId: string): number | undefined {
  const row = Number(messageId.slice(messageId.lastIndexOf(':') + 1));
  return Number.isInteger(row) && row > 0 ? row : undefined;
}

type Failure = Pick<FailedRow, 'code' | 'violations' | 'mappedRecord'>;

function failedRowOf(path: string, row: ParsedRow, failure: Failure): FailedRow {
  return {
    file: path,
    ...(row.line !== undefined ? { line: row.line } : {}),
    row: row.row,
    ...failure,
    ...(row.record !== undefined ? { record: row.record } : {}),
    ...(row.error?.raw !== undefined ? { raw: row.error.raw } : {}),
  };
}

/** The batch's compiled mapping; a batch whose pinned version is gone cannot be read, and fails saying so. */
async function mappingOf(deps: IngestDeps, batch: FileBatch): Promise<CompiledMappingSet | undefined> {
  if (!batch.mapping) return undefined;
  const { mappingSetId, version } = batch.mapping;
  const compiled = await deps.mappings.compiled(batch.sandbox, batch.mapping);
  if (!compiled) {
    throw new FileFormatError(
      'mapping-set-not-found',
      `version ${version} of mapping set ${mappingSetId}, which the batch maps with, does not exist`,
    );
  }
  return compiled;
}

export async function stageChunk(deps: IngestDeps, input: ChunkStepInput): Promise<{ done: boolean }> {
  const { sandbox, batchId, chunk } = input;
  const batch = await batchForStep(deps.batches, sandbox, batchId);
  // A decided batch's staging is settled: its chunks are promoted as staged, never staged again.
  if (batch.status !== 'staging') return { done: false };
  const name = chunkNameOf(chunk);
  const range = chunkRangeOf(chunk);
  const existing = await deps.batches.getStagedChunk(sandbox, batchId, name);
  if (existing?.range === range || existing?.promoted) return { done: true };
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
  const mapping = await mappingOf(deps, batch);
  const fieldTypes =
    FILE_FORMATS[batch.inputFormat.format].typedBySchema || mapping
      ? await deps.fieldTypes(sandbox, target.schema.id, target.schema.version)
      : undefined;
  const typing: RecordTyping | undefined =
    mapping && fieldTypes
      ? { coercion: new RecordCoercion(fieldTypes), validate: target.validate }
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
  let mappingWarningCount = 0;
  // Expressions asking for the time (`now()`) see the batch's, so staging a chunk again maps it the same way.
  const mappingContext = { now: () => new Date(receivedAt) };
  const fail = (row: ParsedRow, failure: Failure) => {
    failed.push(JSON.stringify(failedRowOf(plan.path, row, failure)));
    errors.set(failure.code, (errors.get(failure.code) ?? 0) + 1);
  };
  const rows = deps.reader.read(source, batch.inputFormat, filePlan, chunk, {
    maxFieldsPerRow: deps.guardrails.maxFieldsPerRow,
    // A mapped batch's rows are typed after mapping, not as they are read.
    ...(fieldTypes && !mapping ? { fieldTypes } : {}),
  });
  for await (const row of rows) {
    if (row.error || row.record === undefined) {
      const error = row.error ?? { code: 'unreadable-row', message: 'the row could not be read' };
      fail(row, {
        code: error.code,
        violations: error.violations ?? [{ pointer: '', keyword: error.code, message: error.message }],
      });
      continue;
    }
    let record = row.record;
    const budget = new ProcessingBudget(deps.processingClock, undefined, () => jsonBytes(row.record));
    if (mapping && typing) {
      const mapped = mapping.apply(row.record, {
        ...mappingContext,
        budget: new MappingBudget(ROW_MAPPING_LIMITS, budget),
      });
      if (mapped.failure) {
        fail(row, { code: mapped.failure.code, violations: warningViolations([mapped.failure]) });
        continue;
      }
      const typed = typeMappedRecord(mapped.record, typing);
      if (typed.violations.length > 0) {
        fail(row, {
          code: QUARANTINE_CODES.invalid,
          violations: [...typed.violations, ...warningViolations(mapped.warnings)],
          mappedRecord: typed.record,
        });
        continue;
      }
      mappingWarningCount += mapped.warnings.length;
      record = typed.record;
    } else {
      const violations = target.validate(record);
      if (violations.length > 0) {
        fail(row, { code: QUARANTINE_CODES.invalid, violations });
        continue;
      }
    }
    const overrun = budget.overrun('validation');
    if (overrun.length > 0) {
      fail(row, { code: PROCESSING_BUDGET_EXCEEDED, violations: overrun });
      continue;
    }
    const skew = timestampSkewViolation(target.schema.class, record, receivedAt);
    if (skew) {
      fail(row, { code: QUARANTINE_CODES.timestampSkew, violations: [skew] });
      continue;
    }
    writer.add({ messageId: rowMessageId(batchId, chunk.file, row.row), receivedAt, record });
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
    ordinal: chunk.ordinal,
    file: plan.path,
    range: chunkRangeOf(chunk),
    inputRecordCount: writer.rows + failed.length,
    outputRecordCount: writer.rows,
    failedRecordCount: failed.length,
    errors: Object.fromEntries(errors),
    ...(mapping ? { mappingWarningCount } : {}),
    ...(staged ? { stagingKey: staged } : {}),
    ...(quarantined ? { quarantineKey: quarantined } : {}),
    writtenAt: deps.now().toISOString(),
  });
}
