/** Creates the catalog and API key tables in an emulator, with the key schema and GSIs env-names.ts describes. */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { API_KEYS_KEYS, CATALOG_KEYS } from '../../lambdas/config/env-names';
import { LOCAL_REGION } from '../../local/emulators';
import { createTableWithGsi1 } from '../support/gsi1-tables';

export const TEST_TABLES = { catalog: 'test-catalog', apiKeys: 'test-api-keys' } as const;

export function testDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
}

const string = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });

export async function createTestTables(endpoint: string): Promise<void> {
  const dynamo = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await createTableWithGsi1(dynamo, TEST_TABLES.catalog, CATALOG_KEYS);
  const { bySandbox } = API_KEYS_KEYS;
  await dynamo.send(
    new CreateTableCommand({
      TableName: TEST_TABLES.apiKeys,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        string(API_KEYS_KEYS.partitionKey),
        string(bySandbox.partitionKey),
        string(bySandbox.sortKey),
      ],
      KeySchema: [{ AttributeName: API_KEYS_KEYS.partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: bySandbox.name,
          KeySchema: [
            { AttributeName: bySandbox.partitionKey, KeyType: 'HASH' },
            { AttributeName: bySandbox.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  dynamo.destroy();
}
