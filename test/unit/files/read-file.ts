/** Plans a file held in memory and reads every chunk of it, for the format readers' tests. */
import type {
  FieldTypes,
  FilePlan,
  InputFormat,
  ParsedRow,
} from '../../../lambdas/core/files/file-format-types';
import { memoryByteSource } from '../../../lambdas/core/files/memory-byte-source';
import { planFile } from '../../../lambdas/core/files/plan-file';
import { readChunk } from '../../../lambdas/core/files/read-chunk';

export interface ReadFileOptions {
  readonly targetChunkBytes?: number;
  /** Size of the pieces the source streams in (small values split records across pieces). */
  readonly pieceBytes?: number;
  readonly maxFieldsPerRow?: number;
  readonly fieldTypes?: FieldTypes;
}

export interface FileRead {
  readonly plan: FilePlan;
  readonly rows: ParsedRow[];
}

export async function readFile(
  content: string | Uint8Array,
  format: InputFormat,
  options: ReadFileOptions = {},
): Promise<FileRead> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const source = memoryByteSource(bytes, { pieceBytes: options.pieceBytes ?? 64 * 1024 });
  const plan = await planFile(source, format, { targetChunkBytes: options.targetChunkBytes ?? 1024 * 1024 });
  const rows: ParsedRow[] = [];
  const readOptions = { maxFieldsPerRow: options.maxFieldsPerRow ?? 10_000, fieldTypes: options.fieldTypes };
  for (const chunk of plan.chunks) {
    for await (const row of readChunk(source, format, plan, chunk, readOptions)) rows.push(row);
  }
  return { plan, rows };
}

export const records = (rows: readonly ParsedRow[]) => rows.map((row) => row.record);
export const errorCodes = (rows: readonly ParsedRow[]) => rows.map((row) => row.error?.code);

/** Collects an iteration, and what it threw after the rows it gave. */
export async function collectUntilError<T>(rows: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of rows) items.push(item);
  } catch (error) {
    return { items, error };
  }
  return { items, error: undefined };
}
