/**
 * Reverting a batch from the profile store: what applying the batch's records stored, and still holds the batch as
 * its source, is deleted.
 *
 *  - each record is keyed the way applying keyed it (same identities, same primary); a record that cannot be keyed
 *    was never applied and is skipped;
 *  - an event is deleted when its stored source is the batch (an event first delivered by another batch stays);
 *  - a fragment is deleted when its stored source is the batch — a later write from another batch or a stream won
 *    last-writer-wins and stays — and no tombstone is left, so a replay can store the same data again;
 *  - then the batch is taken out of the identity graphs of the records' identities: links and identities that only
 *    this batch made go, and a graph that no longer hangs together splits (docs/identity-graph.md).
 * Every delete is conditional on the stored source, so a concurrent newer write is never deleted and a second
 * revert deletes nothing.
 */
import { isObject, keyOfRecord, type ApplyDeps, type ApplyInput } from './apply-to-profiles';
import { eventIdProblem, type EventRemovals } from './events';
import type { FragmentRemovals } from './fragments';
import { forEachLimited, PARALLEL_CALLS } from './parallel-calls';
import { identityKeyOf, type BatchUnlinking, type IdentityRef } from './profile-ports';

export interface RevertDeps extends Pick<ApplyDeps, 'guardrails' | 'normalizer'> {
  readonly data: FragmentRemovals & EventRemovals;
  readonly graph: BatchUnlinking;
}

export interface RevertInput {
  readonly sandbox: string;
  readonly dataset: ApplyInput['dataset'];
  readonly schema: ApplyInput['schema'];
  readonly batchId: string;
  /** The batch's records as they were applied (its valid rows). */
  readonly records: readonly unknown[];
}

export interface RevertOutcome {
  readonly eventsRemoved: number;
  readonly fragmentsRemoved: number;
  /** Records that cannot be keyed by a primary identity (or, for events, an `_id`): never applied. */
  readonly skipped: number;
}

/** One stored item the batch may have written: a fragment, or an event when `eventId` is set. */
interface Target {
  readonly identity: IdentityRef;
  readonly eventId?: string;
  /** Every identity of the record: the batch linked them. */
  readonly linked: readonly IdentityRef[];
}

const NOTHING: RevertOutcome = { eventsRemoved: 0, fragmentsRemoved: 0, skipped: 0 };

/** The item applying stored the record under, or undefined when applying could not key it. */
function targetOf(deps: RevertDeps, input: RevertInput, record: unknown): Target | undefined {
  if (!isObject(record)) return undefined;
  const keyed = keyOfRecord(deps, input.schema, record);
  if ('code' in keyed) return undefined;
  const linked = keyed.identities;
  if (input.schema.class !== 'event') return { identity: keyed.primary, linked };
  return eventIdProblem(record._id)
    ? undefined
    : { identity: keyed.primary, eventId: record._id as string, linked };
}

export async function revertFromProfiles(deps: RevertDeps, input: RevertInput): Promise<RevertOutcome> {
  const { schema, dataset, sandbox, batchId } = input;
  // Applying stores nothing for these datasets, so there is nothing of the batch to find.
  if (!dataset.profileEnabled || (schema.class !== 'profile' && schema.class !== 'event')) return NOTHING;

  let skipped = 0;
  // Several records of one key (a profile updated twice in the batch) were folded into one stored item.
  const targets = new Map<string, Target>();
  for (const record of input.records) {
    const target = targetOf(deps, input, record);
    if (!target) skipped += 1;
    else targets.set(`${identityKeyOf(target.identity)}\n${target.eventId ?? ''}`, target);
  }

  let removed = 0;
  let failure: { readonly error: unknown } | undefined;
  await forEachLimited([...targets.values()], PARALLEL_CALLS, async ({ identity, eventId }) => {
    // After a store error the revert fails as a whole; it is idempotent, so the caller runs it again.
    if (failure) return;
    try {
      const ours =
        eventId === undefined
          ? await deps.data.removeFragmentOfBatch(sandbox, dataset.id, identity, batchId)
          : await deps.data.removeEventOfBatch(sandbox, dataset.id, identity, eventId, batchId);
      if (ours) removed += 1;
    } catch (error) {
      failure ??= { error };
    }
  });
  if (failure) throw failure.error;
  // After the data: a crash in between leaves links that the revert, run again, takes out.
  const linked = [...targets.values()].flatMap((target) => target.linked);
  await deps.graph.unlinkBatch(sandbox, linked, batchId);
  const isEvent = schema.class === 'event';
  return { eventsRemoved: isEvent ? removed : 0, fragmentsRemoved: isEvent ? 0 : removed, skipped };
}
