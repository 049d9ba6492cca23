/** Creates the batches table in an emulator, with the keys and the `gsi1` GSI that env-names.ts describes. */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BATCHES_KEYS } from '../../lambdas/config/env-names';

const string = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });

export async function createBatchesTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey: pk, sortKey: sk, gsi1 } = BATCHES_KEYS;
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
