/**
 * Key layout of the catalog table (one table, many kinds). Every partition key starts with the sandbox the item
 * belongs to (`*` for the platform-wide list of sandboxes), then the kind: `prod#dataset`, `dev#inlet`, `*#sandbox`.
 */
import { CATALOG_KEYS } from '../config/env-names';
import type { Item, Key } from './dynamo-items';

const KEY_ATTRIBUTES: readonly string[] = [
  CATALOG_KEYS.partitionKey,
  CATALOG_KEYS.sortKey,
  CATALOG_KEYS.gsi1.partitionKey,
  CATALOG_KEYS.gsi1.sortKey,
];

export function catalogPartition(sandbox: string, kind: string): string {
  return `${sandbox}#${kind}`;
}

export function catalogKey(partition: string, sort: string): Key {
  return { [CATALOG_KEYS.partitionKey]: partition, [CATALOG_KEYS.sortKey]: sort };
}

/** The record without the table's key attributes. */
export function withoutKeys<T>(item: Item): T {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.includes(name))) as T;
}

export const partitionOf = (value: string) => ({ name: CATALOG_KEYS.partitionKey, value });
export const gsi1PartitionOf = (value: string) => ({ name: CATALOG_KEYS.gsi1.partitionKey, value });
