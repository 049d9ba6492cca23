/**
 * The identity graph's storage in the ProfilesTable: every write one conditional single-item write (no
 * transactions), every read strongly consistent. It counts the capacity DynamoDB reports (through DynamoItems'
 * `onConsumed`) so benchmarks can tell the write units a record costs.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PROFILES_KEYS } from '../config/env-names';
import type { GraphPointer, GraphState, GraphStore } from '../core/profiles/graph-store';
import { identityKeyOf, type IdentityRef } from '../core/profiles/profile-ports';
import { DynamoItems, type CapacityUse, type Item } from './dynamo-items';

export type { CapacityUse } from './dynamo-items';

const POINTER_SORT_KEY = 'identity';
const GRAPH_SORT_KEY = 'graph';
const { partitionKey: PK, sortKey: SK } = PROFILES_KEYS;
/** The item does not exist yet. */
const ABSENT = { expression: 'attribute_not_exists(#pk)', names: { '#pk': PK } };
/** The graph is still at `:expected` and neither claimed, splitting nor merged away (names for SET #claim too). */
const UNCLAIMED_AT_VERSION = {
  expression:
    '#version = :expected AND attribute_not_exists(#claim) AND attribute_not_exists(#split) AND ' +
    'attribute_not_exists(#mergedInto)',
  names: { '#version': 'version', '#claim': 'claim', '#split': 'split', '#mergedInto': 'mergedInto' },
};
/** The content a tombstone drops: the root it forwards to holds it, and a tombstone keeps no identity. */
const CONTENT = ['members', 'links', 'evictions', 'absorbed', 'keep'] as const;

export const identityPartition = (sandbox: string, identity: IdentityRef) =>
  `${sandbox}#identity#${identity.namespace}#${identity.id}`;
export const graphPartition = (sandbox: string, graphId: string) => `${sandbox}#graph#${graphId}`;

const pointerKey = (sandbox: string, identity: IdentityRef) => ({
  [PK]: identityPartition(sandbox, identity),
  [SK]: POINTER_SORT_KEY,
});
const graphKey = (sandbox: string, graphId: string) => ({
  [PK]: graphPartition(sandbox, graphId),
  [SK]: GRAPH_SORT_KEY,
});

export interface DynamoGraphStoreOptions {
  /** Told of every request's consumed capacity (a refused conditional write counts one unit). */
  readonly onConsumed?: (use: CapacityUse) => void;
}

function graphOf(item: Item): GraphState {
  const graph: GraphState = {
    graphId: item.graphId as string,
    createdAt: item.createdAt as string,
    version: item.version as number,
    members: (item.members ?? {}) as GraphState['members'],
    links: (item.links ?? {}) as GraphState['links'],
    evictions: (item.evictions ?? []) as GraphState['evictions'],
    absorbed: (item.absorbed ?? []) as GraphState['absorbed'],
  };
  return {
    ...graph,
    ...(item.claim !== undefined ? { claim: item.claim as string } : {}),
    ...(item.keep !== undefined ? { keep: item.keep as string[] } : {}),
    ...(item.split !== undefined ? { split: item.split as GraphState['split'] } : {}),
    ...(item.mergedInto !== undefined ? { mergedInto: item.mergedInto as string } : {}),
  };
}

export class DynamoGraphStore implements GraphStore {
  /** Write units consumed through this store since it was built. */
  writeUnits = 0;
  /** Read units consumed through this store since it was built. */
  readUnits = 0;
  private readonly items: DynamoItems;

  constructor(client: DynamoDBDocumentClient, tableName: string, options: DynamoGraphStoreOptions = {}) {
    this.items = new DynamoItems(client, tableName, {
      onConsumed: (use: CapacityUse) => {
        this.writeUnits += use.writeUnits;
        this.readUnits += use.readUnits;
        options.onConsumed?.(use);
      },
    });
  }

  async getPointers(sandbox: string, identities: readonly IdentityRef[]): Promise<Map<string, GraphPointer>> {
    const byPartition = new Map(
      identities.map((identity) => [identityPartition(sandbox, identity), identity]),
    );
    const keys = [...byPartition.keys()].map((pk) => ({ [PK]: pk, [SK]: POINTER_SORT_KEY }));
    const found = new Map<string, GraphPointer>();
    for (const item of await this.items.batchGet(keys, 'getPointers')) {
      const identity = byPartition.get(item[PK] as string)!;
      found.set(identityKeyOf(identity), { graphId: item.graphId as string, token: item.token as string });
    }
    return found;
  }

  async getGraph(sandbox: string, graphId: string): Promise<GraphState | undefined> {
    const item = await this.items.get(graphKey(sandbox, graphId), true, 'getGraph');
    return item ? graphOf(item) : undefined;
  }

  async createPointer(sandbox: string, identity: IdentityRef, pointer: GraphPointer): Promise<boolean> {
    const item = {
      ...pointerKey(sandbox, identity),
      namespace: identity.namespace,
      id: identity.id,
      ...pointer,
    };
    return (await this.items.putIf(item, ABSENT, 'createPointer')).written;
  }

  async repoint(
    sandbox: string,
    identity: IdentityRef,
    fromGraphId: string,
    toGraphId: string,
  ): Promise<boolean> {
    const outcome = await this.items.updateIf(
      pointerKey(sandbox, identity),
      'SET #graphId = :to',
      {
        expression: '#graphId = :from',
        names: { '#graphId': 'graphId' },
        values: { ':to': toGraphId, ':from': fromGraphId },
      },
      'repoint',
    );
    return outcome.written;
  }

  async deletePointer(sandbox: string, identity: IdentityRef, token: string): Promise<boolean> {
    const outcome = await this.items.deleteIf(
      pointerKey(sandbox, identity),
      { expression: '#token = :token', names: { '#token': 'token' }, values: { ':token': token } },
      'deletePointer',
    );
    return outcome.written;
  }

  async createGraph(sandbox: string, graph: GraphState): Promise<boolean> {
    return (await this.items.putIf({ ...graphKey(sandbox, graph.graphId), ...graph }, ABSENT, 'createGraph'))
      .written;
  }

  async putGraph(sandbox: string, graph: GraphState, expectedVersion: number): Promise<boolean> {
    const outcome = await this.items.putIf(
      { ...graphKey(sandbox, graph.graphId), ...graph },
      { ...UNCLAIMED_AT_VERSION, values: { ':expected': expectedVersion } },
      'putGraph',
    );
    return outcome.written;
  }

  async claimGraph(
    sandbox: string,
    graphId: string,
    expectedVersion: number,
    targetGraphId: string,
    keep: readonly string[],
  ): Promise<boolean> {
    const outcome = await this.items.updateIf(
      graphKey(sandbox, graphId),
      'SET #claim = :target, #keep = :keep, #version = :next',
      {
        ...UNCLAIMED_AT_VERSION,
        names: { ...UNCLAIMED_AT_VERSION.names, '#keep': 'keep' },
        values: {
          ':target': targetGraphId,
          ':keep': keep,
          ':expected': expectedVersion,
          ':next': expectedVersion + 1,
        },
      },
      'claimGraph',
    );
    return outcome.written;
  }

  async finishMerge(sandbox: string, graphId: string, claim: string, mergedInto: string): Promise<boolean> {
    const outcome = await this.items.updateIf(
      graphKey(sandbox, graphId),
      `SET #mergedInto = :root REMOVE #claim, ${CONTENT.map((name) => `#${name}`).join(', ')}`,
      {
        expression: '#claim = :claim',
        names: {
          '#claim': 'claim',
          '#mergedInto': 'mergedInto',
          ...Object.fromEntries(CONTENT.map((name) => [`#${name}`, name])),
        },
        values: { ':claim': claim, ':root': mergedInto },
      },
      'finishMerge',
    );
    return outcome.written;
  }

  releaseClaim(sandbox: string, graphId: string, claim: string): Promise<boolean> {
    return this.withdraw(
      sandbox,
      graphId,
      { path: ['claim'], value: claim, remove: ['claim', 'keep'] },
      'releaseClaim',
    );
  }

  finishSplit(sandbox: string, graphId: string, splitId: string): Promise<boolean> {
    return this.withdraw(
      sandbox,
      graphId,
      { path: ['split', 'id'], value: splitId, remove: ['split'] },
      'finishSplit',
    );
  }

  async deleteGraph(sandbox: string, graphId: string, expectedVersion?: number): Promise<boolean> {
    const key = graphKey(sandbox, graphId);
    if (expectedVersion === undefined) return (await this.items.delete(key, 'deleteGraph')) !== undefined;
    const condition = {
      expression: '#version = :expected',
      names: { '#version': 'version' },
      values: { ':expected': expectedVersion },
    };
    return (await this.items.deleteIf(key, condition, 'deleteGraph')).written;
  }

  /** Removes an intent (and what goes with it) while the attribute at `path` still holds `value`; bumps the version. */
  private async withdraw(
    sandbox: string,
    graphId: string,
    intent: { readonly path: readonly string[]; readonly value: string; readonly remove: readonly string[] },
    operation: string,
  ): Promise<boolean> {
    const named = (names: readonly string[]) => names.map((name) => `#${name}`);
    const outcome = await this.items.updateIf(
      graphKey(sandbox, graphId),
      `SET #version = #version + :one REMOVE ${named(intent.remove).join(', ')}`,
      {
        expression: `${named(intent.path).join('.')} = :intent`,
        names: Object.fromEntries(
          [...new Set(['version', ...intent.path, ...intent.remove])].map((name) => [`#${name}`, name]),
        ),
        values: { ':intent': intent.value, ':one': 1 },
      },
      operation,
    );
    return outcome.written;
  }
}
