/**
 * The shapes of the schema registry: a registered schema version as stored and answered, and its list summary.
 */

/**
 * `profile` records describe a person, `event` records a time-series fact (`_id` and `timestamp` required).
 * `component` schemas (XDM classes, field groups, data types) are building blocks that other schemas `$ref`;
 * they carry no identities and no class rules, and datasets do not bind to them.
 */
export const SCHEMA_CLASSES = ['profile', 'event', 'component'] as const;
export type SchemaClass = (typeof SCHEMA_CLASSES)[number];

/** What an unknown keyword in a submitted schema does: fail the registration, or count as an annotation. */
export const UNKNOWN_KEYWORD_MODES = ['reject', 'ignore'] as const;
export type UnknownKeywordMode = (typeof UNKNOWN_KEYWORD_MODES)[number];

/** The JSON Schema dialects the registry compiles, each with its own Ajv class. */
export type SchemaDialect = 'draft-04' | 'draft-07' | '2019-09' | '2020-12';

export interface IdentityDescriptor {
  /** JSON pointer to a string field of the record, e.g. `/person/email`. */
  readonly path: string;
  /** An identity namespace code known in the sandbox (`Email`, `ECID`, …). */
  readonly namespace: string;
  readonly primary: boolean;
}

/**
 * Where a record's primary identity is found: a descriptor's field, or (`path: 'identityMap'`, no namespace)
 * the `identityMap` entry that the record itself flags `primary: true`.
 */
export interface PrimaryIdentity {
  readonly path: string;
  readonly namespace?: string;
}

export interface SchemaReference {
  readonly id: string;
  readonly version: number;
}

/** Something the registry accepted but wants the author to know about; `pointer` is into the request body. */
export interface SchemaWarning {
  readonly pointer: string;
  readonly message: string;
}

/** One immutable version of a registered schema. */
export interface StoredSchema {
  readonly sandbox: string;
  /** A URI: the schema's `$id`, or one generated for it at registration. */
  readonly id: string;
  readonly version: number;
  readonly title: string;
  readonly description?: string;
  readonly class: SchemaClass;
  /** The JSON Schema as submitted, with `$id` (or draft-04 `id`) set to `id`. */
  readonly schema: Record<string, unknown>;
  readonly dialect: SchemaDialect;
  readonly identities: IdentityDescriptor[];
  readonly hasIdentityMap: boolean;
  readonly primaryIdentity?: PrimaryIdentity;
  /**
   * Every other registered schema this version reaches through `$ref`, transitively, pinned to the version that
   * was latest when this version was registered: a version's validator therefore never changes.
   */
  readonly dependencies: SchemaReference[];
  /** Keywords compiled as annotations without meaning: XDM's `meta:*` and, when asked for, unknown ones. */
  readonly annotationKeywords: string[];
  /** False when a `pattern` is valid only as a non-Unicode regular expression (see docs/schemas.md). */
  readonly unicodePatterns: boolean;
  readonly warnings: SchemaWarning[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface SchemaSummary {
  readonly id: string;
  readonly version: number;
  readonly title: string;
  readonly class: SchemaClass;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const summarize = (schema: StoredSchema): SchemaSummary => ({
  id: schema.id,
  version: schema.version,
  title: schema.title,
  class: schema.class,
  createdAt: schema.createdAt,
  updatedAt: schema.updatedAt,
});
