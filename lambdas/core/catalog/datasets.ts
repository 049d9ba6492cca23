/**
 * Datasets: each binds data to one version of one schema. Profile use needs a way to tell whose record it is (a
 * primary identity or an identityMap), identity use needs at least one identity; both are checked against the bound
 * schema version whenever a flag or the version changes.
 *
 * The flags mean what Tributary does, nothing else: the records of a profile-enabled dataset feed the profile store
 * and their identities are linked into the graph — both, or neither. So `identityEnabled` follows `profileEnabled`
 * and one that differs is refused rather than stored and ignored. Experience Platform's tags for the same flags
 * (`unifiedProfile: ["enabled:true"]`, `unifiedIdentity: ["enabled:true"]`) are read as the flags.
 */
import { randomBytes } from 'node:crypto';
import {
  type DomainError,
  isDomainError,
  invalid,
  conflict,
  notFound,
  unprocessable,
} from '../errors/domain-error';
import type { Page, PageRequest } from '../page';

/** What a dataset needs to know of a schema; the schema registry's `get` answers this (and fails `not-found` when unknown). */
export interface SchemaSummary {
  readonly id: string;
  readonly version: number;
  /** `component` schemas are building blocks for others; no dataset binds to one. */
  readonly class: 'profile' | 'event' | 'component';
  readonly identities: readonly {
    readonly path: string;
    readonly namespace: string;
    readonly primary?: boolean;
  }[];
  readonly hasIdentityMap: boolean;
  readonly primaryIdentity?: unknown;
}

export interface SchemaLookup {
  get(sandbox: string, schemaId: string, version?: number): Promise<SchemaSummary>;
}

export type DatasetTags = Readonly<Record<string, readonly string[]>>;

export interface Dataset {
  readonly id: string;
  readonly sandbox: string;
  readonly name: string;
  readonly description?: string;
  readonly schemaId: string;
  readonly schemaVersion: number;
  readonly schemaClass: 'profile' | 'event';
  readonly profileEnabled: boolean;
  readonly identityEnabled: boolean;
  readonly tags: DatasetTags;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
  /** Increases with every update; updates are conditional on it, so two concurrent PATCHes cannot both win. */
  readonly revision: number;
}

export interface DatasetStore {
  get(sandbox: string, id: string): Promise<Dataset | undefined>;
  create(dataset: Dataset): Promise<boolean>;
  /** Replaces the dataset if its stored revision is still `expectedRevision`. */
  update(dataset: Dataset, expectedRevision: number): Promise<boolean>;
  list(sandbox: string, page: PageRequest, filter?: { schemaId?: string }): Promise<Page<Dataset>>;
}

export interface NewDataset {
  readonly name: string;
  readonly schemaId: string;
  /** The schema version to bind (Experience Platform's `schemaRef.contentType` `;version=N`); default the latest. */
  readonly schemaVersion?: number;
  readonly profileEnabled?: boolean;
  readonly identityEnabled?: boolean;
  readonly description?: string;
  readonly tags?: DatasetTags;
}

export interface DatasetPatch {
  readonly name?: string;
  readonly description?: string;
  readonly tags?: DatasetTags;
  readonly profileEnabled?: boolean;
  readonly identityEnabled?: boolean;
  readonly schemaVersion?: number;
}

/** Experience Platform's dataset ids are 24 hex digits, time first: ids then sort by creation, as lists do. */
export function newDatasetId(now: Date): string {
  const seconds = Math.floor(now.getTime() / 1000)
    .toString(16)
    .padStart(8, '0');
  return seconds + randomBytes(8).toString('hex');
}

/** Experience Platform's tags that carry the dataset's flags; read as the flags, not kept as tags. */
const PROFILE_TAG = 'unifiedProfile';
const IDENTITY_TAG = 'unifiedIdentity';
/** `isUpsert:true` marks a profile dataset that takes partial updates: every profile-enabled dataset does. */
const TAG_VALUES: Readonly<Record<string, readonly string[]>> = {
  [PROFILE_TAG]: ['enabled:true', 'enabled:false', 'isUpsert:true'],
  [IDENTITY_TAG]: ['enabled:true', 'enabled:false'],
};
/** Experience Platform's tags that would change how records are judged, which Tributary does not do. */
const REFUSED_TAGS: Readonly<Record<string, string>> = {
  acp_validationContext:
    'records are always validated against the dataset schema (a merge or delete on the fields it carries)',
};

const flagProblem = (pointer: string, detail: string): DomainError =>
  invalid('unsupported-flag', detail, [{ pointer, keyword: 'const', message: detail }]);

/** The flag a tag sets (`enabled:true|false`), or an `invalid` error naming the tag value Tributary cannot honour. */
function flagOfTag(tags: DatasetTags, name: string): boolean | undefined {
  const values = tags[name];
  if (values === undefined) return undefined;
  let flag: boolean | undefined;
  values.forEach((value, index) => {
    const pointer = `/tags/${name}/${index}`;
    if (!(TAG_VALUES[name] ?? []).includes(value)) {
      throw flagProblem(
        pointer,
        `tag ${name} value '${value}' is not one Tributary honours (${(TAG_VALUES[name] ?? []).join(', ')})`,
      );
    }
    if (!value.startsWith('enabled:')) return;
    const enabled = value === 'enabled:true';
    if (flag !== undefined && flag !== enabled)
      throw flagProblem(pointer, `tag ${name} says both enabled and not`);
    flag = enabled;
  });
  return flag;
}

/** A body flag and the tag for it, which must agree when both are given. */
function agreed(
  flag: boolean | undefined,
  tags: DatasetTags,
  tag: string,
  field: string,
): boolean | undefined {
  const fromTag = flagOfTag(tags, tag);
  if (flag !== undefined && fromTag !== undefined && flag !== fromTag) {
    throw flagProblem(`/tags/${tag}`, `tag ${tag} contradicts ${field}: ${String(flag)}`);
  }
  return flag ?? fromTag;
}

/**
 * The dataset's flags and labels from what a request gave (and, for a PATCH, what is stored): the tags that are
 * flags become flags, and identity linking follows profile use (see the file comment).
 */
export function flagsOf(
  input: { profileEnabled?: boolean; identityEnabled?: boolean; tags?: DatasetTags },
  current?: Pick<Dataset, 'profileEnabled' | 'tags'>,
): { profileEnabled: boolean; identityEnabled: boolean; tags: DatasetTags } {
  const tags = input.tags ?? {};
  const refused = Object.keys(tags).find((name) => REFUSED_TAGS[name] !== undefined);
  if (refused !== undefined) {
    throw flagProblem(`/tags/${refused}`, `tag ${refused} is not supported: ${REFUSED_TAGS[refused]}`);
  }
  const profileEnabled =
    agreed(input.profileEnabled, tags, PROFILE_TAG, 'profileEnabled') ?? current?.profileEnabled ?? false;
  const identityEnabled = agreed(input.identityEnabled, tags, IDENTITY_TAG, 'identityEnabled');
  if (identityEnabled !== undefined && identityEnabled !== profileEnabled) {
    const pointer = input.identityEnabled !== undefined ? '/identityEnabled' : `/tags/${IDENTITY_TAG}`;
    throw flagProblem(
      pointer,
      `identityEnabled must equal profileEnabled (${String(profileEnabled)}): Tributary links the identities of ` +
        'exactly the records that feed profiles',
    );
  }
  const labels = Object.fromEntries(
    Object.entries(input.tags ?? current?.tags ?? {}).filter(
      ([name]) => name !== PROFILE_TAG && name !== IDENTITY_TAG,
    ),
  );
  return { profileEnabled, identityEnabled: profileEnabled, tags: labels };
}

const unknownReference = (pointer: string, detail: string): DomainError =>
  invalid('unknown-reference', detail, [{ pointer, keyword: 'exists', message: detail }]);

type BindableSchema = SchemaSummary & { readonly class: 'profile' | 'event' };

function checkSchema(
  schema: SchemaSummary,
  flags: { profileEnabled: boolean; identityEnabled: boolean },
): asserts schema is BindableSchema {
  if (schema.class === 'component') {
    const detail = `schema '${schema.id}' is a component (a building block for other schemas); bind a profile or event schema`;
    throw unprocessable('schema-not-bindable', detail, [
      { pointer: '/schemaId', keyword: 'class', message: detail },
    ]);
  }
  const hasPrimary =
    schema.primaryIdentity !== undefined || schema.identities.some((identity) => identity.primary);
  if (flags.profileEnabled && !hasPrimary && !schema.hasIdentityMap) {
    const detail = `schema '${schema.id}' version ${schema.version} has neither a primary identity nor an identityMap, so its records cannot be attached to a profile`;
    throw unprocessable('profile-needs-identity', detail, [
      { pointer: '/profileEnabled', keyword: 'identity', message: detail },
    ]);
  }
  if (flags.identityEnabled && schema.identities.length === 0 && !schema.hasIdentityMap) {
    const detail = `schema '${schema.id}' version ${schema.version} declares no identity fields and no identityMap`;
    throw unprocessable('identity-needs-identities', detail, [
      { pointer: '/identityEnabled', keyword: 'identity', message: detail },
    ]);
  }
}

export class DatasetService {
  private readonly now: () => Date;

  constructor(
    private readonly deps: {
      readonly store: DatasetStore;
      readonly schemas: SchemaLookup;
      readonly now?: () => Date;
    },
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  async create(sandbox: string, input: NewDataset, createdBy: string): Promise<Dataset> {
    const { tags, ...flags } = flagsOf(input);
    const pointer = input.schemaVersion === undefined ? '/schemaId' : '/schemaRef/contentType';
    const schema = await this.schema(sandbox, input.schemaId, input.schemaVersion, pointer);
    checkSchema(schema, flags);
    const now = this.now();
    const dataset: Dataset = {
      id: newDatasetId(now),
      sandbox,
      name: input.name,
      ...(input.description !== undefined ? { description: input.description } : {}),
      schemaId: schema.id,
      schemaVersion: schema.version,
      schemaClass: schema.class,
      ...flags,
      tags,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      createdBy,
      revision: 1,
    };
    if (!(await this.deps.store.create(dataset)))
      throw conflict('dataset-id-conflict', 'a dataset with this id already exists');
    return dataset;
  }

  async get(sandbox: string, id: string): Promise<Dataset> {
    const dataset = await this.deps.store.get(sandbox, id);
    if (!dataset) throw notFound('dataset', id);
    return dataset;
  }

  /** Whether the dataset exists in the sandbox; for references from other catalog objects. */
  async require(sandbox: string, id: string, pointer: string): Promise<Dataset> {
    const dataset = await this.deps.store.get(sandbox, id);
    if (!dataset) throw unknownReference(pointer, `dataset '${id}' does not exist in sandbox '${sandbox}'`);
    return dataset;
  }

  list(sandbox: string, page: PageRequest, filter: { schemaId?: string } = {}): Promise<Page<Dataset>> {
    return this.deps.store.list(sandbox, page, filter);
  }

  async update(sandbox: string, id: string, patch: DatasetPatch): Promise<Dataset> {
    const current = await this.get(sandbox, id);
    const version = patch.schemaVersion ?? current.schemaVersion;
    if (version < current.schemaVersion) {
      const detail = `the dataset is bound to version ${current.schemaVersion}; it can only move to a newer version`;
      throw unprocessable('schema-version-downgrade', detail, [
        { pointer: '/schemaVersion', keyword: 'minimum', message: detail },
      ]);
    }
    const schema = await this.schema(sandbox, current.schemaId, version, '/schemaVersion');
    const updated: Dataset = {
      ...current,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...flagsOf(patch, current),
      schemaVersion: schema.version,
      updatedAt: this.now().toISOString(),
      revision: current.revision + 1,
    };
    checkSchema(schema, updated);
    if (!(await this.deps.store.update(updated, current.revision))) {
      throw conflict(
        'concurrent-update',
        `dataset '${id}' was changed by another request; read it again and retry`,
      );
    }
    return updated;
  }

  /** The schema, or an `invalid` error naming the field that referred to it when the registry does not know it. */
  private async schema(
    sandbox: string,
    schemaId: string,
    version: number | undefined,
    pointer: string,
  ): Promise<SchemaSummary> {
    try {
      return await this.deps.schemas.get(sandbox, schemaId, version);
    } catch (error) {
      if (isDomainError(error, 'not-found')) {
        const what =
          version === undefined ? `schema '${schemaId}'` : `version ${version} of schema '${schemaId}'`;
        throw unknownReference(pointer, `${what} does not exist in sandbox '${sandbox}'`);
      }
      throw error;
    }
  }
}
