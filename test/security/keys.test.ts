/**
 * Attacks on API keys and their checking: the authorizer's one write (a key's last use) refused by IAM must not
 * cost a read, a write and a warning on every request (the 30 s key cache must keep working); the platform key must
 * not be guessable, and a rotated key must stop working at its end date.
 */
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/env-names';
import { generateKey, hashKey, keyIdOf, type ApiKeyRecord } from '../../lambdas/core/api-keys/api-key';
import { handler as authorizer } from '../../lambdas/handlers/authorizer';
import { authorizerEvent, lambdaContext } from '../unit/http/proxy-events';

/** Requests in a burst well inside the key cache's 30 s. */
const BURST = 6;

const recordOf = (key: string, extra: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  keyId: keyIdOf(hashKey(key)),
  keyHash: hashKey(key),
  name: 'reader',
  sandbox: 'prod',
  scopes: ['read'],
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'test',
  ...extra,
});

describe('the authorizer when IAM refuses or allows its last-use write', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const saved = { keys: process.env[ENV.apiKeysTable], catalog: process.env[ENV.catalogTable] };

  beforeAll(() => {
    process.env[ENV.apiKeysTable] = 'api-keys';
    process.env[ENV.catalogTable] = 'catalog';
  });
  afterAll(() => {
    dynamo.restore();
    for (const [name, value] of [
      [ENV.apiKeysTable, saved.keys],
      [ENV.catalogTable, saved.catalog],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  beforeEach(() => dynamo.reset());

  const burst = async (key: string) => {
    const effects: unknown[] = [];
    for (let request = 0; request < BURST; request += 1) {
      const result = await authorizer(
        authorizerEvent({
          method: 'GET',
          resource: '/datasets',
          headers: { authorization: `Bearer ${key}` },
        }),
        lambdaContext(),
      );
      effects.push(result.policyDocument.Statement[0]?.Effect);
    }
    return effects;
  };

  it('a refused write costs one read and one attempt per burst, not one of each per request', async () => {
    // Prepare: a key never used, and an UpdateItem IAM refuses
    const key = generateKey();
    dynamo.on(GetCommand).resolves({ Item: recordOf(key) });
    dynamo.on(UpdateCommand).rejects(
      Object.assign(new Error('not authorized to perform: dynamodb:UpdateItem'), {
        name: 'AccessDeniedException',
      }),
    );

    // Act
    const effects = await burst(key);

    // Assess
    expect(effects).toEqual(Array.from({ length: BURST }, () => 'Allow'));
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('an allowed write is made once, on the last-use time alone, and the key stays cached', async () => {
    // Prepare
    const key = generateKey();
    dynamo.on(GetCommand).resolves({ Item: recordOf(key) });
    dynamo.on(UpdateCommand).resolves({});

    // Act
    await burst(key);

    // Assess
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(1);
    const writes = dynamo.commandCalls(UpdateCommand);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.args[0].input).toMatchObject({
      UpdateExpression: 'SET #lastUsedAt = :at',
      ExpressionAttributeNames: { '#lastUsedAt': 'lastUsedAt', '#keyId': 'keyId' },
      ReturnValues: 'NONE',
    });
  });

  it('a key used within the hour is not written again', async () => {
    // Prepare
    const key = generateKey();
    dynamo.on(GetCommand).resolves({ Item: recordOf(key, { lastUsedAt: new Date().toISOString() }) });
    dynamo.on(UpdateCommand).resolves({});

    // Act
    await burst(key);

    // Assess
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});
