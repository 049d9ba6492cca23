/**
 * What every benchmark hands to `npm run bench` (bench/run-all.bench.ts): rows of one table, each a figure measured
 * against a baseline measured in the same run on the same data, so that the ratio — not the machine's speed — is
 * what the table says.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { printTable } from './markdown-table';

export interface SummaryRow {
  /** What is measured and against what, e.g. `schema validation: registry validator vs bare Ajv`. */
  readonly row: string;
  readonly measured: number;
  readonly baseline: number;
  readonly unit: string;
  /** Decimals to print the two figures with (0 by default: rates, bytes). */
  readonly digits?: number;
}

/** True when the module is the script being run (`tsx bench/x.bench.ts`), false when run-all imports it. */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(resolve(script)).href === moduleUrl;
}

const figure = (value: number, digits: number) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A ratio of 0/0 (nothing written, nothing to compare) reads as 0: the row costs nothing. */
function ratio(row: SummaryRow): string {
  if (row.baseline === 0) return row.measured === 0 ? '0.000' : '∞';
  const value = row.measured / row.baseline;
  return value >= 100 ? value.toFixed(0) : value.toFixed(3);
}

export function printSummary(rows: readonly SummaryRow[]): void {
  printTable(
    ['row', 'measured', 'baseline', 'ratio', 'unit'],
    rows.map((row) => [
      row.row,
      figure(row.measured, row.digits ?? 0),
      figure(row.baseline, row.digits ?? 0),
      ratio(row),
      row.unit,
    ]),
  );
}
