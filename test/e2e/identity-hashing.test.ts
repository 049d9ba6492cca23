/**
 * Identity hashing configured as a deployment configures it (`-c hashedNamespaces=Email`): the local runtime creates
 * the template's key secret in its Secrets Manager, the functions read it by ARN, and a streamed Email identity is
 * stored as its keyed hash and found by a lookup of the clear value.
 */
import { createHmac } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/env-names';
import { HASHED_NAMESPACES_CONTEXT } from '../../lib/identity-hashing';
import { createEmulatorClients, type EmulatorClients } from '../../local/emulator-clients';
import { eventually } from '../local/eventually';
import { call, startRuntimeUnderTest, type RuntimeUnderTest } from './local-runtime';

const SCHEMA_ID = 'https://example.com/schemas/e2e-hashed-person';
const RAW_EMAIL = ' Hashed.Person@Example.com ';
const NORMALISED_EMAIL = 'hashed.person@example.com';

describe('identity hashing from deployment context', () => {
  let subject: RuntimeUnderTest;
  let clients: EmulatorClients;
  let adminKey: string;

  const request = (path: string, init: { method?: string; body?: unknown; key?: string } = {}) =>
    call(subject.runtime.url + path, {
      method: init.method ?? 'GET',
      ...(init.key ? { key: init.key } : {}),
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });

  beforeAll(async () => {
    subject = await startRuntimeUnderTest({ context: { [HASHED_NAMESPACES_CONTEXT]: 'Email' } });
    clients = createEmulatorClients(subject.runtime.endpoints);
    adminKey = subject.runtime.adminKey;
  });

  afterAll(async () => {
    clients?.destroy();
    await subject?.stop();
  });

  it('stores a streamed Email identity as its HMAC under the generated secret and finds it by the clear value', async () => {
    // Prepare
    const secretArn = subject.runtime.resourceVariable(ENV.identityHashSecretArn);
    const secrets = new SecretsManagerClient({ endpoint: subject.runtime.endpoints.secretsManager });
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    secrets.destroy();
    const schema = await request('/schemas', {
      method: 'POST',
      key: adminKey,
      body: {
        title: 'Hashed person',
        class: 'profile',
        schema: {
          $id: SCHEMA_ID,
          type: 'object',
          properties: { email: { type: 'string' }, points: { type: 'integer' } },
          required: ['email'],
        },
        identities: [{ path: '/email', namespace: 'Email', primary: true }],
      },
    });
    expect(schema.status, JSON.stringify(schema.body)).toBe(201);
    const dataset = await request('/datasets', {
      method: 'POST',
      key: adminKey,
      body: { name: 'Hashed people', schemaId: SCHEMA_ID, profileEnabled: true },
    });
    const datasetId = (dataset.body as { id: string }).id;
    const inlet = await request('/inlets', {
      method: 'POST',
      key: adminKey,
      body: { name: 'hashed', authenticated: false },
    });
    const inletId = (inlet.body as { inletId: string }).inletId;

    // Act
    const accepted = await request(`/collection/${inletId}`, {
      method: 'POST',
      body: {
        header: { schemaRef: { id: SCHEMA_ID }, datasetId, source: { name: 'hashed' } },
        body: { xdmMeta: { schemaRef: { id: SCHEMA_ID } }, xdmEntity: { email: RAW_EMAIL, points: 5 } },
      },
    });
    const profile = await eventually(async () => {
      const answer = await request(`/profiles?entityIdNS=Email&entityId=${encodeURIComponent(RAW_EMAIL)}`, {
        key: adminKey,
      });
      return answer.status === 200 ? answer.body : undefined;
    }, 'the streamed profile');
    const table = subject.runtime.resourceVariable(ENV.profilesTable);
    const stored = await clients.documents.send(new ScanCommand({ TableName: table, ConsistentRead: true }));

    // Assess
    expect(secretArn).toMatch(/^arn:aws:secretsmanager:[^:]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/);
    expect(secret.SecretString).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(accepted.status, JSON.stringify(accepted.body)).toBeLessThan(300);
    expect(JSON.stringify(profile)).toContain('"points":5');
    const hash = createHmac('sha256', secret.SecretString ?? '')
      .update(NORMALISED_EMAIL)
      .digest('hex');
    const items = JSON.stringify(stored.Items);
    expect(items).toContain(hash);
    expect(items.toLowerCase()).not.toContain(NORMALISED_EMAIL);
  });
});
