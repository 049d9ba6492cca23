/**
 * No secret in a log line or an error answer. The local runtime runs every function in this process, so whatever
 * they log (Powertools writes JSON lines to stdout and stderr) is captured here while representative flows run:
 * API keys minted, used, refused and revoked; a connection whose secret a source echoes back in its error; records
 * with an identity of a hashed namespace streamed into profiles, looked up, and refused. Then neither the captured
 * output nor any 4xx/5xx body may hold a key, a key's hash, the connection secret, the identity hash key, or the
 * raw value of the hashed identity.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/env-names';
import { hashKey } from '../../lambdas/core/api-keys/api-key';
import { HASHED_NAMESPACES_CONTEXT } from '../../lib/identity-hashing';
import { call, startRuntimeUnderTest, type HttpAnswer, type RuntimeUnderTest } from '../e2e/local-runtime';
import { eventually } from '../local/eventually';
import { captureOutput } from '../support/captured-output';

const CONNECTION_SECRET = 'conn-secret-93b1f0a7d2c4e8-do-not-log';
/** Mixed case and padded: the normaliser lower-cases and trims it, so both spellings must stay out. */
const RAW_EMAIL = ' Hygiene.Check.7c41@Example.com ';
const SCHEMA_ID = 'https://example.com/schemas/log-hygiene-person';

/** A source that refuses every request and, carelessly, quotes the credentials it was sent in its error. */
async function startEchoingSource(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: 'bad credentials', received: request.headers.authorization }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('log and error hygiene on the local runtime', () => {
  const errorAnswers: HttpAnswer[] = [];
  const keys: string[] = [];
  let output: ReturnType<typeof captureOutput>;
  let subject: RuntimeUnderTest;
  let source: { url: string; server: Server };
  /** The identity hash key the deployment generated, read from the runtime's Secrets Manager. */
  let identityHashKey: string;
  let url: string;
  let platform: string;

  /** Every answer goes through here, so each error answer is kept for the check. */
  async function request(
    path: string,
    init: { method?: string; key?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<HttpAnswer> {
    const answer = await call(url + path, {
      method: init.method ?? 'GET',
      ...(init.key ? { key: init.key } : {}),
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      ...(init.headers ? { headers: init.headers } : {}),
    });
    if (answer.status >= 400) errorAnswers.push(answer);
    return answer;
  }

  beforeAll(async () => {
    output = captureOutput();
    source = await startEchoingSource();
    // Email identities are stored as keyed hashes, configured as a deployment configures them.
    subject = await startRuntimeUnderTest({ context: { [HASHED_NAMESPACES_CONTEXT]: 'Email' } });
    const secrets = new SecretsManagerClient({ endpoint: subject.runtime.endpoints.secretsManager });
    const hashSecret = await secrets.send(
      new GetSecretValueCommand({ SecretId: subject.runtime.resourceVariable(ENV.identityHashSecretArn) }),
    );
    secrets.destroy();
    identityHashKey = hashSecret.SecretString ?? '';
    expect(identityHashKey).not.toBe('');
    url = subject.runtime.url;
    platform = subject.runtime.adminKey;
    keys.push(platform);

    // API keys: minted, used in both headers, refused for scope, revoked, then refused as unknown.
    const mint = async (name: string, scopes: string[]) => {
      const created = await request('/api-keys', { method: 'POST', key: platform, body: { name, scopes } });
      expect(created.status).toBe(201);
      const body = created.body as { key: string; id: string };
      keys.push(body.key);
      return body;
    };
    const admin = await mint('hygiene admin', ['admin']);
    const reader = await mint('hygiene reader', ['read']);
    expect((await request('/datasets', { key: reader.key })).status).toBe(200);
    expect((await request('/datasets', { headers: { 'x-api-key': reader.key } })).status).toBe(200);
    expect((await request('/datasets', { method: 'POST', key: reader.key, body: {} })).status).toBe(403);
    // Revoked before the authorizer ever saw it: a warm authorizer keeps a key it has seen for up to 30 s.
    const revoked = await mint('hygiene revoked', ['read']);
    expect((await request(`/api-keys/${revoked.id}`, { method: 'DELETE', key: admin.key })).status).toBe(204);
    expect((await request('/datasets', { key: revoked.key })).status).toBe(401);
    expect((await request('/datasets', { key: `${reader.key}x` })).status).toBe(401);

    // A connection with a secret, tested against a source that quotes it back, then read.
    const connection = await request('/connections', {
      method: 'POST',
      key: admin.key,
      body: {
        name: 'echoing source',
        type: 'http',
        params: {
          url: `${source.url}/records`,
          recordsPath: 'data',
          pagination: { type: 'cursor', cursorPath: 'next', cursorParam: 'cursor' },
        },
        auth: { type: 'header', name: 'authorization', value: `Bearer ${CONNECTION_SECRET}` },
      },
    });
    expect(connection.status, JSON.stringify(connection.body)).toBe(201);
    const connectionId = (connection.body as { id: string }).id;
    const tested = await request(`/connections/${connectionId}/test`, { method: 'POST', key: admin.key });
    expect(tested.status).toBeLessThan(500);
    await request(`/connections/${connectionId}/explore`, { key: admin.key });
    await request(`/connections/${connectionId}`, { key: admin.key });

    // A hashed identity streamed into profiles, looked up, and sent in messages the platform refuses.
    const schema = await request('/schemas', {
      method: 'POST',
      key: admin.key,
      body: {
        title: 'Hygiene person',
        class: 'profile',
        schema: {
          $id: SCHEMA_ID,
          type: 'object',
          properties: { email: { type: 'string' }, points: { type: 'integer', minimum: 0 } },
          required: ['email'],
        },
        identities: [{ path: '/email', namespace: 'Email', primary: true }],
      },
    });
    expect(schema.status).toBe(201);
    const dataset = await request('/datasets', {
      method: 'POST',
      key: admin.key,
      body: { name: 'Hygiene people', schemaId: SCHEMA_ID, profileEnabled: true },
    });
    const datasetId = (dataset.body as { id: string }).id;
    const inlet = await request('/inlets', {
      method: 'POST',
      key: admin.key,
      body: { name: 'hygiene', authenticated: false },
    });
    const inletId = (inlet.body as { inletId: string }).inletId;
    const envelope = (entity: Record<string, unknown>) => ({
      header: { schemaRef: { id: SCHEMA_ID }, datasetId, source: { name: 'hygiene' } },
      body: { xdmMeta: { schemaRef: { id: SCHEMA_ID } }, xdmEntity: entity },
    });
    const accepted = await request(`/collection/${inletId}`, {
      method: 'POST',
      body: envelope({ email: RAW_EMAIL, points: 3 }),
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBeLessThan(300);
    await request(`/collection/${inletId}?syncValidation=true`, {
      method: 'POST',
      body: envelope({ email: RAW_EMAIL, points: -1 }),
    });
    const lookup = `/profiles?entityIdNS=Email&entityId=${encodeURIComponent(RAW_EMAIL.trim())}`;
    await eventually(async () => {
      const answer = await call(url + lookup, { key: admin.key });
      return answer.status === 200 ? answer : undefined;
    }, 'the streamed profile');
    await request(`${lookup}&mergePolicyId=no-such-policy`, { key: admin.key });
    await request(`/profiles/events?entityIdNS=Email&entityId=${encodeURIComponent(RAW_EMAIL)}&limit=0`, {
      key: admin.key,
    });
  });

  afterAll(async () => {
    await subject?.stop();
    await new Promise<void>((resolve) => source?.server.close(() => resolve()));
    output?.restore();
  });

  /** Each secret under a name a failure can show without showing the secret. */
  const secrets = (): Array<[string, string]> => [
    ...keys.flatMap((key, index): Array<[string, string]> => [
      [`API key #${index}`, key],
      [`hash of API key #${index}`, hashKey(key)],
    ]),
    ['connection secret', CONNECTION_SECRET],
    ['identity hash key', identityHashKey],
    ['raw hashed identity', RAW_EMAIL.trim()],
    ['normalised hashed identity', RAW_EMAIL.trim().toLowerCase()],
  ];

  it('the flows ran and were logged', () => {
    expect(keys.length).toBe(4);
    expect(errorAnswers.length).toBeGreaterThanOrEqual(4);
    expect(output.text()).toContain('"message":"denied"');
  });

  it('no log line holds a key, a key hash, a secret or a hashed identity', () => {
    const text = output.text();
    const leaked = secrets()
      .filter(([, value]) => text.includes(value))
      .map(([name]) => name);
    expect(leaked).toEqual([]);
  });

  it('no error answer holds a key, a key hash, a secret or a hashed identity', () => {
    const bodies = errorAnswers.map((answer) => JSON.stringify(answer.body));
    const leaked = secrets()
      .filter(([, value]) => bodies.some((body) => body.includes(value)))
      .map(([name]) => name);
    expect(leaked).toEqual([]);
  });
});
