/**
 * Creates, in an emulator, the tables whose keys are `pk`/`sk` with a `gsi1` index (the catalog and batches tables),
 * from the key names env-names.ts describes.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BATCHES_KEYS } from '../../lambdas/config/env-names';

interface KeysWithGsi1 {
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly gsi1: { readonly name: string; readonly partitionKey: string; readonly sortKey: string };
}

const string = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });

export async function createTableWithGsi1(
  client: DynamoDBClient,
  tableName: string,
  keys: KeysWithGsi1,
): Promise<void> {
  const { partitionKey: pk, sortKey: sk, gsi1 } = keys;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [string(pk), string(sk), string(gsi1.partitionKey), string(gsi1.sortKey)],
      KeySchema: [
        { AttributeName: pk, KeyType: 'HASH' },
        { AttributeName: sk, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: gsi1.name,
          KeySchema: [
            { AttributeName: gsi1.partitionKey, KeyType: 'HASH' },
            { AttributeName: gsi1.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
}

export const createBatchesTable = (client: DynamoDBClient, tableName: string): Promise<void> =>
  createTableWithGsi1(client, tableName, BATCHES_KEYS);
