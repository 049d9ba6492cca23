/**
 * Mapping warnings where records are judged: a field the mapping could not produce is left out of the record, and
 * when the record then fails validation its warnings join the violations (keyword `mapping`, pointing at the field
 * the mapping was to fill), so the failed record says why the field is missing.
 */
import type { Violation } from '../errors/domain-error';
import { parseFieldPath, PathSyntaxError, type PathSegment } from '../mapping/field-path';
import type { MappingWarning } from '../mapping/mapping-types';

export const MAPPING_VIOLATION_KEYWORD = 'mapping';

const escapeToken = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * A Data Prep destination path as a JSON pointer: `a.b` → `/a/b`, `items[0].sku` → `/items/0/sku`, `${first name}`
 * → `/first name`, `a\.b` → `/a.b`. An iterated array (`items[*].sku`) keeps `*` for the index, since a warning
 * is of the rule, not of one element. A stored rule's destination always parses; anything else is named whole.
 */
export function destinationPointer(destination: string): string {
  // A warning about the whole row (one that is not an object) has no destination.
  if (destination === '') return '';
  let segments: readonly PathSegment[];
  try {
    segments = parseFieldPath(destination).segments;
  } catch (error) {
    if (error instanceof PathSyntaxError) return `/${escapeToken(destination)}`;
    throw error;
  }
  const tokens = segments.map((segment) =>
    segment.kind === 'name' ? segment.name : segment.kind === 'index' ? String(segment.index) : '*',
  );
  return tokens.map((token) => `/${escapeToken(token)}`).join('');
}

export function warningViolations(warnings: readonly MappingWarning[]): Violation[] {
  return warnings.map((warning) => ({
    pointer: destinationPointer(warning.destination),
    keyword: MAPPING_VIOLATION_KEYWORD,
    message: `mapping ${warning.mapping} (${warning.code}): ${warning.message}`,
  }));
}
