/**
 * Small, shared DynamoDB operations on a table of plain items: conditional create, get, delete and paginated
 * queries with an opaque `start` token. The catalog stores build on these instead of each speaking the SDK.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '../core/page';

export type Item = Record<string, unknown>;
export type Key = Record<string, string>;

export class InvalidPageToken extends Error {
  constructor() {
    super('the start token is not one this API issued');
    this.name = 'InvalidPageToken';
  }
}

export function encodePageToken(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : undefined;
}

export function decodePageToken(token: string | undefined): Key | undefined {
  if (token === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const entries = Object.entries(parsed);
      if (entries.length > 0 && entries.every(([, value]) => typeof value === 'string')) return parsed as Key;
    }
  } catch {
    // fall through: a token that is not ours is the caller's error, not ours
  }
  throw new InvalidPageToken();
}

export class DynamoItems {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get<T extends Item>(key: Key, consistent = true): Promise<T | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: consistent }),
    );
    return out.Item as T | undefined;
  }

  /** Writes the item only if no item has its key; answers false when one already exists. */
  async createIfAbsent(item: Item, partitionKey: string): Promise<boolean> {
    return this.conditionalPut(item, 'attribute_not_exists(#pk)', { '#pk': partitionKey });
  }

  /** Writes the item unconditionally (an idempotent upsert). */
  async put(item: Item): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  /** Writes the item if the condition holds; answers false when it does not. */
  async conditionalPut(
    item: Item,
    condition: string,
    names: Record<string, string>,
    values?: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ...(values ? { ExpressionAttributeValues: values } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Deletes the item and answers it, or undefined when there was none. */
  async delete<T extends Item>(key: Key): Promise<T | undefined> {
    const out = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: key, ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes as T | undefined;
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
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: options.indexName,
        ConsistentRead: options.indexName === undefined,
        KeyConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        Limit: page.limit,
        ExclusiveStartKey: decodePageToken(page.start),
        ScanIndexForward: !options.newestFirst,
      }),
    );
    const next = encodePageToken(out.LastEvaluatedKey);
    return { items: (out.Items ?? []) as T[], ...(next ? { next } : {}) };
  }
}
