/**
 * Finishing a split intent (graph-split.ts computes it): create each new graph, move its members' pointers to it,
 * then clear the intent. Every step is idempotent and the splitting graph stays frozen until the intent is cleared,
 * so any reader or writer that meets it may finish it, any number at once or after a crash.
 */
import type { GraphPointer, GraphSeed, GraphState, GraphStore, StoredMember } from './graph-store';
import { identityKeyOf } from './profile-ports';

interface Move {
  readonly member: StoredMember;
  readonly pointer: GraphPointer;
  readonly seed: GraphSeed;
}

/**
 * Whether the chain from `graphId` (tombstones) ends at the splitting graph. It is frozen but live, so a chain that
 * ends at it stays there until the split moves the pointer away. A claimed graph on the way leads there only once
 * the splitting graph absorbed it; its tombstone, never written (a helper stopped in between), is written first:
 * once its last pointers moved on, nobody would meet its claim again. One it has not absorbed keeps its members.
 */
async function chainEndsAt(
  store: GraphStore,
  sandbox: string,
  graphId: string,
  target: GraphState,
  hops: number,
): Promise<boolean> {
  let id: string | undefined = graphId;
  for (let hop = 0; hop < hops && id !== undefined; hop += 1) {
    if (id === target.graphId) return true;
    const graph = await store.getGraph(sandbox, id);
    if (graph?.claim !== undefined) {
      if (!target.absorbed.includes(id)) return false;
      await store.finishMerge(sandbox, id, graph.claim, target.graphId);
      return true;
    }
    id = graph?.mergedInto;
  }
  return false;
}

/** The members of the split's seeds whose pointer (same token) still leads to the splitting graph. */
async function movesLeft(
  store: GraphStore,
  sandbox: string,
  graph: GraphState,
  hops: number,
): Promise<Move[]> {
  const entries = (graph.split?.graphs ?? []).flatMap((seed) =>
    Object.values(seed.members).map((member) => ({ member, seed })),
  );
  if (entries.length === 0) return [];
  const pointers = await store.getPointers(
    sandbox,
    entries.map(({ member }) => member),
  );
  const moves: Move[] = [];
  for (const { member, seed } of entries) {
    const pointer = pointers.get(identityKeyOf(member));
    if (pointer?.token !== member.token || pointer.graphId === seed.graphId) continue;
    if (await chainEndsAt(store, sandbox, pointer.graphId, graph, hops)) {
      moves.push({ member, pointer, seed });
    }
  }
  return moves;
}

/**
 * Creates the split's graphs and moves their members, re-reading until none is left on the splitting graph's chain
 * (a pointer can move along that chain meanwhile: a path compression), then clears the intent. Answers false when
 * pointers kept moving for `attempts` rounds; the intent stays for the next one who meets it.
 */
export async function finishSplit(
  store: GraphStore,
  sandbox: string,
  graph: GraphState,
  limits: { readonly attempts: number; readonly hops: number },
): Promise<boolean> {
  const split = graph.split;
  if (!split) return true;
  for (let round = 0; round < limits.attempts; round += 1) {
    const moves = await movesLeft(store, sandbox, graph, limits.hops);
    if (moves.length === 0) {
      await store.finishSplit(sandbox, graph.graphId, split.id);
      return true;
    }
    const seeds = new Map(moves.map(({ seed }) => [seed.graphId, seed]));
    // A seed whose members all moved was created before; creating it again would bring back a removed graph.
    for (const seed of seeds.values()) {
      await store.createGraph(sandbox, { ...seed, version: 0, evictions: [], absorbed: [] });
    }
    await Promise.all(
      moves.map(({ member, pointer, seed }) => store.repoint(sandbox, member, pointer.graphId, seed.graphId)),
    );
  }
  return false;
}
