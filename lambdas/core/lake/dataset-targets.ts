/**
 * The dataset (and its bound schema version and validator) a record belongs to, whichever pipeline brought it,
 * cached per container: a batch of a thousand records of one dataset costs one dataset read, not a thousand.
 */
import { isDomainError, type Violation } from '../errors/domain-error';
import type { Dataset } from '../catalog/datasets';
import type { RecordValidator } from '../schemas/schema-registry';
import type { StoredSchema } from '../schemas/schema-types';

/** A dataset as the pipelines see it, with the schema version it is bound to and that version's validator. */
export interface DatasetTarget {
  readonly datasetId: string;
  readonly profileEnabled: boolean;
  readonly schema: Pick<
    StoredSchema,
    'id' | 'version' | 'class' | 'identities' | 'hasIdentityMap' | 'primaryIdentity' | 'schema'
  >;
  readonly validate: (record: unknown) => Violation[];
}

/** Why a message has no target: its dataset, or the dataset's schema version, is gone. */
export type TargetMiss = 'dataset-not-found' | 'schema-not-found';

export interface TargetLookup {
  target(sandbox: string, datasetId: string): Promise<DatasetTarget | TargetMiss>;
}

/**
 * How long a dataset read is trusted. A change to a dataset (its profile flag, its bound schema version) or its
 * deletion reaches the consumer within this minute; shorter would re-read the catalog on most invocations of a
 * busy shard for no gain. Schema versions are immutable, so the registry caches them without limit.
 */
export const TARGET_CACHE_TTL_MS = 60_000;

export interface TargetSources {
  readonly datasets: { get(sandbox: string, id: string): Promise<Dataset | undefined> };
  readonly schemas: {
    get(sandbox: string, schemaId: string, version?: number): Promise<StoredSchema>;
    validatorFor(sandbox: string, schemaId: string, version?: number): Promise<RecordValidator>;
  };
  readonly now: () => Date;
}

const isNotFound = (error: unknown) => isDomainError(error, 'not-found');

export class CachedTargetLookup implements TargetLookup {
  private readonly cache = new Map<string, { at: number; value: Promise<DatasetTarget | TargetMiss> }>();

  constructor(private readonly sources: TargetSources) {}

  target(sandbox: string, datasetId: string): Promise<DatasetTarget | TargetMiss> {
    const key = `${sandbox}\n${datasetId}`;
    const now = this.sources.now().getTime();
    const cached = this.cache.get(key);
    if (cached && now - cached.at < TARGET_CACHE_TTL_MS) return cached.value;
    const value = this.read(sandbox, datasetId);
    this.cache.set(key, { at: now, value });
    // A failed read (throttling, say) is not kept: the retry of the batch reads again.
    value.catch(() => this.cache.delete(key));
    return value;
  }

  private async read(sandbox: string, datasetId: string): Promise<DatasetTarget | TargetMiss> {
    const dataset = await this.sources.datasets.get(sandbox, datasetId);
    if (!dataset) return 'dataset-not-found';
    try {
      const schema = await this.sources.schemas.get(sandbox, dataset.schemaId, dataset.schemaVersion);
      const validate = await this.sources.schemas.validatorFor(sandbox, schema.id, schema.version);
      return { datasetId, profileEnabled: dataset.profileEnabled, schema, validate };
    } catch (error) {
      if (isNotFound(error)) return 'schema-not-found';
      throw error;
    }
  }
}
