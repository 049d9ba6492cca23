/** A SchemaStore in memory, for tests: same contract as the DynamoDB one, without the I/O. */
import type { Page, PageRequest } from '../../lambdas/core/page';
import type { SchemaStore } from '../../lambdas/core/schemas/schema-store';
import { summarize, type SchemaSummary, type StoredSchema } from '../../lambdas/core/schemas/schema-types';

export class InMemorySchemaStore implements SchemaStore {
  /** Versions by `sandbox\nid`, index = version - 1. */
  private readonly schemas = new Map<string, StoredSchema[]>();
  /** How many reads reached the store, so tests can tell what a cache saved. */
  reads = 0;

  async create(schema: StoredSchema): Promise<boolean> {
    const key = `${schema.sandbox}\n${schema.id}`;
    const versions = this.schemas.get(key) ?? [];
    if (versions.length !== schema.version - 1) return false;
    this.schemas.set(key, [...versions, structuredClone(schema)]);
    return true;
  }

  async get(sandbox: string, id: string, version?: number): Promise<StoredSchema | undefined> {
    this.reads += 1;
    const versions = this.schemas.get(`${sandbox}\n${id}`) ?? [];
    const found = version === undefined ? versions.at(-1) : versions[version - 1];
    return found && structuredClone(found);
  }

  async list(sandbox: string, page: PageRequest): Promise<Page<SchemaSummary>> {
    const all = [...this.schemas.entries()]
      .filter(([key]) => key.startsWith(`${sandbox}\n`))
      .map(([, versions]) => summarize(versions.at(-1) as StoredSchema))
      .sort((a, b) => a.id.localeCompare(b.id));
    const from = page.start === undefined ? 0 : Number(page.start);
    const items = all.slice(from, from + page.limit);
    const next = from + page.limit < all.length ? String(from + page.limit) : undefined;
    return next === undefined ? { items } : { items, next };
  }
}
