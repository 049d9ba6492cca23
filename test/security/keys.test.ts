/**
 * Attacks on API keys and their checking: the authorizer's one write (a key's last use) refused by IAM must not
 * cost a read, a write and a warning on every request (the 30 s key cache must keep working); the platform key must
 * not be guessable, and a rotated key must stop working at its end date.
 */
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/env-names';
import { generateKey, hashKey, keyIdOf, type ApiKeyRecord } from '../../lambdas/core/api-keys/api-key';
import { authenticate, ensurePlatformKey } from '../../lambdas/core/api-keys/api-keys';
import { handler as authorizer } from '../../lambdas/handlers/authorizer';
import { MemoryApiKeyStore } from '../unit/api-keys/memory-api-key-store';
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

/** DynamoDB mocked for the enclosing `describe`, with the table names the authorizer reads set (and restored). */
function useMockedTables(): () => AwsClientStub<DynamoDBDocumentClient> {
  // Installed only while the enclosing describe runs: other suites in this file use the real client.
  let dynamo: AwsClientStub<DynamoDBDocumentClient> | undefined;
  const saved = { keys: process.env[ENV.apiKeysTable], catalog: process.env[ENV.catalogTable] };

  beforeAll(() => {
    dynamo = mockClient(DynamoDBDocumentClient);
    process.env[ENV.apiKeysTable] = 'api-keys';
    process.env[ENV.catalogTable] = 'catalog';
  });
  afterAll(() => {
    dynamo?.restore();
    for (const [name, value] of [
      [ENV.apiKeysTable, saved.keys],
      [ENV.catalogTable, saved.catalog],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  beforeEach(() => dynamo?.reset());
  return () => {
    if (!dynamo) throw new Error('the DynamoDB mock is installed before the tests of its describe');
    return dynamo;
  };
}

describe('the authorizer when IAM refuses or allows its last-use write', () => {
  const dynamo = useMockedTables();

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
    dynamo()
      .on(GetCommand)
      .resolves({ Item: recordOf(key) });
    dynamo()
      .on(UpdateCommand)
      .rejects(
        Object.assign(new Error('not authorized to perform: dynamodb:UpdateItem'), {
          name: 'AccessDeniedException',
        }),
      );

    // Act
    const effects = await burst(key);

    // Assess
    expect(effects).toEqual(Array.from({ length: BURST }, () => 'Allow'));
    expect(dynamo().commandCalls(GetCommand)).toHaveLength(1);
    expect(dynamo().commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('an allowed write is made once, on the last-use time alone, and the key stays cached', async () => {
    // Prepare
    const key = generateKey();
    dynamo()
      .on(GetCommand)
      .resolves({ Item: recordOf(key) });
    dynamo().on(UpdateCommand).resolves({});

    // Act
    await burst(key);

    // Assess
    expect(dynamo().commandCalls(GetCommand)).toHaveLength(1);
    const writes = dynamo().commandCalls(UpdateCommand);
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
    dynamo()
      .on(GetCommand)
      .resolves({ Item: recordOf(key, { lastUsedAt: new Date().toISOString() }) });
    dynamo().on(UpdateCommand).resolves({});

    // Act
    await burst(key);

    // Assess
    expect(dynamo().commandCalls(UpdateCommand)).toHaveLength(0);
  });
});

describe('the platform key', () => {
  it('is refused when short, repeated, a run, a keyboard row or made of words, and taken when random', async () => {
    // Prepare
    const weak = [
      'trb_0123456789abcde',
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      'password1password1password1password1',
      'abcdefghijklmnopqrstuvwxyz0123456789',
      'qwertyuiopasdfghjklzxcvbnm1234567890',
      'P4ssw0rd!Tributary-Admin-Key-2026-prod',
      'correct-horse-battery-staple-elephant',
    ];
    const strong = [
      generateKey(),
      '9f86d081884c7d659a2feaa0c55ad015',
      'hN+5ACjPp4UE8bb4TD7riYJWJHFpbHtKUPEutMtoato=',
    ];

    // Act
    const refused = await Promise.all(
      weak.map((key) =>
        ensurePlatformKey(new MemoryApiKeyStore(), key).then(
          () => key,
          () => undefined,
        ),
      ),
    );
    const taken = await Promise.all(
      strong.map(async (key) => {
        const store = new MemoryApiKeyStore();
        await ensurePlatformKey(store, key);
        return (await authenticate(store, key))?.sandbox;
      }),
    );

    // Assess: no weak key was stored, every strong one acts as the platform key
    expect(refused).toEqual(weak.map(() => undefined));
    expect(taken).toEqual(strong.map(() => '*'));
  });

  describe('rotation', () => {
    const T0 = new Date('2026-03-01T00:00:00.000Z');
    const END = new Date('2026-03-08T00:00:00.000Z');
    const after = (date: Date, ms: number) => new Date(date.getTime() + ms);

    it('keeps the old key working until the end the operator set, refuses it after, and then deletes it', async () => {
      // Prepare
      const store = new MemoryApiKeyStore();
      const [old, next] = [generateKey(), generateKey()];
      await ensurePlatformKey(store, old, T0);

      // Act
      await ensurePlatformKey(store, next, after(T0, 1), { previousValidUntil: END });
      const beforeEnd = await authenticate(store, old, after(END, -1));
      const atEnd = await authenticate(store, old, END);
      const newAfterEnd = await authenticate(store, next, after(END, 1));
      await ensurePlatformKey(store, next, after(END, 1));

      // Assess
      expect(beforeEnd?.expiresAt).toBe(END.toISOString());
      expect(atEnd).toBeUndefined();
      expect(newAfterEnd?.sandbox).toBe('*');
      expect(store.records.has(keyIdOf(hashKey(old)))).toBe(false);
    });

    it('refuses a new key while the old one is valid and no end is given, or an end beyond 30 days', async () => {
      // Prepare
      const store = new MemoryApiKeyStore();
      const old = generateKey();
      await ensurePlatformKey(store, old, T0);

      // Act
      const withoutEnd = ensurePlatformKey(store, generateKey(), T0);
      const farEnd = ensurePlatformKey(store, generateKey(), T0, {
        previousValidUntil: after(T0, 31 * 24 * 60 * 60 * 1000),
      });

      // Assess
      await expect(withoutEnd).rejects.toThrow(/still valid/);
      await expect(farEnd).rejects.toThrow(/at most 30 days/);
      expect(store.records.size).toBe(1);
      expect((await authenticate(store, old, after(T0, 1)))?.expiresAt).toBeUndefined();
    });

    it('never lengthens an end already set: a later rotation may only bring it forward', async () => {
      // Prepare
      const store = new MemoryApiKeyStore();
      const [old, second, third] = [generateKey(), generateKey(), generateKey()];
      await ensurePlatformKey(store, old, T0);
      await ensurePlatformKey(store, second, T0, { previousValidUntil: END });

      // Act
      await ensurePlatformKey(store, third, after(T0, 1), {
        previousValidUntil: after(END, 24 * 60 * 60 * 1000),
      });

      // Assess
      expect((await authenticate(store, old, T0))?.expiresAt).toBe(END.toISOString());
      expect((await authenticate(store, second, T0))?.expiresAt).toBe(
        after(END, 24 * 60 * 60 * 1000).toISOString(),
      );
    });
  });
});

describe('the authorizer and a key with an end', () => {
  const dynamo = useMockedTables();

  const decide = (key: string) =>
    authorizer(
      authorizerEvent({ method: 'GET', resource: '/datasets', headers: { authorization: `Bearer ${key}` } }),
      lambdaContext(),
    ).then(
      (result) => result.policyDocument.Statement[0]?.Effect,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );

  it('answers 401 (Unauthorized) for a rotated-out key past its end, and allows one before it', async () => {
    // Prepare
    const [ended, ending] = [generateKey(), generateKey()];
    const hour = 60 * 60 * 1000;
    dynamo()
      .on(GetCommand)
      .callsFake((input: { Key: { keyId: string } }) => ({
        Item:
          input.Key.keyId === keyIdOf(hashKey(ended))
            ? recordOf(ended, { expiresAt: new Date(Date.now() - hour).toISOString() })
            : recordOf(ending, { expiresAt: new Date(Date.now() + hour).toISOString() }),
      }));
    dynamo().on(UpdateCommand).resolves({});

    // Act
    const effects = [await decide(ended), await decide(ending)];

    // Assess
    expect(effects).toEqual(['Unauthorized', 'Allow']);
  });
});
