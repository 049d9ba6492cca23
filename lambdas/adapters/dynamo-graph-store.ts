/**
 * The identity graph's storage in the ProfilesTable: every write one conditional single-item write (no
 * transactions), every read strongly consistent. It counts the capacity DynamoDB reports (`ReturnConsumedCapacity:
 * 'TOTAL'`) so benchmarks can tell the write units a record costs.
 */
import { ConditionalCheckFailedException, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { PROFILES_KEYS } from '../config/env-names';
import type { GraphPointer, GraphState, GraphStore } from '../core/profiles/graph-store';
import { identityKeyOf, type IdentityRef } from '../core/profiles/profile-ports';

/** DynamoDB's limit of keys per BatchGetItem request. */
const BATCH_GET_LIMIT = 100;
/**
 * A lost conditional write is billed but DynamoDB reports no capacity with the error: count the minimum it bills
 * (one unit; more for items over 1 KB, so the count is a lower bound for lost writes of large graphs).
 */
const LOST_WRITE_UNITS = 1;
/** Rounds of re-asking for keys a throttled BatchGetItem left unprocessed before giving up. */
const MAX_BATCH_GET_ROUNDS = 10;

const POINTER_SORT_KEY = 'identity';
const GRAPH_SORT_KEY = 'graph';
const { partitionKey: PK, sortKey: SK } = PROFILES_KEYS;

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

export interface CapacityUse {
  readonly operation: string;
  readonly readUnits: number;
  readonly writeUnits: number;
}

export interface DynamoGraphStoreOptions {
  /** Told of every request's consumed capacity (a lost conditional write counts LOST_WRITE_UNITS). */
  readonly onConsumed?: (use: CapacityUse) => void;
}

type Item = Record<string, unknown>;

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
    ...(item.mergedInto !== undefined ? { mergedInto: item.mergedInto as string } : {}),
  };
}

export class DynamoGraphStore implements GraphStore {
  /** Write units consumed through this store since it was built. */
  writeUnits = 0;
  /** Read units consumed through this store since it was built. */
  readUnits = 0;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: DynamoGraphStoreOptions = {},
  ) {}

  async getPointers(sandbox: string, identities: readonly IdentityRef[]): Promise<Map<string, GraphPointer>> {
    const byPartition = new Map(
      identities.map((identity) => [identityPartition(sandbox, identity), identity]),
    );
    const found = new Map<string, GraphPointer>();
    const keys = [...byPartition.keys()].map((pk) => ({ [PK]: pk, [SK]: POINTER_SORT_KEY }));
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      let pending: Item[] = keys.slice(start, start + BATCH_GET_LIMIT);
      for (let round = 0; pending.length > 0; round += 1) {
        if (round === MAX_BATCH_GET_ROUNDS)
          throw new Error('identity pointers stayed unprocessed (throttled)');
        const out = await this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        this.count('getPointers', out.ConsumedCapacity);
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const identity = byPartition.get(item[PK] as string)!;
          found.set(identityKeyOf(identity), {
            graphId: item.graphId as string,
            token: item.token as string,
          });
        }
        pending = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Item[];
      }
    }
    return found;
  }

  async getGraph(sandbox: string, graphId: string): Promise<GraphState | undefined> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: graphKey(sandbox, graphId),
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    this.count('getGraph', out.ConsumedCapacity);
    return out.Item ? graphOf(out.Item) : undefined;
  }

  createPointer(sandbox: string, identity: IdentityRef, pointer: GraphPointer): Promise<boolean> {
    return this.put(
      'createPointer',
      { ...pointerKey(sandbox, identity), namespace: identity.namespace, id: identity.id, ...pointer },
      'attribute_not_exists(#pk)',
      { '#pk': PK },
    );
  }

  repoint(sandbox: string, identity: IdentityRef, fromGraphId: string, toGraphId: string): Promise<boolean> {
    return this.update('repoint', pointerKey(sandbox, identity), {
      UpdateExpression: 'SET #graphId = :to',
      ConditionExpression: '#graphId = :from',
      ExpressionAttributeNames: { '#graphId': 'graphId' },
      ExpressionAttributeValues: { ':to': toGraphId, ':from': fromGraphId },
    });
  }

  async deletePointer(sandbox: string, identity: IdentityRef, token: string): Promise<boolean> {
    return this.conditional('deletePointer', async () => {
      const out = await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: pointerKey(sandbox, identity),
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': token },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      return out.ConsumedCapacity;
    });
  }

  createGraph(sandbox: string, graph: GraphState): Promise<boolean> {
    return this.put(
      'createGraph',
      { ...graphKey(sandbox, graph.graphId), ...graph },
      'attribute_not_exists(#pk)',
      {
        '#pk': PK,
      },
    );
  }

  putGraph(sandbox: string, graph: GraphState, expectedVersion: number): Promise<boolean> {
    return this.put(
      'putGraph',
      { ...graphKey(sandbox, graph.graphId), ...graph },
      '#version = :expected AND attribute_not_exists(#claim) AND attribute_not_exists(#mergedInto)',
      { '#version': 'version', '#claim': 'claim', '#mergedInto': 'mergedInto' },
      { ':expected': expectedVersion },
    );
  }

  claimGraph(
    sandbox: string,
    graphId: string,
    expectedVersion: number,
    targetGraphId: string,
  ): Promise<boolean> {
    return this.update('claimGraph', graphKey(sandbox, graphId), {
      UpdateExpression: 'SET #claim = :target, #version = :next',
      ConditionExpression:
        '#version = :expected AND attribute_not_exists(#claim) AND attribute_not_exists(#mergedInto)',
      ExpressionAttributeNames: { '#version': 'version', '#claim': 'claim', '#mergedInto': 'mergedInto' },
      ExpressionAttributeValues: {
        ':target': targetGraphId,
        ':expected': expectedVersion,
        ':next': expectedVersion + 1,
      },
    });
  }

  finishMerge(sandbox: string, graphId: string, claim: string, mergedInto: string): Promise<boolean> {
    return this.update('finishMerge', graphKey(sandbox, graphId), {
      UpdateExpression: 'SET #mergedInto = :root REMOVE #claim',
      ConditionExpression: '#claim = :claim',
      ExpressionAttributeNames: { '#claim': 'claim', '#mergedInto': 'mergedInto' },
      ExpressionAttributeValues: { ':claim': claim, ':root': mergedInto },
    });
  }

  releaseClaim(sandbox: string, graphId: string, claim: string): Promise<boolean> {
    return this.update('releaseClaim', graphKey(sandbox, graphId), {
      UpdateExpression: 'SET #version = #version + :one REMOVE #claim',
      ConditionExpression: '#claim = :claim',
      ExpressionAttributeNames: { '#claim': 'claim', '#version': 'version' },
      ExpressionAttributeValues: { ':claim': claim, ':one': 1 },
    });
  }

  async deleteGraph(sandbox: string, graphId: string): Promise<boolean> {
    const out = await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: graphKey(sandbox, graphId),
        ReturnValues: 'ALL_OLD',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    this.count('deleteGraph', out.ConsumedCapacity);
    return out.Attributes !== undefined;
  }

  private put(
    operation: string,
    item: Item,
    condition: string,
    names: Record<string, string>,
    values?: Record<string, unknown>,
  ): Promise<boolean> {
    return this.conditional(operation, async () => {
      const out = await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ...(values ? { ExpressionAttributeValues: values } : {}),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      return out.ConsumedCapacity;
    });
  }

  private update(
    operation: string,
    key: Item,
    expression: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<boolean> {
    return this.conditional(operation, async () => {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          ...expression,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      return out.ConsumedCapacity;
    });
  }

  /** Runs one conditional write; a failed condition answers false (and is counted as billed). */
  private async conditional(
    operation: string,
    write: () => Promise<ConsumedCapacity | ConsumedCapacity[] | undefined>,
  ): Promise<boolean> {
    try {
      this.count(operation, await write());
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      this.record({ operation, readUnits: 0, writeUnits: LOST_WRITE_UNITS });
      return false;
    }
  }

  private count(operation: string, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    const all = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
    const units = (field: 'ReadCapacityUnits' | 'WriteCapacityUnits') =>
      all.reduce((sum, entry) => sum + (entry[field] ?? 0), 0);
    let writeUnits = units('WriteCapacityUnits');
    let readUnits = units('ReadCapacityUnits');
    // Some services (and dynalite) report only CapacityUnits: attribute it by the kind of request.
    const total = all.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
    if (writeUnits === 0 && readUnits === 0) {
      if (operation.startsWith('get')) readUnits = total;
      else writeUnits = total;
    }
    this.record({ operation, readUnits, writeUnits });
  }

  private record(use: CapacityUse): void {
    this.writeUnits += use.writeUnits;
    this.readUnits += use.readUnits;
    this.options.onConsumed?.(use);
  }
}
