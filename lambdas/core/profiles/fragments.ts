/**
 * Record fragments: what `create`, `merge` and `delete` upserts make of the stored fragment of one (dataset, primary
 * identity), and the write port the pipeline stores it through.
 *
 * Order. Every change has one place in a total order: its time (the record's own, else its arrival), then its
 * arrival order (`arrivalOrder`: of two records of one instant the later arrival wins), and last a digest of its
 * content, which only makes the order total (two records of one instant with no arrival order, as from a caller
 * that gives none). The fragment is the fold of its changes in that order: `create` replaces, `merge` patches
 * (JSON Merge Patch), `delete` empties and leaves a tombstone.
 *
 * History. The latest state alone cannot take a change that arrives out of order — a merge at t2 stored before the
 * create at t1 must end as the create patched by the merge — so the fragment keeps what the fold needs: its base,
 * the newest full replacement (create or delete), before which nothing matters whatever order it arrives in, and
 * the merges placed after the base, in order. A change is put in its place and the fragment folded again, so any
 * arrival order, batching or repetition of the same changes ends in the same fragment, and a redelivery (same
 * place) changes nothing.
 *
 * Bound. Merges are folded into the base (compacted) once they stand more than MERGE_HORIZON_MS behind the newest
 * change, or there are more than MAX_PENDING_MERGES of them, or more than MAX_PENDING_MERGE_BYTES of JSON; the
 * compacted base takes the place of the last merge folded into it. A change arriving behind the base afterwards is
 * ignored, as under plain last-writer-wins: only a change that late loses its exact place in the fold.
 */
import { createHash } from 'node:crypto';
import { setOwn } from '../own-property';
import type { Fragment, IdentityRef, LinkSource } from './profile-ports';

export const UPSERT_OPERATIONS = ['create', 'merge', 'delete'] as const;
export type UpsertOperation = (typeof UPSERT_OPERATIONS)[number];

export type Attributes = Readonly<Record<string, unknown>>;

/**
 * How far (by record time) a merge may stand behind the fragment's newest change and still be kept apart. Kinesis
 * keeps records 24 hours by default, so a redelivered or retried record is never further behind than that; and each
 * kept merge is written again with every later write of the fragment, so keeping them longer costs write units.
 */
export const MERGE_HORIZON_MS = 24 * 60 * 60 * 1000;
/** Merges kept apart at most: a write re-stores them all, so a fragment merged all day keeps its cost bounded. */
export const MAX_PENDING_MERGES = 32;
/** JSON bytes of the kept merges at most, so their history never takes much of the 400 KB DynamoDB item. */
export const MAX_PENDING_MERGE_BYTES = 32 * 1024;

export interface FragmentChange {
  readonly operation: UpsertOperation;
  /** The record (for `create`), the partial record (for `merge`); ignored for `delete`. */
  readonly attributes: Attributes;
  /** Normalised with `normalizeTimestamp`. */
  readonly timestamp: string;
  /** `arrivalOrder` text: among changes of equal time the later arrival wins. Absent: before any arrival order. */
  readonly arrival?: string;
  readonly source: LinkSource;
}

/** A change as the fragment keeps it: with the digest that completes its place in the order. */
export interface KeptChange {
  readonly operation: UpsertOperation;
  /** `{}` for a delete. */
  readonly attributes: Attributes;
  readonly timestamp: string;
  /** `''` when the change came without an arrival order. */
  readonly arrival: string;
  readonly digest: string;
  readonly source: LinkSource;
}

/** What the fold of a fragment's changes needs; see the file comment. */
export interface FragmentHistory {
  /** The newest create or delete (or the compaction of older changes); absent when only merges were seen. */
  readonly base?: KeptChange;
  /** The merges after the base, oldest first. */
  readonly merges: readonly KeptChange[];
}

export interface StoredFragment extends Fragment {
  /** A digest of every change the history holds (place and source): a write is made only over the version read. */
  readonly version: string;
  readonly history: FragmentHistory;
}

export interface WriteResult {
  readonly written: boolean;
  /** Write capacity units DynamoDB reported (or, for a refused conditional write, the unit it still bills). */
  readonly writeUnits: number;
}

/**
 * The write side of fragments; the DynamoDB profile data store implements it. A write of an item the store cannot
 * hold throws a `StoreRefusal`.
 */
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

const digestOf = (value: unknown): string =>
  createHash('sha256').update(canonical(value)).digest('hex').slice(0, DIGEST_HEX_LENGTH);

/**
 * A `merge` patch in the manner of JSON Merge Patch (RFC 7396): objects merge field by field, arrays and scalars
 * replace, and `null` removes the field.
 */
export function mergePatch(target: Attributes, patch: Attributes): Record<string, unknown> {
  const result: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (isObject(value)) {
      const current = Object.hasOwn(result, key) ? result[key] : undefined;
      setOwn(result, key, mergePatch(isObject(current) ? current : {}, value));
    } else if (value !== undefined) setOwn(result, key, value);
  }
  return result;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The order of the file comment: time, then arrival, then digest. */
const compareChanges = (a: KeptChange, b: KeptChange): number =>
  compareText(a.timestamp, b.timestamp) ||
  compareText(a.arrival, b.arrival) ||
  compareText(a.digest, b.digest);

/** The change as the fragment keeps it. */
function keptChange(change: FragmentChange): KeptChange {
  const attributes = change.operation === 'delete' ? {} : change.attributes;
  return {
    operation: change.operation,
    attributes,
    timestamp: change.timestamp,
    arrival: change.arrival ?? '',
    digest: digestOf({ operation: change.operation, attributes }),
    source: change.source,
  };
}

const EMPTY_HISTORY: FragmentHistory = { merges: [] };

const isEmptyHistory = (history: FragmentHistory) => !history.base && history.merges.length === 0;

/**
 * The history with the change in its place, or undefined when the change leaves it as it is: behind the base (an
 * older record, or one a newer create or delete replaced) or there already (a redelivery).
 */
function withChange(history: FragmentHistory, change: KeptChange): FragmentHistory | undefined {
  const { base, merges } = history;
  if (base && compareChanges(change, base) <= 0) return undefined;
  if (change.operation !== 'merge') {
    return { base: change, merges: merges.filter((merge) => compareChanges(merge, change) > 0) };
  }
  const at = merges.findIndex((merge) => compareChanges(merge, change) >= 0);
  if (at === -1) return { ...history, merges: [...merges, change] };
  if (compareChanges(merges[at] as KeptChange, change) === 0) return undefined;
  return { ...history, merges: [...merges.slice(0, at), change, ...merges.slice(at)] };
}

/** The history without the changes these batches stored: what it would hold had they never been applied. */
function withoutBatches(history: FragmentHistory, batchIds: readonly string[]): FragmentHistory {
  const kept = (change: KeptChange) => !batchIds.includes(change.source.batchId ?? '');
  return {
    ...(history.base && kept(history.base) ? { base: history.base } : {}),
    merges: history.merges.filter(kept),
  };
}

/** The attributes of the base with the merges folded onto it, and whether the result is a tombstone. */
function fold(
  base: KeptChange | undefined,
  merges: readonly KeptChange[],
): { attributes: Attributes; deleted: boolean } {
  let attributes = base?.operation === 'create' ? base.attributes : {};
  for (const merge of merges) attributes = mergePatch(attributes, merge.attributes);
  return { attributes, deleted: base?.operation === 'delete' && merges.length === 0 };
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** The history with its first `count` merges folded into the base, which takes the place of the last of them. */
function foldedInto(history: FragmentHistory, count: number): FragmentHistory {
  if (count === 0) return history;
  const last = history.merges[count - 1] as KeptChange;
  const { attributes } = fold(history.base, history.merges.slice(0, count));
  return { base: { ...last, operation: 'create', attributes }, merges: history.merges.slice(count) };
}

/** The history within the bound of the file comment: its oldest merges folded into the base while beyond it. */
function compacted(history: FragmentHistory): FragmentHistory {
  const newest = history.merges.at(-1)?.timestamp;
  if (newest === undefined) return history;
  const horizon = new Date(Date.parse(newest) - MERGE_HORIZON_MS).toISOString();
  let bytes = history.merges.reduce((sum, merge) => sum + jsonBytes(merge), 0);
  let folded = 0;
  for (const merge of history.merges) {
    const left = history.merges.length - folded;
    if (merge.timestamp >= horizon && left <= MAX_PENDING_MERGES && bytes <= MAX_PENDING_MERGE_BYTES) break;
    bytes -= jsonBytes(merge);
    folded += 1;
  }
  return foldedInto(history, folded);
}

/**
 * The fragment with every merge folded into its base: the same attributes in the smallest item, for when the store
 * cannot hold its history. A change arriving behind its newest change is then ignored (see Bound).
 */
export function squashed(fragment: StoredFragment): StoredFragment | undefined {
  const { history } = fragment;
  if (history.merges.length === 0) return undefined;
  return fragmentOf(fragment, foldedInto(history, history.merges.length));
}

/** The fragment a history holds: its fold, its newest change's time and source, and a version of every change. */
export function fragmentOf(
  key: { readonly datasetId: string; readonly identity: IdentityRef },
  history: FragmentHistory,
): StoredFragment {
  const changes = [...(history.base ? [history.base] : []), ...history.merges];
  const newest = changes.at(-1);
  if (!newest) throw new RangeError('a fragment holds at least one change');
  const { attributes, deleted } = fold(history.base, history.merges);
  const places = changes.map(({ operation, timestamp, arrival, digest, source }) => ({
    operation,
    timestamp,
    arrival,
    digest,
    source,
  }));
  return {
    datasetId: key.datasetId,
    identity: key.identity,
    attributes,
    timestamp: newest.timestamp,
    source: newest.source,
    version: digestOf(places),
    history,
    ...(deleted ? { deleted: true } : {}),
  };
}

/**
 * The fragment after the changes, taken in the order given (any order ends the same); no `fragment` when they leave
 * it as it is. `applied` tells, per change, whether it found a place. The changes of the `replaces` batches are
 * taken out first.
 */
export function foldChanges(
  current: StoredFragment | undefined,
  changes: readonly FragmentChange[],
  key: { readonly datasetId: string; readonly identity: IdentityRef },
  replaces: readonly string[] = [],
): { fragment?: StoredFragment; applied: boolean[] } {
  let history = current?.history ?? EMPTY_HISTORY;
  if (replaces.length > 0) history = withoutBatches(history, replaces);
  const applied = changes.map((change) => {
    const next = withChange(history, keptChange(change));
    if (next) history = compacted(next);
    return next !== undefined;
  });
  // Only a replaced batch's changes were stored, and none of ours took their place: its revert removes them.
  if (isEmptyHistory(history)) return { applied };
  const fragment = fragmentOf(key, history);
  return { ...(fragment.version !== current?.version ? { fragment } : {}), applied };
}

/** The fragment after one change, or undefined when the change leaves it as it is. */
export function applyChange(
  current: StoredFragment | undefined,
  change: FragmentChange,
  key: { readonly datasetId: string; readonly identity: IdentityRef },
): StoredFragment | undefined {
  return foldChanges(current, [change], key).fragment;
}
