import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { API_KEY_LAST_USED, API_KEYS_KEYS } from '../config/env-names';
import type { ApiKeyRecord, ApiKeyStore } from '../core/api-keys/api-key';
import type { Page, PageRequest } from '../core/page';
import { DynamoItems } from './dynamo-items';

/** API keys, one item per key under its hash-derived id; the by-sandbox index lists a sandbox's keys by age. */
export class DynamoApiKeyStore implements ApiKeyStore {
  private readonly items: DynamoItems;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.items = new DynamoItems(client, tableName);
  }

  get(keyId: string): Promise<ApiKeyRecord | undefined> {
    return this.items.get<ApiKeyRecord & Record<string, unknown>>({ [API_KEYS_KEYS.partitionKey]: keyId });
  }

  create(record: ApiKeyRecord): Promise<boolean> {
    return this.items.createIfAbsent({ ...record }, API_KEYS_KEYS.partitionKey);
  }

  put(record: ApiKeyRecord): Promise<void> {
    return this.items.put({ ...record });
  }

  listBySandbox(sandbox: string, page: PageRequest): Promise<Page<ApiKeyRecord>> {
    return this.items.queryPage<ApiKeyRecord & Record<string, unknown>>(
      { name: API_KEYS_KEYS.bySandbox.partitionKey, value: sandbox },
      page,
      { indexName: API_KEYS_KEYS.bySandbox.name },
    );
  }

  delete(keyId: string): Promise<ApiKeyRecord | undefined> {
    return this.items.delete<ApiKeyRecord & Record<string, unknown>>({ [API_KEYS_KEYS.partitionKey]: keyId });
  }

  /**
   * Conditional on the key still existing, so a late touch never brings a deleted key back. It names only
   * API_KEY_USE_ATTRIBUTES and asks for nothing back: the authorizer's grant allows exactly that.
   */
  async touch(keyId: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [API_KEYS_KEYS.partitionKey]: keyId },
          UpdateExpression: 'SET #lastUsedAt = :at',
          ConditionExpression: 'attribute_exists(#keyId)',
          ExpressionAttributeNames: {
            '#lastUsedAt': API_KEY_LAST_USED,
            '#keyId': API_KEYS_KEYS.partitionKey,
          },
          ExpressionAttributeValues: { ':at': at },
          ReturnValues: 'NONE',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
