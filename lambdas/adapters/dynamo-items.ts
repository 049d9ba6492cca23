/**
 * Small, shared DynamoDB operations on a table of plain items: get, put, conditional put / update / delete, batch
 * get / delete and paginated queries with an opaque `start` token. The catalog and profile stores build on these
 * instead of each speaking the SDK. Given `onConsumed`, every request asks DynamoDB for the capacity it consumed
 * (`ReturnConsumedCapacity: 'TOTAL'`) and reports it, so stores and benchmarks can tell what a record costs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConditionalCheckFailedException, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvalidPageToken } from '../core/page';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '../core/page';

/** DynamoDB's limit of keys per BatchGetItem request. */
const BATCH_GET_LIMIT = 100;
/** Rounds of re-asking for keys a throttled BatchGetItem left unprocessed before giving up. */
const MAX_BATCH_GET_ROUNDS = 10;
/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_LIMIT = 25;
/** First pause before re-sending unprocessed deletes, doubled each round (DynamoDB's advice: back off). */
const UNPROCESSED_BACKOFF_MS = 50;
/** Rounds of re-sending what BatchWriteItem left unprocessed (throttling) before giving up with an error. */
const UNPROCESSED_RETRIES = 5;
/**
 * A conditional write DynamoDB refuses still bills at least one write unit (more for items over 1 KB, so the count
 * is a lower bound), but the SDK's error carries no ConsumedCapacity; we count that minimum.
 */
const REFUSED_WRITE_UNITS = 1;

export type Item = Record<string, unknown>;
export type Key = Record<string, string>;

/** A query's start key names the table's key attributes and, through an index, the index's: four at most. */
const MAX_START_KEY_ATTRIBUTES = 4;

export function encodePageToken(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : undefined;
}

/** The JSON a token holds, or InvalidPageToken when it holds none. */
export function decodeTokenJson(token: string): unknown {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    // a token that is not ours is the caller's error, not ours
    throw new InvalidPageToken();
  }
}

/** The value as a start key (a few string attributes, as every key of ours is text), or InvalidPageToken. */
export function asStartKey(value: unknown): Key {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidPageToken();
  const entries = Object.entries(value);
  const strings = entries.filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  const fits = entries.length > 0 && entries.length <= MAX_START_KEY_ATTRIBUTES;
  if (!fits || strings.length !== entries.length) throw new InvalidPageToken();
  return Object.fromEntries(strings);
}

export function decodePageToken(token: string | undefined): Key | undefined {
  return token === undefined ? undefined : asStartKey(decodeTokenJson(token));
}

/**
 * The start key, if it lies in the partition queried (and under the sort-key prefix): a token of another
 * partition — another sandbox's list, another kind of item — is not ours to follow, whatever DynamoDB would make
 * of it.
 */
export function startKeyWithin(
  key: Key | undefined,
  partition: { readonly name: string; readonly value: string },
  sortKeyPrefix?: { readonly name: string; readonly value: string },
): Key | undefined {
  if (key === undefined) return undefined;
  const sortKey = sortKeyPrefix ? key[sortKeyPrefix.name] : undefined;
  const outside =
    !Object.hasOwn(key, partition.name) ||
    key[partition.name] !== partition.value ||
    (sortKeyPrefix !== undefined && !(sortKey ?? '').startsWith(sortKeyPrefix.value));
  if (outside) throw new InvalidPageToken();
  return key;
}

/** DynamoDB's refusal of a query's start key (attributes missing, extra or of another item): the token's fault. */
export function pageTokenRefusal(error: unknown, start: Key | undefined): unknown {
  const refused =
    start !== undefined &&
    error instanceof Error &&
    error.name === 'ValidationException' &&
    /starting key|start key/i.test(error.message);
  return refused ? new InvalidPageToken() : error;
}

/** The capacity one request consumed, as DynamoDB reported it. */
export interface CapacityUse {
  /** The caller's name for the request (defaults to the DynamoDB operation). */
  readonly operation: string;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** A conditional write whose condition failed: billed (REFUSED_WRITE_UNITS) though nothing was written. */
  readonly refused: boolean;
}

export interface DynamoItemsOptions {
  /** Told of every request's consumed capacity; without it no request asks DynamoDB for its capacity. */
  readonly onConsumed?: (use: CapacityUse) => void;
}

/** A condition expression; its names and values also serve the update expression of `updateIf`. */
export interface Condition {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values?: Record<string, unknown>;
}

export interface ConditionalWrite {
  readonly written: boolean;
  /** Write units consumed (0 when capacity is not reported). */
  readonly writeUnits: number;
}

type Consumed = ConsumedCapacity | ConsumedCapacity[] | undefined;

/** Page size of `queryAll`: large pages, as every page is read anyway (DynamoDB caps a page at 1 MB). */
const QUERY_ALL_PAGE_SIZE = 1000;

export class DynamoItems {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: DynamoItemsOptions = {},
  ) {}

  async get<T extends Item>(key: Key, consistent = true, operation = 'GetItem'): Promise<T | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: consistent, ...this.capacity() }),
    );
    this.report(operation, 'read', out.ConsumedCapacity);
    return out.Item as T | undefined;
  }

  /**
   * Strongly consistent reads of many keys, in requests of BATCH_GET_LIMIT; keys DynamoDB leaves unprocessed
   * (throttling) are asked for again. Answers the items found, in no particular order.
   */
  async batchGet<T extends Item>(keys: readonly Key[], operation = 'BatchGetItem'): Promise<T[]> {
    const found: T[] = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] = keys.slice(start, start + BATCH_GET_LIMIT);
      for (let round = 0; pending.length > 0; round += 1) {
        if (round === MAX_BATCH_GET_ROUNDS) throw new Error('DynamoDB left keys unprocessed (throttled)');
        const out = await this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
            ...this.capacity(),
          }),
        );
        this.report(operation, 'read', out.ConsumedCapacity);
        found.push(...((out.Responses?.[this.tableName] ?? []) as T[]));
        pending = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return found;
  }

  /** Writes the item only if no item has its key; answers false when one already exists. */
  async createIfAbsent(item: Item, partitionKey: string): Promise<boolean> {
    return this.conditionalPut(item, 'attribute_not_exists(#pk)', { '#pk': partitionKey });
  }

  /** Writes the item unconditionally (an idempotent upsert). */
  async put(item: Item): Promise<void> {
    const out = await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: item, ...this.capacity() }),
    );
    this.report('PutItem', 'write', out.ConsumedCapacity);
  }

  /** Writes the item if the condition holds; answers false when it does not. */
  async conditionalPut(
    item: Item,
    condition: string,
    names: Record<string, string>,
    values?: Record<string, unknown>,
  ): Promise<boolean> {
    const outcome = await this.putIf(item, { expression: condition, names, ...(values ? { values } : {}) });
    return outcome.written;
  }

  /** Writes the item if the condition holds. */
  putIf(item: Item, condition: Condition, operation = 'PutItem'): Promise<ConditionalWrite> {
    return this.conditional(operation, async () => {
      const out = await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ...conditionOf(condition),
          ...this.capacity(),
        }),
      );
      return out.ConsumedCapacity;
    });
  }

  /** Applies the update expression to the item if the condition holds. */
  updateIf(
    key: Key,
    update: string,
    condition: Condition,
    operation = 'UpdateItem',
  ): Promise<ConditionalWrite> {
    return this.conditional(operation, async () => {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: update,
          ...conditionOf(condition),
          ...this.capacity(),
        }),
      );
      return out.ConsumedCapacity;
    });
  }

  /** Deletes the item if the condition holds (a missing item fails any condition on its attributes). */
  deleteIf(key: Key, condition: Condition, operation = 'DeleteItem'): Promise<ConditionalWrite> {
    return this.conditional(operation, async () => {
      const out = await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key,
          ...conditionOf(condition),
          ...this.capacity(),
        }),
      );
      return out.ConsumedCapacity;
    });
  }

  /** Deletes the item and answers it, or undefined when there was none. */
  async delete<T extends Item>(key: Key, operation = 'DeleteItem'): Promise<T | undefined> {
    const out = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: key, ReturnValues: 'ALL_OLD', ...this.capacity() }),
    );
    this.report(operation, 'write', out.ConsumedCapacity);
    return out.Attributes as T | undefined;
  }

  /**
   * Deletes the items of these keys in requests of BATCH_WRITE_LIMIT, re-sending what DynamoDB leaves unprocessed
   * with a doubling pause; throws when some stay unprocessed after UNPROCESSED_RETRIES rounds.
   */
  async batchDelete(keys: readonly Key[], operation = 'BatchWriteItem'): Promise<void> {
    for (let offset = 0; offset < keys.length; offset += BATCH_WRITE_LIMIT) {
      let requests = keys
        .slice(offset, offset + BATCH_WRITE_LIMIT)
        .map((Key) => ({ DeleteRequest: { Key } }));
      for (let round = 0; requests.length > 0; round += 1) {
        if (round > UNPROCESSED_RETRIES)
          throw new Error('DynamoDB left deletes unprocessed; retry the delete');
        if (round > 0) await sleep(UNPROCESSED_BACKOFF_MS * 2 ** (round - 1));
        const out = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: requests }, ...this.capacity() }),
        );
        this.report(operation, 'write', out.ConsumedCapacity);
        requests = (out.UnprocessedItems?.[this.tableName] ?? []).flatMap((request) =>
          request.DeleteRequest?.Key ? [{ DeleteRequest: { Key: request.DeleteRequest.Key as Key } }] : [],
        );
      }
    }
  }

  /**
   * One page of the items under a partition key (optionally in an index), in sort-key order. Reads of the table
   * itself are strongly consistent, so a list or a latest-version lookup right after a write sees it; index reads
   * cannot be (DynamoDB offers only eventual consistency on global secondary indexes).
   */
  async queryPage<T extends Item>(
    partition: { name: string; value: string },
    page: PageRequest,
    options: {
      indexName?: string;
      newestFirst?: boolean;
      sortKeyPrefix?: { name: string; value: string };
    } = {},
  ): Promise<Page<T>> {
    const names: Record<string, string> = { '#pk': partition.name };
    const values: Record<string, unknown> = { ':pk': partition.value };
    let condition = '#pk = :pk';
    if (options.sortKeyPrefix) {
      names['#sk'] = options.sortKeyPrefix.name;
      values[':sk'] = options.sortKeyPrefix.value;
      condition += ' AND begins_with(#sk, :sk)';
    }
    const start = startKeyWithin(decodePageToken(page.start), partition, options.sortKeyPrefix);
    const out = await this.client
      .send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: options.indexName,
          ConsistentRead: options.indexName === undefined,
          KeyConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          Limit: page.limit,
          ExclusiveStartKey: start,
          ScanIndexForward: !options.newestFirst,
          ...this.capacity(),
        }),
      )
      .catch((error: unknown) => {
        throw pageTokenRefusal(error, start);
      });
    this.report('Query', 'read', out.ConsumedCapacity);
    const next = encodePageToken(out.LastEvaluatedKey);
    return { items: (out.Items ?? []) as T[], ...(next ? { next } : {}) };
  }

  /** Every item under a partition key (optionally with a sort-key prefix), reading pages of `pageSize`. */
  async queryAll<T extends Item>(
    partition: { name: string; value: string },
    options: { sortKeyPrefix?: { name: string; value: string }; pageSize?: number } = {},
  ): Promise<T[]> {
    const items: T[] = [];
    let start: string | undefined;
    do {
      const page = await this.queryPage<T>(
        partition,
        { limit: options.pageSize ?? QUERY_ALL_PAGE_SIZE, ...(start ? { start } : {}) },
        options.sortKeyPrefix ? { sortKeyPrefix: options.sortKeyPrefix } : {},
      );
      items.push(...page.items);
      start = page.next;
    } while (start);
    return items;
  }

  /** Runs one conditional write; a failed condition answers not written (and is counted as billed). */
  private async conditional(operation: string, write: () => Promise<Consumed>): Promise<ConditionalWrite> {
    try {
      return { written: true, writeUnits: this.report(operation, 'write', await write()) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (!this.options.onConsumed) return { written: false, writeUnits: 0 };
      this.options.onConsumed({ operation, readUnits: 0, writeUnits: REFUSED_WRITE_UNITS, refused: true });
      return { written: false, writeUnits: REFUSED_WRITE_UNITS };
    }
  }

  private capacity(): { ReturnConsumedCapacity?: 'TOTAL' } {
    return this.options.onConsumed ? { ReturnConsumedCapacity: 'TOTAL' } : {};
  }

  /**
   * Reports what a request consumed and answers its units. Some services (and dynalite) give only the total
   * `CapacityUnits`, so the units are attributed by the kind of request rather than read from the split fields.
   */
  private report(operation: string, kind: 'read' | 'write', consumed: Consumed): number {
    if (!this.options.onConsumed) return 0;
    const units = [consumed ?? []]
      .flat()
      .reduce(
        (sum, entry) =>
          sum + (entry.CapacityUnits ?? (entry.ReadCapacityUnits ?? 0) + (entry.WriteCapacityUnits ?? 0)),
        0,
      );
    this.options.onConsumed({
      operation,
      readUnits: kind === 'read' ? units : 0,
      writeUnits: kind === 'write' ? units : 0,
      refused: false,
    });
    return units;
  }
}

/** The request fields of a condition. */
function conditionOf(condition: Condition) {
  return {
    ConditionExpression: condition.expression,
    ExpressionAttributeNames: condition.names,
    ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
  };
}
