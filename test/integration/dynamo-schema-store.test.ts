import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoItems } from '../../lambdas/adapters/dynamo-items';
import { DynamoSchemaStore } from '../../lambdas/adapters/dynamo-schema-store';
import { SchemaRegistry } from '../../lambdas/core/schemas/schema-registry';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startEmulators,
  type RunningEmulators,
} from '../../local/emulators';
import { instances, schemasInDependencyOrder } from '../conformance/xdm-corpus';

const TABLE = 'catalog';
const PERSON_ID = 'https://example.com/schemas/person';
const person = (properties: Record<string, unknown> = {}) => ({
  $id: PERSON_ID,
  type: 'object',
  properties: { email: { type: 'string' }, ...properties },
});

describe('DynamoSchemaStore against dynalite', () => {
  let emulators: RunningEmulators;
  let store: DynamoSchemaStore;
  const newRegistry = () =>
    new SchemaRegistry({ store, namespaces: { canonicalCode: async (_sandbox, code) => code } });

  beforeAll(async () => {
    emulators = await startEmulators();
    const client = new DynamoDBClient({
      endpoint: emulators.endpoints.dynamodb,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    store = new DynamoSchemaStore(new DynamoItems(DynamoDBDocumentClient.from(client), TABLE));
  });
  afterAll(async () => {
    await emulators.stop();
  });

  it('stores versions, answers the latest or any one, and lists latest summaries', async () => {
    // Prepare
    const registry = newRegistry();
    await registry.register('prod', { title: 'Person', class: 'profile', schema: person() });
    await registry.evolve('prod', PERSON_ID, { schema: person({ phone: { type: 'string' } }) });
    await registry.register('prod', {
      title: 'Other',
      class: 'profile',
      schema: { ...person(), $id: 'https://example.com/schemas/other' },
    });
    await registry.register('dev', { title: 'Elsewhere', class: 'profile', schema: person() });

    // Act
    const latest = await store.get('prod', PERSON_ID);
    const first = await store.get('prod', PERSON_ID, 1);
    const missing = await store.get('prod', PERSON_ID, 3);
    const page1 = await store.list('prod', { limit: 1 });
    const page2 = await store.list('prod', { limit: 1, start: page1.next });

    // Assess
    expect(latest).toMatchObject({
      id: PERSON_ID,
      version: 2,
      schema: person({ phone: { type: 'string' } }),
    });
    expect(first).toMatchObject({ id: PERSON_ID, version: 1, schema: person() });
    expect(missing).toBeUndefined();
    expect(page1.items).toEqual([
      expect.objectContaining({ id: 'https://example.com/schemas/other', version: 1 }),
    ]);
    expect(page2.items).toEqual([expect.objectContaining({ id: PERSON_ID, version: 2, title: 'Person' })]);
  });

  it('takes a version number at most once (the conditional write behind optimistic concurrency)', async () => {
    // Prepare
    const stored = await store.get('prod', PERSON_ID, 2);
    if (!stored) throw new Error('version 2 is missing');

    // Act
    const again = await store.create({ ...stored, title: 'Overwrite' });

    // Assess
    expect(again).toBe(false);
    expect((await store.get('prod', PERSON_ID))?.title).toBe('Person');
  });

  it('stores an XDM schema larger than a DynamoDB item (compressed) and validates with what it reads back', async () => {
    // Prepare: a fresh registry reads everything back from the table
    const registry = newRegistry();
    const corpus = schemasInDependencyOrder();
    // experienceevent-all is 0.5 MB of JSON
    const eventIds = [
      'https://ns.adobe.com/xdm/context/experienceevent',
      'https://ns.adobe.com/experience/analytics/experienceevent-all',
    ];
    const needed = new Set<string>();
    const collect = (id: string): void => {
      if (needed.has(id)) return;
      needed.add(id);
      const entry = corpus.find((candidate) => candidate.id === id);
      for (const match of JSON.stringify(entry?.schema ?? {}).matchAll(/"\$ref":"(https?:[^"#]+)/g))
        collect(match[1] ?? '');
    };
    for (const id of eventIds) collect(id);
    for (const { id, schema } of corpus.filter((entry) => needed.has(entry.id))) {
      await registry.register('xdm', { title: id, class: 'component', schema, unknownKeywords: 'ignore' });
    }
    const example = instances('example', ['components']).find((candidate) =>
      candidate.file.endsWith('classes/experienceevent.example.1.json'),
    );

    // Act
    const outcome = await newRegistry().validate(
      'xdm',
      'https://ns.adobe.com/xdm/context/experienceevent',
      example?.instance,
    );

    // Assess
    expect((await newRegistry().get('xdm', eventIds[1] ?? '')).schema).toEqual(
      corpus.find((entry) => entry.id === eventIds[1])?.schema,
    );
    expect(outcome).toEqual({ valid: true, violations: [] });
  });
});
