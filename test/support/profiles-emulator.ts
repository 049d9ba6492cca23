/** The embedded emulators with SDK clients on them and ProfilesTables created: the setup of the profile tests. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startEmulators } from '../../local/emulators';
import { createProfilesTable } from './profiles-table';

export interface ProfilesEmulator {
  readonly client: DynamoDBClient;
  /** Shares `client`'s middleware stack, so middleware added to `client` sees the document client's requests. */
  readonly documents: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

export async function startProfilesEmulator(...tableNames: string[]): Promise<ProfilesEmulator> {
  const emulators = await startEmulators();
  const client = new DynamoDBClient({
    endpoint: emulators.endpoints.dynamodb,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  for (const tableName of tableNames) await createProfilesTable(client, tableName);
  return {
    client,
    documents,
    stop: async () => {
      client.destroy();
      await emulators.stop();
    },
  };
}
