/**
 * What the registry must know about a submitted document before Ajv compiles it: the other documents it
 * `$ref`s, the keywords Ajv would not know, the patterns that are not Unicode-mode regular expressions, and those
 * the linear-time engine cannot run.
 */
import { linearRegexRefusal } from '../linear-regex';
import { appendPointer } from './json-pointer';
import { isKnownKeyword, isMetaSchemaUri } from './json-schema-dialects';
import type { SchemaDialect } from './schema-types';
import { walkSchema } from './schema-walk';

/** XDM annotates schemas with `meta:*` keywords (`meta:extends`, `meta:abstract`, `meta:status`, …). */
const ANNOTATION_PREFIX = 'meta:';

export interface ExternalRef {
  /** Pointer (within the schema) of the `$ref` keyword. */
  readonly pointer: string;
  readonly ref: string;
  /** The document the ref names, without fragment. */
  readonly uri: string;
}

export interface LocatedKeyword {
  readonly pointer: string;
  readonly keyword: string;
}

export interface SchemaScan {
  readonly externalRefs: ExternalRef[];
  readonly invalidRefs: LocatedKeyword[];
  readonly unknownKeywords: LocatedKeyword[];
  readonly annotationKeywords: Set<string>;
  /** Patterns valid only without the `u` flag. */
  readonly legacyPatterns: string[];
  /** Patterns valid in no mode. */
  readonly invalidPatterns: string[];
  /** Valid patterns that need a backtracking engine (lookaround, backreferences), with the construct. */
  readonly backtrackingPatterns: LocatedKeyword[];
}

const hasScheme = (uri: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(uri);

/** The document a `$ref` names (fragment removed), resolved against the schema's own URI. */
export function documentUriOf(ref: string, baseUri: string): string | undefined {
  const withoutFragment = ref.split('#')[0] ?? '';
  if (withoutFragment === '') return baseUri;
  if (hasScheme(withoutFragment)) return withoutFragment;
  try {
    const resolved = new URL(withoutFragment, baseUri);
    resolved.hash = '';
    return resolved.href;
  } catch {
    return undefined;
  }
}

type PatternMode = 'unicode' | 'legacy' | 'invalid';

function patternMode(pattern: string): PatternMode {
  for (const [flags, mode] of [
    ['u', 'unicode'],
    ['', 'legacy'],
  ] as const) {
    try {
      new RegExp(pattern, flags);
      return mode;
    } catch {
      // try the next, more lenient mode
    }
  }
  return 'invalid';
}

export function scanSchema(
  schema: Record<string, unknown>,
  dialect: SchemaDialect,
  baseUri: string,
): SchemaScan {
  const scan: SchemaScan = {
    externalRefs: [],
    invalidRefs: [],
    unknownKeywords: [],
    annotationKeywords: new Set(),
    legacyPatterns: [],
    invalidPatterns: [],
    backtrackingPatterns: [],
  };
  const checkPattern = (pattern: string, pointer: string): void => {
    const mode = patternMode(pattern);
    if (mode === 'legacy') scan.legacyPatterns.push(pointer);
    if (mode === 'invalid') {
      scan.invalidPatterns.push(pointer);
      return;
    }
    const refusal = linearRegexRefusal(pattern, { unicode: mode === 'unicode' });
    if (refusal !== undefined) scan.backtrackingPatterns.push({ pointer, keyword: refusal });
  };
  walkSchema(schema, (node, pointer) => {
    for (const [keyword, value] of Object.entries(node)) {
      if (keyword.startsWith(ANNOTATION_PREFIX)) scan.annotationKeywords.add(keyword);
      else if (!isKnownKeyword(dialect, keyword)) scan.unknownKeywords.push({ pointer, keyword });
      if (keyword === '$ref' && typeof value === 'string') {
        const uri = documentUriOf(value, baseUri);
        const refPointer = appendPointer(pointer, '$ref');
        if (uri === undefined) scan.invalidRefs.push({ pointer: refPointer, keyword: value });
        else if (uri !== baseUri && !isMetaSchemaUri(uri))
          scan.externalRefs.push({ pointer: refPointer, ref: value, uri });
      }
      if (keyword === 'pattern' && typeof value === 'string')
        checkPattern(value, appendPointer(pointer, 'pattern'));
    }
    const patternProperties = node.patternProperties;
    if (typeof patternProperties === 'object' && patternProperties !== null) {
      for (const pattern of Object.keys(patternProperties)) {
        checkPattern(pattern, appendPointer(pointer, 'patternProperties', pattern));
      }
    }
  });
  return scan;
}
