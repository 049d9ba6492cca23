/**
 * The schema registry: registers JSON Schemas with their class and identities, evolves them additively into new
 * versions, and validates records with compiled validators cached per immutable version.
 */
import { randomUUID } from 'node:crypto';
import { MissingRefError } from 'ajv';
import {
  conflict,
  notFound,
  tooLarge,
  unprocessable,
  validationFailed,
  type Violation,
} from '../errors/domain-error';
import type { Page, PageRequest } from '../page';
import { AjvPool, type CompiledValidator } from './ajv-pool';
import { toViolations } from './ajv-violations';
import { breakingChanges, type EvolutionSide } from './evolution-rules';
import { appendPointer } from './json-pointer';
import { patternBudgetViolation, withinPatternBudget } from './pattern-engine';
import { dialectOf, idKeywordOf, isValidKeywordName, metaSchemaErrors } from './json-schema-dialects';
import { checkRecordRules } from './record-rules';
import { parseEvolution, parseRegistration, type SchemaDefinition } from './schema-input';
import { scanSchema, type ExternalRef, type SchemaScan } from './schema-scan';
import type { SchemaStore } from './schema-store';
import { fieldAt, type SchemaDocuments } from './schema-structure';
import type {
  IdentityDescriptor,
  SchemaDialect,
  SchemaSummary,
  SchemaWarning,
  StoredSchema,
} from './schema-types';

export interface NamespaceDirectory {
  /**
   * The namespace's code as it was defined (codes match case-insensitively, `email` finds `Email`), or undefined
   * when the sandbox has no such namespace. Descriptors are stored with this spelling, so that the identities a
   * record yields are keyed the same way whoever wrote the schema.
   */
  canonicalCode(sandbox: string, code: string): Promise<string | undefined>;
}

export interface SchemaRegistryDependencies {
  readonly store: SchemaStore;
  readonly namespaces: NamespaceDirectory;
  readonly now?: () => Date;
  /** Generated schema ids are `<idPrefix>/<sandbox>/schemas/<uuid>`. */
  readonly idPrefix?: string;
}

/** Checks one record; answers its violations, none when it is valid. Synchronous: it runs per record. */
export type RecordValidator = (record: unknown) => Violation[];

export interface ValidationOutcome {
  readonly valid: boolean;
  readonly violations: Violation[];
}

export const DEFAULT_SCHEMA_ID_PREFIX = 'https://ns.tributary.dev';
/**
 * The largest XDM schema is 0.5 MB of JSON; a schema twice that is still compiled in well under a second, and
 * the store compresses it far below DynamoDB's 400 KB item limit. Beyond it a schema is almost surely a mistake.
 */
export const MAX_SCHEMA_JSON_BYTES = 1_048_576;

/** A version about to be stored: the record and the validator compiled for it, kept once the write succeeds. */
interface Candidate {
  readonly record: StoredSchema;
  readonly compiled: CompiledValidator;
  readonly documents: SchemaDocuments;
}

const versionKey = (sandbox: string, id: string, version: number): string => `${sandbox}\n${id}\n${version}`;

function schemaIdOf(definition: SchemaDefinition, dialect: SchemaDialect): string | Violation | undefined {
  const keyword = idKeywordOf(dialect);
  const declared = definition.schema[keyword];
  if (declared === undefined) return undefined;
  const pointer = appendPointer('/schema', keyword);
  if (typeof declared !== 'string') return { pointer, keyword, message: 'must be a string URI' };
  const id = declared.replace(/#$/, '');
  if (!/^[a-z][a-z0-9+.-]*:[^#\s]+$/i.test(id)) {
    return {
      pointer,
      keyword,
      message: 'must be an absolute URI without a fragment, e.g. https://example.com/schemas/person',
    };
  }
  return id;
}

function scanViolations(scan: SchemaScan, definition: SchemaDefinition): Violation[] {
  const at = (pointer: string) => `/schema${pointer}`;
  return [
    ...scan.invalidRefs.map(({ pointer, keyword: ref }) => ({
      pointer: at(pointer),
      keyword: '$ref',
      message: `$ref '${ref}' is not a valid URI reference`,
    })),
    ...scan.invalidPatterns.map((pointer) => ({
      pointer: at(pointer),
      keyword: 'pattern',
      message: 'is not a valid regular expression',
    })),
    ...scan.backtrackingPatterns.map(({ pointer, keyword: construct }) => ({
      pointer: at(pointer),
      keyword: 'pattern',
      message: `cannot be matched in linear time (${construct}); patterns run on RE2, which has no lookaround or backreferences`,
    })),
    ...scan.unknownKeywords.flatMap(({ pointer, keyword }): Violation[] => {
      if (definition.unknownKeywords === 'reject') {
        return [
          {
            pointer: at(appendPointer(pointer, keyword)),
            keyword: 'unknownKeyword',
            message: `unknown keyword '${keyword}' (a typo? send unknownKeywords: "ignore" to keep it as an annotation)`,
          },
        ];
      }
      return isValidKeywordName(keyword)
        ? []
        : [
            {
              pointer: at(appendPointer(pointer, keyword)),
              keyword: 'unknownKeyword',
              message: `'${keyword}' is not a keyword, and not a name that can be kept as an annotation`,
            },
          ];
    }),
  ];
}

function scanWarnings(scan: SchemaScan, definition: SchemaDefinition): SchemaWarning[] {
  return [
    ...scan.legacyPatterns.map((pointer) => ({
      pointer: `/schema${pointer}`,
      message:
        'not a valid Unicode-mode regular expression; this schema and those that $ref it evaluate patterns without the u flag',
    })),
    ...(definition.unknownKeywords === 'ignore'
      ? scan.unknownKeywords.map(({ pointer, keyword }) => ({
          pointer: `/schema${appendPointer(pointer, keyword)}`,
          message: `unknown keyword '${keyword}' kept as an annotation without meaning`,
        }))
      : []),
  ];
}

/** What Ajv throws while compiling, as a violation of the submitted schema. */
function compileViolation(error: unknown): Violation {
  if (error instanceof MissingRefError) {
    return { pointer: '/schema', keyword: '$ref', message: `$ref '${error.missingRef}' resolves to nothing` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { pointer: '/schema', keyword: 'schema', message };
}

export class SchemaRegistry {
  private readonly store: SchemaStore;
  private readonly namespaces: NamespaceDirectory;
  private readonly now: () => Date;
  private readonly idPrefix: string;
  private readonly pool = new AjvPool();
  /** Versions are immutable: a version read once never needs reading again. */
  private readonly versions = new Map<string, StoredSchema>();
  private readonly validators = new Map<string, RecordValidator>();

  constructor(dependencies: SchemaRegistryDependencies) {
    this.store = dependencies.store;
    this.namespaces = dependencies.namespaces;
    this.now = dependencies.now ?? (() => new Date());
    this.idPrefix = dependencies.idPrefix ?? DEFAULT_SCHEMA_ID_PREFIX;
  }

  async register(sandbox: string, input: unknown): Promise<StoredSchema> {
    const definition = parseRegistration(input);
    const dialect = this.dialectOf(definition);
    const declaredId = schemaIdOf(definition, dialect);
    if (typeof declaredId === 'object') throw validationFailed('the schema id is invalid', [declaredId]);
    const id = declaredId ?? `${this.idPrefix}/${encodeURIComponent(sandbox)}/schemas/${randomUUID()}`;
    if (await this.store.get(sandbox, id)) {
      throw conflict(
        'schema-exists',
        `schema '${id}' is already registered; PUT /schemas/{schemaId} adds a version`,
      );
    }
    const at = this.now().toISOString();
    const candidate = await this.prepare(sandbox, definition, dialect, {
      id,
      version: 1,
      createdAt: at,
      updatedAt: at,
    });
    return this.commit(candidate);
  }

  async evolve(sandbox: string, schemaId: string, input: unknown): Promise<StoredSchema> {
    const current = await this.get(sandbox, schemaId);
    const definition = parseEvolution(input, current);
    const dialect = this.dialectOf(definition);
    const declaredId = schemaIdOf(definition, dialect);
    if (typeof declaredId === 'object') throw validationFailed('the schema id is invalid', [declaredId]);
    if (declaredId !== undefined && declaredId !== current.id) {
      const keyword = idKeywordOf(dialect);
      throw unprocessable('breaking-change', `the new version of '${current.id}' must keep its ${keyword}`, [
        {
          pointer: appendPointer('/schema', keyword),
          keyword,
          message: `may not change from '${current.id}'`,
        },
      ]);
    }
    const candidate = await this.prepare(sandbox, definition, dialect, {
      id: current.id,
      version: current.version + 1,
      createdAt: current.createdAt,
      updatedAt: this.now().toISOString(),
    });
    const breaking = breakingChanges(
      await this.evolutionSide(current),
      this.sideOf(candidate.record, candidate.documents),
    );
    if (breaking.length > 0) {
      candidate.compiled.settle(false);
      throw unprocessable(
        'breaking-change',
        `version ${candidate.record.version} of '${current.id}' is not additive: ${breaking.map((v) => `${v.pointer} ${v.message}`).join('; ')}`,
        breaking,
      );
    }
    return this.commit(candidate);
  }

  /** One version of a schema, or its latest; `not-found` when there is none. */
  async get(sandbox: string, schemaId: string, version?: number): Promise<StoredSchema> {
    const found =
      version === undefined
        ? await this.store.get(sandbox, schemaId)
        : await this.exactVersion(sandbox, schemaId, version);
    if (!found)
      throw notFound('schema', version === undefined ? schemaId : `${schemaId}' version '${version}`);
    return found;
  }

  list(sandbox: string, page: PageRequest): Promise<Page<SchemaSummary>> {
    return this.store.list(sandbox, page);
  }

  async validate(
    sandbox: string,
    schemaId: string,
    record: unknown,
    version?: number,
  ): Promise<ValidationOutcome> {
    const violations = (await this.validatorFor(sandbox, schemaId, version))(record);
    return { valid: violations.length === 0, violations };
  }

  /**
   * The compiled validator of one version (the latest when omitted, which costs one read of the store), cached
   * per version: hot paths that know the version pay nothing after the first call.
   */
  async validatorFor(sandbox: string, schemaId: string, version?: number): Promise<RecordValidator> {
    const key = version === undefined ? undefined : versionKey(sandbox, schemaId, version);
    const cached = key === undefined ? undefined : this.validators.get(key);
    if (cached) return cached;
    const schema = await this.get(sandbox, schemaId, version);
    const known = this.validators.get(versionKey(sandbox, schema.id, schema.version));
    if (known) return known;
    const dependencies = await this.pinnedDependencies(schema);
    const compiled = this.pool.compile({
      sandbox,
      dialect: schema.dialect,
      unicodePatterns:
        schema.unicodePatterns && dependencies.every((dependency) => dependency.unicodePatterns),
      root: schema,
      dependencies,
      tentative: false,
    });
    return this.remember(schema, compiled);
  }

  private async canonicalIdentities(
    sandbox: string,
    identities: readonly IdentityDescriptor[],
  ): Promise<IdentityDescriptor[]> {
    return Promise.all(
      identities.map(async (identity) => ({
        ...identity,
        namespace: (await this.namespaces.canonicalCode(sandbox, identity.namespace)) ?? identity.namespace,
      })),
    );
  }

  private dialectOf(definition: SchemaDefinition): SchemaDialect {
    const dialect = dialectOf(definition.schema.$schema);
    if (dialect) return dialect;
    throw validationFailed('the schema names a JSON Schema dialect we do not compile', [
      {
        pointer: '/schema/$schema',
        keyword: '$schema',
        message:
          'must be the URI of JSON Schema draft-04, -06, -07, 2019-09 or 2020-12 (or absent for 2020-12)',
      },
    ]);
  }

  /** Checks a definition all the way (structure, references, compilation, class and identity rules). */
  private async prepare(
    sandbox: string,
    definition: SchemaDefinition,
    dialect: SchemaDialect,
    identity: Pick<StoredSchema, 'id' | 'version' | 'createdAt' | 'updatedAt'>,
  ): Promise<Candidate> {
    const schema = { ...definition.schema, [idKeywordOf(dialect)]: identity.id };
    if (Buffer.byteLength(JSON.stringify(schema), 'utf8') > MAX_SCHEMA_JSON_BYTES) {
      throw tooLarge(`a schema may hold at most ${MAX_SCHEMA_JSON_BYTES} bytes of JSON`);
    }
    const metaErrors = metaSchemaErrors(dialect, schema);
    if (metaErrors.length > 0) {
      throw validationFailed('the schema is not valid JSON Schema', toViolations(metaErrors, '/schema'));
    }
    const scan = scanSchema(schema, dialect, identity.id);
    const violations = scanViolations(scan, definition);
    const dependencies = await this.latestDependencies(sandbox, identity.id, dialect, scan, violations);
    if (violations.length > 0) throw validationFailed('the schema cannot be registered', violations);

    const record: StoredSchema = {
      sandbox,
      ...identity,
      title: definition.title,
      ...(definition.description === undefined ? {} : { description: definition.description }),
      class: definition.class,
      schema,
      dialect,
      identities: await this.canonicalIdentities(sandbox, definition.identities),
      hasIdentityMap: false,
      dependencies: dependencies.map(({ id, version }) => ({ id, version })),
      annotationKeywords: [
        ...scan.annotationKeywords,
        ...(definition.unknownKeywords === 'ignore'
          ? scan.unknownKeywords.map(({ keyword }) => keyword)
          : []),
      ].filter((keyword, index, all) => all.indexOf(keyword) === index),
      unicodePatterns: scan.legacyPatterns.length === 0,
      warnings: scanWarnings(scan, definition),
    };
    let compiled: CompiledValidator;
    try {
      compiled = this.pool.compile({
        sandbox,
        dialect,
        unicodePatterns:
          record.unicodePatterns && dependencies.every((dependency) => dependency.unicodePatterns),
        root: record,
        dependencies,
        tentative: true,
      });
    } catch (error) {
      throw validationFailed('the schema does not compile', [compileViolation(error)]);
    }
    const documents = documentsOf(record, dependencies);
    const rules = await checkRecordRules({
      schemaClass: record.class,
      identities: record.identities,
      root: { schema, documentUri: record.id },
      documents,
      namespaceExists: async (code) => (await this.namespaces.canonicalCode(sandbox, code)) !== undefined,
    });
    if (rules.violations.length > 0) {
      compiled.settle(false);
      throw validationFailed(`the schema breaks the rules of class ${record.class}`, rules.violations);
    }
    const complete: StoredSchema = {
      ...record,
      hasIdentityMap: rules.hasIdentityMap,
      ...(rules.primaryIdentity ? { primaryIdentity: rules.primaryIdentity } : {}),
    };
    return { record: complete, compiled, documents };
  }

  /**
   * Every schema the new document reaches through `$ref`, transitively, at its latest version. Direct references
   * that name nothing, or a schema of another dialect, become violations pointing at the `$ref`.
   */
  private async latestDependencies(
    sandbox: string,
    rootId: string,
    dialect: SchemaDialect,
    scan: SchemaScan,
    violations: Violation[],
  ): Promise<StoredSchema[]> {
    const found = new Map<string, StoredSchema>();
    const refsTo = new Map<string, ExternalRef[]>();
    for (const ref of scan.externalRefs) refsTo.set(ref.uri, [...(refsTo.get(ref.uri) ?? []), ref]);
    let wanted = [...refsTo.keys()];
    const asked = new Set<string>([rootId, ...wanted]);
    while (wanted.length > 0) {
      const loaded = await Promise.all(
        wanted.map(async (uri) => [uri, await this.store.get(sandbox, uri)] as const),
      );
      wanted = [];
      for (const [uri, dependency] of loaded) {
        // transitive dependencies were resolvable when their referrer was registered; only direct ones can fail
        const direct = refsTo.get(uri) ?? [];
        if (!dependency) {
          for (const { pointer, ref } of direct) {
            violations.push({
              pointer: `/schema${pointer}`,
              keyword: '$ref',
              message: `$ref '${ref}' names no schema registered in this sandbox`,
            });
          }
          continue;
        }
        if (dependency.dialect !== dialect) {
          for (const { pointer } of direct) {
            violations.push({
              pointer: `/schema${pointer}`,
              keyword: '$ref',
              message: `'${uri}' is a ${dependency.dialect} schema; a ${dialect} schema cannot $ref it`,
            });
          }
        }
        found.set(uri, dependency);
        for (const { id } of dependency.dependencies) {
          if (!asked.has(id)) {
            asked.add(id);
            wanted.push(id);
          }
        }
      }
    }
    return [...found.values()];
  }

  private async exactVersion(
    sandbox: string,
    id: string,
    version: number,
  ): Promise<StoredSchema | undefined> {
    const key = versionKey(sandbox, id, version);
    const cached = this.versions.get(key);
    if (cached) return cached;
    const stored = await this.store.get(sandbox, id, version);
    if (stored) this.versions.set(key, stored);
    return stored;
  }

  /**
   * The JSON types a version allows at each field path (through `$ref` and `allOf`), for readers that must turn
   * text into typed values (CSV): undefined where the schema does not restrict the type or declares no such field.
   */
  async fieldTypesFor(
    sandbox: string,
    schemaId: string,
    version?: number,
  ): Promise<(path: readonly string[]) => ReadonlySet<string> | undefined> {
    const schema = await this.get(sandbox, schemaId, version);
    const documents = documentsOf(schema, await this.pinnedDependencies(schema));
    const root = { schema: schema.schema, documentUri: schema.id };
    const known = new Map<string, ReadonlySet<string> | undefined>();
    return (path) => {
      const key = path.join('\u0000');
      if (!known.has(key)) {
        const found = fieldAt(root, path, documents);
        known.set(key, 'view' in found ? found.view.types : undefined);
      }
      return known.get(key);
    };
  }

  private async pinnedDependencies(schema: StoredSchema): Promise<StoredSchema[]> {
    return Promise.all(
      schema.dependencies.map(async ({ id, version }) => {
        const dependency = await this.exactVersion(schema.sandbox, id, version);
        if (!dependency)
          throw new Error(
            `schema ${schema.id} v${schema.version} depends on ${id} v${version}, which is gone`,
          );
        return dependency;
      }),
    );
  }

  private async evolutionSide(schema: StoredSchema): Promise<EvolutionSide> {
    return this.sideOf(schema, documentsOf(schema, await this.pinnedDependencies(schema)));
  }

  private sideOf(schema: StoredSchema, documents: SchemaDocuments): EvolutionSide {
    return {
      schemaClass: schema.class,
      identities: schema.identities,
      root: { schema: schema.schema, documentUri: schema.id },
      documents,
    };
  }

  private async commit(candidate: Candidate): Promise<StoredSchema> {
    const { record } = candidate;
    let created = false;
    try {
      created = await this.store.create(record);
    } finally {
      candidate.compiled.settle(created);
    }
    if (!created) {
      throw conflict(
        record.version === 1 ? 'schema-exists' : 'version-conflict',
        record.version === 1
          ? `schema '${record.id}' was registered concurrently`
          : `version ${record.version} of '${record.id}' was written concurrently; read the latest version and retry`,
      );
    }
    this.versions.set(versionKey(record.sandbox, record.id, record.version), record);
    this.remember(record, candidate.compiled);
    return record;
  }

  private remember(schema: StoredSchema, compiled: CompiledValidator): RecordValidator {
    const validator: RecordValidator = (record) => {
      try {
        return withinPatternBudget(() => compiled.validate(record))
          ? []
          : toViolations(compiled.validate.errors);
      } catch (error) {
        // Only a version stored before patterns had to be linear can get here (see pattern-engine.ts).
        const violation = patternBudgetViolation(error);
        if (violation) return [violation];
        throw error;
      }
    };
    this.validators.set(versionKey(schema.sandbox, schema.id, schema.version), validator);
    return validator;
  }
}

function documentsOf(root: StoredSchema, dependencies: readonly StoredSchema[]): SchemaDocuments {
  return new Map([root, ...dependencies].map((schema) => [schema.id, schema.schema]));
}
