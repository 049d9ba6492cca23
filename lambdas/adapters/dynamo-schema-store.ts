/**
 * Schema versions in the catalog table. Each version is one item, `<sandbox>#schema` / `<schemaId>#v<000001>`,
 * whose zero-padded number sorts versions so that the latest is the first item of a reverse query. A second item
 * per schema, `<sandbox>#schema-latest` / `<schemaId>`, carries the latest version's summary for lists; it only
 * ever moves forward. The schema document is stored gzipped: XDM schemas reach 0.5 MB of JSON, a schema may nest
 * deeper than the 32 levels a DynamoDB map allows, and compressed they sit far below the 400 KB item limit.
 */
import { CATALOG_KEYS } from '../config/env-names';
import type { Page, PageRequest } from '../core/page';
import type { SchemaStore } from '../core/schemas/schema-store';
import { summarize, type SchemaSummary, type StoredSchema } from '../core/schemas/schema-types';
import { catalogKey, catalogPartition, partitionOf, withoutKeys } from './dynamo-catalog-keys';
import type { DynamoItems, Item } from './dynamo-items';
import { gunzipJson, gzipJson } from './gzip-json';

/** Six digits sort correctly up to 999,999 versions of one schema, more than any schema will see. */
const VERSION_DIGITS = 6;

const versions = (sandbox: string) => catalogPartition(sandbox, 'schema');
const latest = (sandbox: string) => catalogPartition(sandbox, 'schema-latest');
const versionPrefix = (id: string) => `${id}#v`;
const versionSort = (id: string, version: number) =>
  versionPrefix(id) + String(version).padStart(VERSION_DIGITS, '0');

interface VersionItem extends Item {
  readonly document: Uint8Array;
}

const fromItem = (item: VersionItem): StoredSchema => gunzipJson<StoredSchema>(item.document);

export class DynamoSchemaStore implements SchemaStore {
  constructor(private readonly items: DynamoItems) {}

  async create(schema: StoredSchema): Promise<boolean> {
    const created = await this.items.createIfAbsent(
      {
        ...catalogKey(versions(schema.sandbox), versionSort(schema.id, schema.version)),
        id: schema.id,
        version: schema.version,
        document: gzipJson(schema),
      },
      CATALOG_KEYS.partitionKey,
    );
    if (!created) return false;
    await this.items.conditionalPut(
      { ...catalogKey(latest(schema.sandbox), schema.id), ...summarize(schema) },
      'attribute_not_exists(#pk) OR #version < :version',
      { '#pk': CATALOG_KEYS.partitionKey, '#version': 'version' },
      { ':version': schema.version },
    );
    return true;
  }

  async get(sandbox: string, id: string, version?: number): Promise<StoredSchema | undefined> {
    if (version !== undefined) {
      const item = await this.items.get<VersionItem>(catalogKey(versions(sandbox), versionSort(id, version)));
      return item ? fromItem(item) : undefined;
    }
    const newest = await this.items.queryPage<VersionItem>(
      partitionOf(versions(sandbox)),
      { limit: 1 },
      { newestFirst: true, sortKeyPrefix: { name: CATALOG_KEYS.sortKey, value: versionPrefix(id) } },
    );
    const item = newest.items[0];
    return item ? fromItem(item) : undefined;
  }

  async list(sandbox: string, page: PageRequest): Promise<Page<SchemaSummary>> {
    const result = await this.items.queryPage<Item>(partitionOf(latest(sandbox)), page);
    return { ...result, items: result.items.map((item) => withoutKeys<SchemaSummary>(item)) };
  }
}
