/**
 * A replay reserves the batches it replaces when it is created, with a conditional write on each (the batch's
 * revision), so two replays can never both replace one batch: the second is refused as a `conflict` naming the batch and
 * the replay that holds it. A reservation holds while its replay may still succeed; it lapses when that replay
 * failed or was aborted, so a later replay can try again. A reservation is written before its replay is created
 * (a replay never exists without its reservations), so a reservation naming a replay that does not exist lapses
 * only after a grace period: the request creating that replay may still be under way.
 */
import { conflict, unprocessable } from '../errors/domain-error';
import { BatchContentionError, changeBatch } from './batch-transitions';
import type { FileBatch, FileBatchStatus, FileBatchStore } from './file-batch-types';

/**
 * How long a reservation naming a replay that was never created holds: ten times the 29 seconds API Gateway gives
 * the request that writes the reservation and then creates the replay.
 */
export const UNCREATED_REPLAY_GRACE_MS = 5 * 60_000;

/** A replay in these statuses will never replace anything: its reservations have lapsed. */
const LAPSED_STATUSES: readonly FileBatchStatus[] = ['failed', 'aborted'];

/** Rounds of read-check-write per predecessor before giving up to concurrent writers. */
const MAX_RESERVE_ROUNDS = 8;

export interface ReservationDeps {
  readonly batches: FileBatchStore;
  readonly now: () => Date;
}

type Reservation = NonNullable<FileBatch['reservedBy']>;

/** Whether the reservation still keeps other replays away from its batch. */
async function reservationHolds(
  deps: ReservationDeps,
  sandbox: string,
  reservation: Reservation,
): Promise<boolean> {
  const replay = await deps.batches.getFileBatch(sandbox, reservation.batchId);
  if (replay) return !LAPSED_STATUSES.includes(replay.status);
  return deps.now().getTime() - Date.parse(reservation.at) < UNCREATED_REPLAY_GRACE_MS;
}

const sameReservation = (a: Reservation | undefined, b: Reservation | undefined) =>
  a?.batchId === b?.batchId && a?.at === b?.at;

type Outcome =
  | { readonly reserved: true }
  | { readonly reserved: false; readonly heldBy?: string; readonly status?: FileBatchStatus };

/** Reserves one predecessor for the replay, unless another replay holds it or it is no longer replaceable. */
async function reserveOne(
  deps: ReservationDeps,
  sandbox: string,
  replayId: string,
  predecessorId: string,
): Promise<Outcome> {
  for (let round = 0; round < MAX_RESERVE_ROUNDS; round += 1) {
    const current = await deps.batches.getFileBatch(sandbox, predecessorId);
    if (current?.replacedBy !== undefined) return { reserved: false, heldBy: current?.replacedBy };
    if (current?.status !== 'success')
      return { reserved: false, ...(current ? { status: current.status } : {}) };
    const held = current.reservedBy;
    if (held?.batchId === replayId) return { reserved: true };
    if (held && (await reservationHolds(deps, sandbox, held)))
      return { reserved: false, heldBy: held.batchId };
    const at = deps.now().toISOString();
    const written = await changeBatch(deps.batches, sandbox, predecessorId, deps.now, (latest) =>
      latest.status === 'success' &&
      latest.replacedBy === undefined &&
      sameReservation(latest.reservedBy, held)
        ? { reservedBy: { batchId: replayId, at } }
        : undefined,
    );
    if (written?.reservedBy?.batchId === replayId) return { reserved: true };
  }
  throw new BatchContentionError(predecessorId);
}

/** Releases what the replay reserved, when it is refused at creation. */
async function releasePredecessors(
  deps: ReservationDeps,
  sandbox: string,
  replayId: string,
  predecessors: readonly string[],
): Promise<void> {
  for (const predecessorId of predecessors) {
    await changeBatch(deps.batches, sandbox, predecessorId, deps.now, (current) =>
      current.reservedBy?.batchId === replayId ? { reservedBy: undefined } : undefined,
    );
  }
}

/**
 * Reserves every predecessor for the replay, or none: a predecessor another replay holds is a `conflict` naming both; one
 * that stopped being replaceable since it was checked is `unprocessable`, as it would have been a moment earlier.
 */
export async function reservePredecessors(
  deps: ReservationDeps,
  sandbox: string,
  replayId: string,
  predecessors: readonly string[],
): Promise<void> {
  for (const [index, predecessorId] of predecessors.entries()) {
    const outcome = await reserveOne(deps, sandbox, replayId, predecessorId);
    if (outcome.reserved) continue;
    await releasePredecessors(deps, sandbox, replayId, predecessors.slice(0, index));
    if (outcome.heldBy !== undefined) {
      throw conflict(
        'predecessor-reserved',
        `batch ${predecessorId} is already being replaced by replay ${outcome.heldBy}; a batch can be replaced by one replay at a time`,
      );
    }
    throw unprocessable('invalid-replay', 'the batches to replay cannot be replaced by this batch', [
      {
        pointer: `/replay/predecessors/${index}`,
        keyword: 'status',
        message: `batch ${predecessorId} is ${outcome.status ?? 'gone'}; only successful batches can be replayed`,
      },
    ]);
  }
}
