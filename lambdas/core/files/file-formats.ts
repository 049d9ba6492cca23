/**
 * The file formats a batch, a file drop or a connection can name, each with its implementation: the one place that
 * says which formats exist. Planning, reading, file-drop names and explore file types look the format up here; a new
 * format is one folder beside csv/, json/ and parquet/ and one row below. The order is the order messages list them.
 */
import { csvFormat } from './csv/csv-format';
import type { FileFormat } from './file-format-types';
import { jsonFormat } from './json/json-format';
import { parquetFormat } from './parquet/parquet-format';

export const FILE_FORMATS = {
  csv: csvFormat,
  parquet: parquetFormat,
  json: jsonFormat,
} as const satisfies Record<string, FileFormat>;

export type FileFormatName = keyof typeof FILE_FORMATS;

export const FILE_FORMAT_NAMES = Object.keys(FILE_FORMATS) as [FileFormatName, ...FileFormatName[]];

/** Experience Platform's `fileType` names (`delimited`, …), each with the format it names. */
export type FileTypeName = (typeof FILE_FORMATS)[FileFormatName]['fileType'];

export const FORMAT_OF_FILE_TYPE = Object.fromEntries(
  FILE_FORMAT_NAMES.map((name) => [FILE_FORMATS[name].fileType, name]),
) as Record<FileTypeName, FileFormatName>;

export const FILE_TYPE_NAMES = Object.keys(FORMAT_OF_FILE_TYPE) as [FileTypeName, ...FileTypeName[]];
