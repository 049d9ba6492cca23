/**
 * The one entry point through which both pipelines (streaming consumer, batch promotion) feed the profile store:
 * validated records or events of one dataset in, one result per item out, in as few writes as possible.
 *
 *  - identities seen together are linked once per distinct set in the call (the graph writes nothing when it
 *    already holds them);
 *  - all records of one primary identity become one fragment write: the stored fragment is read, every change is
 *    put in its place (time, then arrival; fragments.ts), and the outcome is written only if it differs — with a
 *    condition on the version read, so a concurrent writer makes us fold again rather than lose its change;
 *  - an event is read before it is written, so a redelivered one costs a read and no write.
 * One bad item never fails the others. A store error fails only the items it touched: retryable
 * (`profile-store-error`) for throttling, server, network errors and contention; not retryable when the store
 * refuses what the record makes (a `StoreRefusal` of the adapter), which then fails that record alone.
 */
import type { Violation } from '../errors/domain-error';
import type { StoredSchema } from '../schemas/schema-types';
import { eventIdProblem, type EventWrites } from './events';
import {
  foldChanges,
  normalizeTimestamp,
  squashed,
  UPSERT_OPERATIONS,
  type FragmentChange,
  type FragmentWrites,
  type StoredFragment,
  type UpsertOperation,
  type WriteResult,
} from './fragments';
import type { IdentityNormalizer } from './identity-normalizer';
import { forEachLimited, PARALLEL_CALLS } from './parallel-calls';
import {
  identityKeyOf,
  type IdentityGraph,
  type IdentityRef,
  type LinkSource,
  type ProfileEvent,
  type ProfileGuardrails,
  StoreRefusal,
} from './profile-ports';
import { identitiesOfRecord } from './record-identities';
import { recordTimestamp, timestampSkewViolation } from './record-time';

export interface ApplyDeps {
  readonly graph: IdentityGraph;
  readonly data: FragmentWrites & EventWrites;
  readonly guardrails: ProfileGuardrails;
  readonly normalizer: IdentityNormalizer;
  /**
   * Write units the graph's store has used so far (its adapter counts them); when given, the call's `writeUnits`
   * include the graph's writes. Read before and after the call, so calls sharing the store must not overlap.
   */
  readonly graphWriteUnits?: () => number;
}

export interface ApplyItem {
  readonly record: unknown;
  /** Upsert operation of a profile record (default `create`); events are only ever created. */
  readonly operation?: UpsertOperation;
  readonly source: { readonly batchId?: string; readonly messageId?: string };
  /**
   * ISO 8601 arrival time: the record's time when it carries none of its own, and the time its own may stand at
   * most MAX_TIMESTAMP_SKEW_MS ahead of.
   */
  readonly receivedAt: string;
  /**
   * Where the record stands in the order records arrived (`arrivalOrder`: the request's index of a streamed
   * message, the file and row of a batch record). Among records of equal time the later arrival wins; without it,
   * records of equal time are ordered by content only.
   */
  readonly arrival?: string;
}

export interface ApplyInput {
  readonly sandbox: string;
  readonly dataset: { readonly id: string; readonly profileEnabled: boolean };
  readonly schema: Pick<StoredSchema, 'class' | 'identities' | 'hasIdentityMap' | 'primaryIdentity'>;
  readonly items: readonly ApplyItem[];
  /**
   * Batches that the items' batch replays. Their changes to the fragments the items touch are taken out before the
   * items are folded in, and their events of the items' ids are replaced by the items', even when not older, so
   * that reverting them afterwards leaves the replay's data in place: as if they had never been applied.
   */
  readonly replaces?: readonly string[];
}

export type ApplyStatus = 'applied' | 'unchanged' | 'skipped' | 'failed';

export interface ApplyResult {
  readonly index: number;
  readonly status: ApplyStatus;
  readonly reason?: string;
  readonly code?: string;
}

export interface ApplyOutcome {
  readonly results: ApplyResult[];
  /** Write units of the fragment and event writes, plus the graph's when `graphWriteUnits` is given. */
  readonly writeUnits: number;
}

/** Machine codes of the results; only `storeError` is worth retrying (docs/profiles.md describes each). */
export const APPLY_CODES = {
  profileDisabled: 'profile-disabled',
  notProfileClass: 'profile-schema-class',
  recordInvalid: 'profile-record-invalid',
  recordTooLarge: 'profile-record-too-large',
  eventTooLarge: 'profile-event-too-large',
  eventInvalid: 'profile-event-invalid',
  identityInvalid: 'profile-identity-invalid',
  primaryMissing: 'profile-primary-identity-missing',
  timestampSkew: 'profile-timestamp-skew',
  itemTooLarge: 'profile-item-too-large',
  storeRefused: 'profile-store-refused',
  storeError: 'profile-store-error',
} as const;

/** Times a fragment is re-read and re-folded when another writer changed it between our read and our write. */
const MAX_CONFLICT_ROUNDS = 5;

interface Prepared {
  readonly index: number;
  readonly primary: IdentityRef;
  readonly identities: IdentityRef[];
  readonly source: LinkSource;
  readonly change?: FragmentChange;
  readonly event?: ProfileEvent;
}

type Preparation = Prepared | ApplyResult;

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const failed = (index: number, code: string, reason: string): ApplyResult => ({
  index,
  status: 'failed',
  code,
  reason,
});

const REFUSAL_CODES = {
  'too-large': APPLY_CODES.itemTooLarge,
  refused: APPLY_CODES.storeRefused,
} as const;

/** The result of an item the store failed on: not retryable when the store refused what it makes. */
const storeFailure = (index: number, error: unknown): ApplyResult =>
  error instanceof StoreRefusal
    ? failed(index, error.code ?? REFUSAL_CODES[error.kind], error.message)
    : failed(index, APPLY_CODES.storeError, reasonOf(error));

const describe = (problems: readonly Violation[]) =>
  problems
    .map((problem) => (problem.pointer ? `${problem.pointer}: ${problem.message}` : problem.message))
    .join('; ');

/** The identities a record links and the primary one its fragment or event is stored under. */
export interface RecordKey {
  readonly primary: IdentityRef;
  /** Every distinct identity of the record, the primary first. */
  readonly identities: IdentityRef[];
}

/** Why a record cannot be keyed, with the code its apply result carries. */
export interface KeyFailure {
  readonly code: string;
  readonly reason: string;
}

/**
 * How applying keys a record: its identities, normalised, and the primary one; any invalid identity or no primary
 * fails it. Reverting a batch keys its records the same way, to find what applying stored for them.
 */
export function keyOfRecord(
  deps: Pick<ApplyDeps, 'normalizer' | 'guardrails'>,
  schema: ApplyInput['schema'],
  record: Readonly<Record<string, unknown>>,
): RecordKey | KeyFailure {
  const found = identitiesOfRecord(schema, record, deps.normalizer, deps.guardrails);
  if (found.problems.length > 0) {
    return { code: APPLY_CODES.identityInvalid, reason: describe(found.problems) };
  }
  if (!found.primary) {
    return { code: APPLY_CODES.primaryMissing, reason: 'the record has no primary identity to key it by' };
  }
  return { primary: found.primary, identities: found.identities };
}

function prepare(deps: ApplyDeps, input: ApplyInput, item: ApplyItem, index: number): Preparation {
  const { schema, dataset } = input;
  if (schema.class !== 'profile' && schema.class !== 'event') {
    return failed(index, APPLY_CODES.notProfileClass, `a ${schema.class} schema does not feed profiles`);
  }
  const isEvent = schema.class === 'event';
  const record = item.record;
  if (!isObject(record)) return failed(index, APPLY_CODES.recordInvalid, 'a record must be a JSON object');
  const operation = item.operation ?? 'create';
  if (!UPSERT_OPERATIONS.includes(operation)) {
    return failed(index, APPLY_CODES.recordInvalid, `unknown upsert operation "${String(operation)}"`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(record), 'utf8');
  const limit = isEvent ? deps.guardrails.maxEventBytes : deps.guardrails.maxRecordBytes;
  if (bytes > limit) {
    return failed(
      index,
      isEvent ? APPLY_CODES.eventTooLarge : APPLY_CODES.recordTooLarge,
      `the ${isEvent ? 'event' : 'record'} is ${bytes} bytes; the profile store takes at most ${limit}`,
    );
  }
  const keyed = keyOfRecord(deps, schema, record);
  if ('code' in keyed) return failed(index, keyed.code, keyed.reason);
  const timestamp = isEvent ? normalizeTimestamp(record.timestamp) : recordTimestamp(record, item.receivedAt);
  if (!timestamp) {
    return failed(
      index,
      isEvent ? APPLY_CODES.eventInvalid : APPLY_CODES.recordInvalid,
      isEvent ? 'an event needs a date-time timestamp' : `receivedAt is not a date-time: ${item.receivedAt}`,
    );
  }
  // The pipelines quarantine such a record before it comes here; this keeps the bound for any other caller.
  const skew = timestampSkewViolation(schema.class, record, item.receivedAt);
  if (skew) return failed(index, APPLY_CODES.timestampSkew, describe([skew]));
  const source: LinkSource = { datasetId: dataset.id, ...item.source, at: timestamp };
  const prepared = { index, primary: keyed.primary, identities: keyed.identities, source };
  if (!isEvent) {
    const arrival = item.arrival === undefined ? {} : { arrival: item.arrival };
    return { ...prepared, change: { operation, attributes: record, timestamp, source, ...arrival } };
  }
  if (operation !== 'create') {
    return failed(
      index,
      APPLY_CODES.eventInvalid,
      `events are immutable: "${operation}" does not apply to them`,
    );
  }
  const idProblem = eventIdProblem(record._id);
  if (idProblem) return failed(index, APPLY_CODES.eventInvalid, idProblem);
  const event: ProfileEvent = {
    datasetId: dataset.id,
    identity: keyed.primary,
    eventId: record._id as string,
    timestamp,
    body: record,
    source,
  };
  return { ...prepared, event };
}

type Group<T> = [T, ...T[]];

function groupBy<T>(values: readonly T[], keyOf: (value: T) => string): Group<T>[] {
  const groups = new Map<string, Group<T>>();
  for (const value of values) {
    const key = keyOf(value);
    const group = groups.get(key);
    if (group) group.push(value);
    else groups.set(key, [value]);
  }
  return [...groups.values()];
}

export async function applyToProfiles(deps: ApplyDeps, input: ApplyInput): Promise<ApplyOutcome> {
  if (!input.dataset.profileEnabled) {
    return {
      results: input.items.map((_, index) => ({
        index,
        status: 'skipped',
        code: APPLY_CODES.profileDisabled,
        reason: `dataset ${input.dataset.id} is not enabled for profile`,
      })),
      writeUnits: 0,
    };
  }
  const graphUnitsBefore = deps.graphWriteUnits?.() ?? 0;
  const results = new Map<number, ApplyResult>();
  const changed = new Set<number>();
  const prepared: Prepared[] = [];
  input.items.forEach((item, index) => {
    const preparation = prepare(deps, input, item, index);
    if ('status' in preparation) results.set(index, preparation);
    else prepared.push(preparation);
  });
  const fail = (items: readonly Prepared[], error: unknown) => {
    for (const item of items) results.set(item.index, storeFailure(item.index, error));
  };

  const linking = prepared.filter((item) => item.change?.operation !== 'delete');
  const linkSets = groupBy(linking, (item) => item.identities.map(identityKeyOf).sort().join('\n'));
  await forEachLimited(linkSets, PARALLEL_CALLS, async (group) => {
    try {
      const outcome = await deps.graph.link(input.sandbox, group[0].identities, group[0].source);
      // The first item made the link; the others of its set were coalesced into it.
      if (outcome.changed) changed.add(group[0].index);
    } catch (error) {
      fail(group, error);
    }
  });
  const live = prepared.filter((item) => !results.has(item.index));

  let writeUnits = 0;
  const upsert = async (group: Group<Prepared>): Promise<void> => {
    try {
      const outcome = await upsertFragment(deps.data, input, group);
      writeUnits += outcome.writeUnits;
      outcome.applied.forEach((index) => changed.add(index));
    } catch (error) {
      if (!(error instanceof StoreRefusal) || group.length === 1) return fail(group, error);
      // The store refused what the records make together: one at a time, only those it cannot hold fail.
      for (const item of group) await upsert([item]);
    }
  };
  const fragmentGroups = groupBy(
    live.filter((item) => item.change),
    (item) => identityKeyOf(item.primary),
  );
  await forEachLimited(fragmentGroups, PARALLEL_CALLS, upsert);

  const eventGroups = groupBy(
    live.filter((item) => item.event),
    (item) => `${identityKeyOf(item.primary)}\n${item.event?.eventId}`,
  );
  await forEachLimited(eventGroups, PARALLEL_CALLS, async (group) => {
    try {
      const outcome = await putEvent(deps.data, input, group[0].event as ProfileEvent);
      writeUnits += outcome.writeUnits;
      if (outcome.written) changed.add(group[0].index);
    } catch (error) {
      fail(group, error);
    }
  });

  const ordered = input.items.map(
    (_, index): ApplyResult =>
      results.get(index) ?? { index, status: changed.has(index) ? 'applied' : 'unchanged' },
  );
  const graphUnits = (deps.graphWriteUnits?.() ?? 0) - graphUnitsBefore;
  return { results: ordered, writeUnits: writeUnits + graphUnits };
}

/**
 * Folds a group's changes into the stored fragment and writes the outcome once, re-folding on a conflict. The
 * changes of the batches the items replay are taken out first.
 */
async function upsertFragment(
  data: FragmentWrites,
  input: ApplyInput,
  group: Readonly<Group<Prepared>>,
): Promise<{ applied: number[]; writeUnits: number }> {
  const key = { datasetId: input.dataset.id, identity: group[0].primary };
  const changes = group.map((item) => item.change as FragmentChange);
  let writeUnits = 0;
  for (let round = 0; round < MAX_CONFLICT_ROUNDS; round += 1) {
    const current = await data.getFragment(input.sandbox, key.datasetId, key.identity);
    const folded = foldChanges(current, changes, key, input.replaces);
    const applied = group.filter((_, at) => folded.applied[at]).map((item) => item.index);
    if (!folded.fragment) return { applied: [], writeUnits };
    const written = await putFragment(data, input.sandbox, folded.fragment, current?.version);
    writeUnits += written.writeUnits;
    if (written.written) return { applied, writeUnits };
  }
  throw new Error(
    `the fragment of ${identityKeyOf(key.identity)} kept changing under concurrent writers; retry the record`,
  );
}

/** Writes the fragment; when the store cannot hold its history, the fragment squashed to its base alone. */
async function putFragment(
  data: FragmentWrites,
  sandbox: string,
  fragment: StoredFragment,
  expectedVersion: string | undefined,
): Promise<WriteResult> {
  try {
    return await data.putFragment(sandbox, fragment, expectedVersion);
  } catch (error) {
    const smaller =
      error instanceof StoreRefusal && error.kind === 'too-large' ? squashed(fragment) : undefined;
    if (!smaller) throw error;
    return data.putFragment(sandbox, smaller, expectedVersion);
  }
}

/**
 * Stores the event unless its `_id` is stored already (read first: a redelivery costs no write); over an event of a
 * batch the items replay, the replay's takes its place.
 */
async function putEvent(data: EventWrites, input: ApplyInput, event: ProfileEvent) {
  const stored = await data.storedEventSource(input.sandbox, event.datasetId, event.identity, event.eventId);
  if (!stored) return data.putEventIfAbsent(input.sandbox, event);
  const replaced = stored.batchId;
  if (replaced === undefined || !input.replaces?.includes(replaced)) return { written: false, writeUnits: 0 };
  return data.putEventOverBatch(input.sandbox, event, replaced);
}
