/**
 * The JSON Schema dialects we compile and the Ajv instance each needs. A schema's `$schema` picks its dialect;
 * one without `$schema` is 2020-12, the current standard.
 */
import Ajv, { type Options } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import draft06MetaSchema from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
import AjvDraft04 from 'ajv-draft-04';
import type { AnySchemaObject, ErrorObject } from 'ajv';
import { addLinearFormats, linearPatternEngine } from './pattern-engine';
import { useLinearUniqueItems } from './linear-unique-items';
import type { SchemaDialect } from './schema-types';

export type AnyAjv = Ajv | Ajv2019 | Ajv2020 | AjvDraft04;

/** `$schema` values, without the empty fragment and with json-schema.org's scheme ignored. */
const DIALECT_BY_META_SCHEMA: Readonly<Record<string, SchemaDialect>> = {
  'json-schema.org/draft-04/schema': 'draft-04',
  'json-schema.org/draft-06/schema': 'draft-07',
  'json-schema.org/draft-07/schema': 'draft-07',
  'json-schema.org/draft/2019-09/schema': '2019-09',
  'json-schema.org/draft/2020-12/schema': '2020-12',
};

export const DEFAULT_DIALECT: SchemaDialect = '2020-12';

/** The dialect a `$schema` value names, `DEFAULT_DIALECT` when absent, undefined when it is not one we know. */
export function dialectOf(metaSchema: unknown): SchemaDialect | undefined {
  if (metaSchema === undefined) return DEFAULT_DIALECT;
  if (typeof metaSchema !== 'string') return undefined;
  const key = metaSchema.replace(/^https?:\/\//, '').replace(/#$/, '');
  return DIALECT_BY_META_SCHEMA[key];
}

/** Draft-04 names a schema's URI `id`; every later draft `$id`. */
export const idKeywordOf = (dialect: SchemaDialect): 'id' | '$id' => (dialect === 'draft-04' ? 'id' : '$id');

/** True for a URI that names a JSON Schema meta-schema, which every Ajv instance already holds. */
export const isMetaSchemaUri = (uri: string): boolean => /^https?:\/\/json-schema\.org\//.test(uri);

/**
 * Strict about real mistakes (unknown keywords and formats, ignored keywords, invalid numbers), not about
 * style: `strictTypes` would reject `properties` without `type: "object"`, legal JSON Schema that XDM and most
 * published schemas use everywhere, and `allowMatchingProperties` lets a property also match a
 * `patternProperties` key, which XDM does on purpose. Patterns run on the linear-time engine (`pattern-engine.ts`).
 */
function ajvOptions(unicodePatterns: boolean, checksMetaSchema: boolean): Options {
  return {
    validateSchema: checksMetaSchema,
    allErrors: true,
    strictSchema: true,
    strictNumbers: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowMatchingProperties: true,
    unicodeRegExp: unicodePatterns,
    code: { regExp: linearPatternEngine },
    logger: false,
  };
}

/**
 * `checksMetaSchema: false` for instances that only compile documents already checked against their meta-schema
 * (by `metaSchemaErrors`): compiling the meta-schema costs each new instance tens of milliseconds.
 */
export function createAjv(
  dialect: SchemaDialect,
  unicodePatterns: boolean,
  checksMetaSchema: boolean,
): AnyAjv {
  const options = ajvOptions(unicodePatterns, checksMetaSchema);
  let ajv: AnyAjv;
  switch (dialect) {
    case 'draft-04':
      ajv = new AjvDraft04(options);
      break;
    case 'draft-07':
      ajv = new Ajv(options);
      ajv.addMetaSchema(draft06MetaSchema);
      break;
    case '2019-09':
      ajv = new Ajv2019(options);
      break;
    case '2020-12':
      ajv = new Ajv2020(options);
      break;
  }
  addLinearFormats(ajv);
  useLinearUniqueItems(ajv);
  return ajv;
}

/** One pristine instance per dialect, to ask which keywords the dialect knows and to check against its meta-schema. */
const referenceInstances = new Map<SchemaDialect, AnyAjv>();

function referenceInstance(dialect: SchemaDialect): AnyAjv {
  let ajv = referenceInstances.get(dialect);
  if (!ajv) {
    ajv = createAjv(dialect, true, true);
    referenceInstances.set(dialect, ajv);
  }
  return ajv;
}

export const isKnownKeyword = (dialect: SchemaDialect, keyword: string): boolean =>
  referenceInstance(dialect).RULES.keywords[keyword] === true;

/** How the document breaks its dialect's meta-schema (empty when it does not). */
export function metaSchemaErrors(dialect: SchemaDialect, schema: AnySchemaObject): ErrorObject[] {
  const ajv = referenceInstance(dialect);
  return ajv.validateSchema(schema) ? [] : [...(ajv.errors ?? [])];
}

/** Ajv accepts only these as names of added keywords. */
export const isValidKeywordName = (keyword: string): boolean => /^[a-z_$][a-z0-9_$:-]*$/i.test(keyword);
