/**
 * Events in the profile store: immutable facts keyed by (dataset, `_id`) under their primary identity. The first
 * delivery of an `_id` is kept and every later one — a redelivery, or a different body reusing the id — changes
 * nothing, as Experience Platform de-duplicates events on `_id`. One exception: a replay takes over the events of
 * the batches it replays (`ApplyInput.replaces`), with its own body, so reverting those batches leaves its events.
 */
import type { IdentityRef, LinkSource, ProfileEvent } from './profile-ports';
import type { WriteResult } from './fragments';

/**
 * The write side of events; the DynamoDB profile data store implements it. A write of an item the store cannot
 * hold throws a `StoreRefusal`.
 */
export interface EventWrites {
  /** The source of the stored event, or undefined when there is none (a read: a redelivery costs no write unit). */
  storedEventSource(
    sandbox: string,
    datasetId: string,
    identity: IdentityRef,
    eventId: string,
  ): Promise<LinkSource | undefined>;
  /** Stores the event unless one with its key exists. */
  putEventIfAbsent(sandbox: string, event: ProfileEvent): Promise<WriteResult>;
  /** Replaces the stored event with this one only while the stored one's source is still batch `batchId`. */
  putEventOverBatch(sandbox: string, event: ProfileEvent, batchId: string): Promise<WriteResult>;
}

/** Removal of what one batch stored, for reverting it; the DynamoDB profile data store implements it. */
export interface EventRemovals {
  /** Deletes the event only if its stored source is this batch; false when there is none or another source's. */
  removeEventOfBatch(
    sandbox: string,
    datasetId: string,
    identity: IdentityRef,
    eventId: string,
    batchId: string,
  ): Promise<boolean>;
}

/**
 * Longest accepted `_id`: it becomes part of two sort keys (DynamoDB allows 1,024 bytes), next to the dataset id
 * and the timestamp; Experience Platform builds ids as SHA-256 hex (64 characters), so this is generous.
 */
export const MAX_EVENT_ID_LENGTH = 512;

/** Why an event's `_id` cannot key it, or undefined when it can. */
export function eventIdProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'an event needs a non-empty string _id';
  if (value.length > MAX_EVENT_ID_LENGTH)
    return `an event _id must be at most ${MAX_EVENT_ID_LENGTH} characters`;
  return undefined;
}
