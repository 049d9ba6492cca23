/** Creates the ProfilesTable in an emulator, with the keys and the `by-time` LSI that env-names.ts describes. */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PROFILES_KEYS } from '../../lambdas/config/env-names';

const string = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });

export async function createProfilesTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey: pk, sortKey: sk, byTime } = PROFILES_KEYS;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [string(pk), string(sk), string(byTime.sortKey)],
      KeySchema: [
        { AttributeName: pk, KeyType: 'HASH' },
        { AttributeName: sk, KeyType: 'RANGE' },
      ],
      LocalSecondaryIndexes: [
        {
          IndexName: byTime.name,
          KeySchema: [
            { AttributeName: pk, KeyType: 'HASH' },
            { AttributeName: byTime.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
}
