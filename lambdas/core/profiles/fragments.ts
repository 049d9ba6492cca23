/**
 * Record fragments under last-writer-wins: what a `create`, `merge` or `delete` upsert does to the stored fragment
 * of one (dataset, primary identity), and the write port the pipeline uses to store the outcome.
 *
 * Order: a fragment's `version` is `{timestamp}#{digest}` — the record's time (UTC, millisecond ISO 8601, so text
 * order is time order) and a digest of its content. A change is written only when its version is greater than the
 * stored one; at equal timestamps the greater digest wins, so two different records of the same instant converge to
 * the same winner in whatever order they arrive. The stored fragment is thus the maximum version ever seen, which
 * makes the outcome independent of arrival order, batching and repetition. A redelivery carries the same time and
 * content, so it writes nothing; the same content at a later time is a newer version and is written (its time is
 * what a timestamp-ordered merge policy reads).
 */
import { createHash } from 'node:crypto';
import type { Fragment, IdentityRef, LinkSource } from './profile-ports';

export const UPSERT_OPERATIONS = ['create', 'merge', 'delete'] as const;
export type UpsertOperation = (typeof UPSERT_OPERATIONS)[number];

export type Attributes = Readonly<Record<string, unknown>>;

export interface StoredFragment extends Fragment {
  /** `{timestamp}#{digest}`; see the file comment. */
  readonly version: string;
}

export interface FragmentChange {
  readonly operation: UpsertOperation;
  /** The record (for `create`), the partial record (for `merge`); ignored for `delete`. */
  readonly attributes: Attributes;
  /** Normalised with `normalizeTimestamp`. */
  readonly timestamp: string;
  readonly source: LinkSource;
}

export interface WriteResult {
  readonly written: boolean;
  /** Write capacity units DynamoDB reported (or, for a refused conditional write, the unit it still bills). */
  readonly writeUnits: number;
}

/** The write side of fragments; the DynamoDB profile data store implements it. */
export interface FragmentWrites {
  getFragment(sandbox: string, datasetId: string, identity: IdentityRef): Promise<StoredFragment | undefined>;
  /** Writes the fragment only if the stored version is still `expectedVersion` (undefined: nothing stored). */
  putFragment(
    sandbox: string,
    fragment: StoredFragment,
    expectedVersion: string | undefined,
  ): Promise<WriteResult>;
}

/** Removal of what one batch stored, for reverting it; the DynamoDB profile data store implements it. */
export interface FragmentRemovals {
  /**
   * Deletes the fragment of (dataset, identity) only if its stored source is this batch, leaving no tombstone;
   * false when there is none or another batch or stream wrote it last.
   */
  removeFragmentOfBatch(
    sandbox: string,
    datasetId: string,
    identity: IdentityRef,
    batchId: string,
  ): Promise<boolean>;
}

/** Digits of each position in an arrival order: fixed width, so text order is numeric order. */
const ARRIVAL_POSITION_DIGITS = 12;

/**
 * Text that sorts in the order records arrived: the arrival time (UTC millisecond ISO 8601), then positions within
 * it — a message's index in its request; a batch record's chunk and row. Compared as text, like versions.
 */
export function arrivalOrder(at: string, ...positions: readonly number[]): string {
  const time = normalizeTimestamp(at) ?? at;
  return [time, ...positions.map((position) => String(position).padStart(ARRIVAL_POSITION_DIGITS, '0'))].join(
    '#',
  );
}

/** Digest length in hex characters: 128 bits, enough that two different contents never tie. */
const DIGEST_HEX_LENGTH = 32;

/** UTC millisecond ISO 8601 (fixed width, so text order is time order), or undefined for a non-time. */
export function normalizeTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The time a profile record is ordered by: its `timestamp` field when it has one, else XDM's `_repo.modifyDate`,
 * else when it arrived.
 */
export function recordTimestamp(record: unknown, receivedAt: string): string | undefined {
  if (isObject(record)) {
    const own = normalizeTimestamp(record.timestamp);
    if (own) return own;
    const repo = record._repo;
    const modified = isObject(repo) ? normalizeTimestamp(repo.modifyDate) : undefined;
    if (modified) return modified;
  }
  return normalizeTimestamp(receivedAt);
}

/** JSON with object keys sorted, so equal content always digests the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function contentDigest(attributes: Attributes, deleted: boolean): string {
  return createHash('sha256')
    .update(canonical({ attributes, deleted }))
    .digest('hex')
    .slice(0, DIGEST_HEX_LENGTH);
}

/**
 * A `merge` patch in the manner of JSON Merge Patch (RFC 7396): objects merge field by field, arrays and scalars
 * replace, and `null` removes the field.
 */
export function mergePatch(target: Attributes, patch: Attributes): Record<string, unknown> {
  const result: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (isObject(value)) result[key] = mergePatch(isObject(result[key]) ? result[key] : {}, value);
    else if (value !== undefined) result[key] = value;
  }
  return result;
}

/**
 * The fragment after one change, or undefined when the change leaves it as it is: not newer than the stored
 * version (older, losing the same-instant tie, or the very same record).
 */
export function applyChange(
  current: StoredFragment | undefined,
  change: FragmentChange,
  key: { readonly datasetId: string; readonly identity: IdentityRef },
): StoredFragment | undefined {
  const deleted = change.operation === 'delete';
  const base = current && !current.deleted ? current.attributes : {};
  const attributes =
    change.operation === 'create' ? change.attributes : deleted ? {} : mergePatch(base, change.attributes);
  const digest = contentDigest(attributes, deleted);
  const version = `${change.timestamp}#${digest}`;
  if (current && current.version >= version) return undefined;
  return {
    datasetId: key.datasetId,
    identity: key.identity,
    attributes,
    timestamp: change.timestamp,
    source: change.source,
    version,
    ...(deleted ? { deleted: true } : {}),
  };
}
