/**
 * The contract between the pipelines and the file readers: how a batch's files are described (`InputFormat`,
 * Experience Platform's `inputFormat`), where their bytes come from (`ByteSource`), how a file is cut into chunks
 * that can be read independently (`FilePlan`), what reading a chunk yields (`ParsedRow`), and what one format
 * implements (`FileFormat`, one row of the table in file-formats.ts).
 */
import type { Readable } from 'node:stream';
import type { Violation } from '../errors/domain-error';
import type { FileFormatName } from './file-formats';
import type { ResolvedInputFormat } from './input-format-defaults';

/** A batch's `inputFormat`, with Experience Platform's option names; defaults are applied by `withDefaults`. */
export interface InputFormat {
  readonly format: FileFormatName;
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

/** A file name ending (`.tsv`, before any `.gz`) that names a format, with the options it implies. */
export interface FileNameRule {
  readonly extension: string;
  readonly options?: Omit<InputFormat, 'format'>;
  /** Options the file's first bytes imply (a `.json` file that starts with `[` is one JSON array). */
  readonly sniff?: (source: ByteSource) => Promise<Omit<InputFormat, 'format'>>;
}

/**
 * One file format: how its files are cut into chunks and how a chunk is read. The options come with their defaults
 * applied; gzip is detected before planning (by magic bytes) and recorded in the plan. A new format is a folder
 * implementing this and one row of FILE_FORMATS.
 */
export interface FileFormat {
  /** Experience Platform's `fileType` for the format when a connection's files are explored (CSV is `delimited`). */
  readonly fileType: string;
  /** The file name endings that name the format, for file drops, in the order they are tried. */
  readonly fileNames: readonly FileNameRule[];
  /** Values are text, typed by the schema's field types as they are read (`ReadOptions.fieldTypes`). */
  readonly typedBySchema: boolean;
  /**
   * The file's chunks of about `targetChunkBytes` each, cut where a row begins; with no target, one chunk for the
   * whole file, reading no more of it than the plan needs (the CSV header, the Parquet footer).
   */
  plan(
    source: ByteSource,
    format: ResolvedInputFormat,
    compression: FilePlan['compression'],
    targetChunkBytes: number | undefined,
  ): Promise<FilePlan>;
  /** The rows of one chunk, in batches; `rowLimit` lets a preview stop a read early inside one unit of reading. */
  read(
    source: ByteSource,
    format: ResolvedInputFormat,
    plan: FilePlan,
    chunk: FileChunk,
    options: ReadOptions,
    rowLimit?: number,
  ): AsyncGenerator<ParsedRow[]>;
}
