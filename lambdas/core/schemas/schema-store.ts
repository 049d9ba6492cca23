import type { Page, PageRequest } from '../page';
import type { SchemaSummary, StoredSchema } from './schema-types';

/** Where schema versions live. Versions are immutable; a version number is taken at most once. */
export interface SchemaStore {
  /** Stores a new version; answers false when that version of that schema already exists (a lost race). */
  create(schema: StoredSchema): Promise<boolean>;
  /** One version, or the latest when `version` is omitted; undefined when unknown. */
  get(sandbox: string, id: string, version?: number): Promise<StoredSchema | undefined>;
  /** The schemas of a sandbox, one summary (of the latest version) each, in id order. */
  list(sandbox: string, page: PageRequest): Promise<Page<SchemaSummary>>;
}
