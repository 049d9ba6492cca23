/**
 * Format detection by file name, for file drops: each format's endings (`.csv`, `.tsv`, …) from the table, in its
 * order, with the options an ending implies and the look at the content some endings ask for.
 */
import type { FileNameRule, InputFormat } from './file-format-types';
import { FILE_FORMAT_NAMES, FILE_FORMATS, type FileFormatName } from './file-formats';

/** A file name's rule and the format it names. */
export interface NamedFormat extends FileNameRule {
  readonly format: FileFormatName;
}

const FILE_NAME_RULES: readonly NamedFormat[] = FILE_FORMAT_NAMES.flatMap((format) =>
  FILE_FORMATS[format].fileNames.map((rule): NamedFormat => ({ ...rule, format })),
);

/** The endings that name a format, for messages: `.csv, .tsv, …`. */
export const FILE_NAME_EXTENSIONS = FILE_NAME_RULES.map((rule) => rule.extension).join(', ');

/** The rule a file name matches, or undefined; a `.gz` suffix is looked through (the readers detect gzip). */
export function namedFormatOf(path: string): NamedFormat | undefined {
  const name = path.replace(/\.gz$/i, '').toLowerCase();
  return FILE_NAME_RULES.find((rule) => name.endsWith(rule.extension));
}

/** The format a rule names, with the options its ending implies. */
export function inputFormatOf(named: NamedFormat): InputFormat {
  return { format: named.format, ...named.options };
}

/** The format a file name names, or undefined. */
export function formatOfName(path: string): InputFormat | undefined {
  const named = namedFormatOf(path);
  return named && inputFormatOf(named);
}
