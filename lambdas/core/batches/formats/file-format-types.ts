/**
 * The contract between the batch workflow and the file readers: how a batch's files are described
 * (`InputFormat`, Experience Platform's `inputFormat`), where their bytes come from (`ByteSource`), how a file is
 * cut into chunks that can be read independently (`FilePlan`), and what reading a chunk yields (`ParsedRow`).
 */
import type { Readable } from 'node:stream';
import type { Violation } from '../../errors/domain-error';

export const FILE_FORMATS = ['json', 'csv', 'parquet'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/** A batch's `inputFormat`, with Experience Platform's option names; defaults are applied by `withDefaults`. */
export interface InputFormat {
  readonly format: FileFormat;
  /** JSON only: the file is one JSON array (not splittable) rather than JSON Lines. Default false. */
  readonly isMultiLineJson?: boolean;
  /** CSV: one character, default `,`. */
  readonly delimiter?: string;
  /** CSV: one character, default `"`. */
  readonly quote?: string;
  /** CSV: one character that escapes a quote inside a quoted field, default `"` (a doubled quote). */
  readonly escape?: string;
  /** CSV: whether the first record names the columns. Default true; without it columns are `_c0`, `_c1`, … */
  readonly header?: boolean;
  /** CSV: a value that means "no value" (the field is left out). An empty field is always left out. */
  readonly nullMarker?: string;
  /** CSV and JSON: the text encoding (a WHATWG encoding label), default `utf-8`. */
  readonly charset?: string;
}

/** The bytes of one file, read by range; the file may be stored as several objects (a chunked upload). */
export interface ByteSource {
  readonly size: number;
  /** Bytes `[start, end)` as a stream. */
  read(start: number, end: number): Promise<Readable>;
}

/**
 * One independently readable piece of a file. Line formats: the byte range `[start, end)` begins at the start of a
 * record and ends after a record's line end (or at the end of the file); `firstLine` is the 1-based physical line
 * and `firstRow` the 1-based data row (header excluded) where it begins. Parquet: row groups `[start, end)`.
 * A compressed or multi-line JSON file is one chunk covering the whole file.
 */
export interface FileChunk {
  readonly index: number;
  readonly start: number;
  readonly end: number;
  readonly firstLine: number;
  readonly firstRow: number;
}

export interface FilePlan {
  readonly compression: 'gzip' | 'none';
  /** CSV: the column names (from the header or generated), needed by every chunk. */
  readonly columns?: readonly string[];
  readonly chunks: readonly FileChunk[];
}

/** A row that could not be read (the record itself is unusable), with why. */
export interface RowError {
  /** Machine code, e.g. `malformed-json`, `malformed-csv`, `too-many-fields`, `not-an-object`. */
  readonly code: string;
  readonly message: string;
  /** The row's text as read (truncated to a few KB), when there is text. */
  readonly raw?: string;
  /** Where in the row it went wrong, when the fault is in fields (`inexact-number`); else the row as a whole. */
  readonly violations?: readonly Violation[];
}

/** One row of a file: a record to validate, or an error. */
export interface ParsedRow {
  /** 1-based physical line where the row starts (line formats); absent for Parquet. */
  readonly line?: number;
  /** 1-based data row in the file (header excluded; for multi-line JSON the array index + 1). */
  readonly row: number;
  readonly record?: Record<string, unknown>;
  readonly error?: RowError;
}

/** The JSON types a schema allows at a field path (through `$ref` and `allOf`), or undefined when unrestricted. */
export type FieldTypes = (path: readonly string[]) => ReadonlySet<string> | undefined;

export interface ReadOptions {
  /** Rows with more fields than this are errors (`too-many-fields`); Experience Platform's limit is 10,000. */
  readonly maxFieldsPerRow: number;
  /** CSV: coerce strings to the schema's types (numbers, integers, booleans) where the schema says so. */
  readonly fieldTypes?: FieldTypes;
}

/**
 * A file that cannot be read at all (bad gzip, not Parquet, an unknown charset, a CSV without a header row): the
 * batch fails with this code, as Experience Platform fails batches with unreadable files.
 */
export class FileFormatError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'FileFormatError';
  }
}
