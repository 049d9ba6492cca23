/**
 * Changing a flow or a run: read it, let the caller decide the change from what it finds, write it conditionally on
 * the revision read, and start over when another writer got there first. The API, the scheduler and the run's steps
 * all change flows and runs through here, so none overwrites another's change.
 */
import type { Dataflow, DataflowState, DataflowStore, FlowRun, FlowRunStore } from './dataflow-types';

/** Rounds of read-decide-write before giving up; each loss means another writer made progress. */
const MAX_CHANGE_ROUNDS = 8;

/** Lost every round to concurrent writers; retrying later is safe. */
export class DataflowContentionError extends Error {
  override readonly name = 'DataflowContentionError';
  readonly retryable = true;
  constructor(what: string) {
    super(`${what} kept changing under concurrent writers; retry later`);
  }
}

/** A step found its flow or run gone, or in no state to act on: retrying will not help. */
export class DataflowStateError extends Error {
  override readonly name = 'DataflowStateError';
}

interface Revisioned {
  readonly revision: number;
  readonly updatedAt: string;
}

async function change<T extends Revisioned>(
  what: string,
  read: () => Promise<T | undefined>,
  replace: (next: T) => Promise<boolean>,
  now: () => Date,
  decide: (current: T) => Partial<T> | undefined,
): Promise<T | undefined> {
  for (let round = 0; round < MAX_CHANGE_ROUNDS; round += 1) {
    const current = await read();
    if (!current) return undefined;
    const delta = decide(current);
    if (!delta) return current;
    const next: T = { ...current, ...delta, updatedAt: now().toISOString(), revision: current.revision + 1 };
    if (await replace(next)) return next;
  }
  throw new DataflowContentionError(what);
}

export type FlowChange = Partial<Omit<Dataflow, 'id' | 'sandbox' | 'revision' | 'createdAt' | 'createdBy'>>;

/**
 * Applies the change `decide` makes of the current flow and answers the stored flow; `decide` answers undefined to
 * leave it as it is (then the flow as read is answered). Undefined when there is no such flow.
 */
export function changeFlow(
  store: DataflowStore,
  sandbox: string,
  id: string,
  now: () => Date,
  decide: (flow: Dataflow) => FlowChange | undefined,
): Promise<Dataflow | undefined> {
  return change(
    `dataflow ${id}`,
    () => store.get(sandbox, id),
    (next) => store.replace(next),
    now,
    decide,
  );
}

/** A change of the flow's state only, merged into the state it has. */
export const stateChange = (flow: Dataflow, state: Partial<DataflowState>): FlowChange => ({
  state: { ...flow.state, ...state },
});

export type RunChange = Partial<Omit<FlowRun, 'id' | 'dataflowId' | 'sandbox' | 'revision' | 'startedAt'>>;

/** As changeFlow, for a run. */
export function changeRun(
  store: FlowRunStore,
  run: { readonly sandbox: string; readonly dataflowId: string; readonly runId: string },
  now: () => Date,
  decide: (current: FlowRun) => RunChange | undefined,
): Promise<FlowRun | undefined> {
  return change(
    `run ${run.runId}`,
    () => store.get(run.sandbox, run.dataflowId, run.runId),
    (next) => store.replace(next),
    now,
    decide,
  );
}
