/**
 * Datasets: each binds data to one version of one schema. Profile use needs a way to tell whose record it is (a
 * primary identity or an identityMap), identity use needs at least one identity; both are checked against the bound
 * schema version whenever a flag or the version changes.
 */
import { randomBytes } from 'node:crypto';
import { badRequest, conflict, HttpProblem, notFound, unprocessable } from '../../http/problem';
import type { Page, PageRequest } from '../page';

/** What a dataset needs to know of a schema; the schema registry's `get` answers this (and 404s when unknown). */
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

const unknownReference = (pointer: string, detail: string): HttpProblem =>
  badRequest('unknown-reference', detail, [{ pointer, keyword: 'exists', message: detail }]);

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
    const schema = await this.schema(sandbox, input.schemaId, undefined, '/schemaId');
    const flags = {
      profileEnabled: input.profileEnabled ?? false,
      identityEnabled: input.identityEnabled ?? false,
    };
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
      tags: input.tags ?? {},
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
      ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
      profileEnabled: patch.profileEnabled ?? current.profileEnabled,
      identityEnabled: patch.identityEnabled ?? current.identityEnabled,
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

  /** The schema, or a 400 naming the field that referred to it when the registry does not know it. */
  private async schema(
    sandbox: string,
    schemaId: string,
    version: number | undefined,
    pointer: string,
  ): Promise<SchemaSummary> {
    try {
      return await this.deps.schemas.get(sandbox, schemaId, version);
    } catch (error) {
      if (error instanceof HttpProblem && error.status === 404) {
        const what =
          version === undefined ? `schema '${schemaId}'` : `version ${version} of schema '${schemaId}'`;
        throw unknownReference(pointer, `${what} does not exist in sandbox '${sandbox}'`);
      }
      throw error;
    }
  }
}
