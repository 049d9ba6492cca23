/**
 * The file formats a batch, a file drop or a connection can name, each with its implementation: the one place that
 * says which formats exist. Planning and reading look the format up here; a new format is one folder beside csv/,
 * json/ and parquet/ and one row below. The order is the order error messages list the names in.
 */
import { csvFormat } from './csv/csv-format';
import type { FileFormat } from './file-format-types';
import { jsonFormat } from './json/json-format';
import { parquetFormat } from './parquet/parquet-format';

export const FILE_FORMATS = {
  json: jsonFormat,
  csv: csvFormat,
  parquet: parquetFormat,
} as const satisfies Record<string, FileFormat>;

export type FileFormatName = keyof typeof FILE_FORMATS;

export const FILE_FORMAT_NAMES = Object.keys(FILE_FORMATS) as [FileFormatName, ...FileFormatName[]];
