import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/env-names';
import type { RunningRuntime } from '../../local/runtime';
import { EVENTS_FILE } from '../../local/secrets-and-events/event-bridge';
import { FIXTURE_SCHEDULE_INPUT } from '../fixtures/fixture-app';
import { recorder, resetRecorder } from '../fixtures/handlers/recorder';
import { eventually } from './eventually';
import { freshDataDir, removeDataDir, startFixtureRuntime } from './fixture-runtime';

/** Short enough to see several runs in a test, long enough for the fixture handler to finish between them. */
const TICK_MS = 100;

const scheduledEvents = (): unknown[] =>
  recorder()
    .calls.filter((call) => call.fn === 'scheduled-task')
    .map((call) => call.event);

describe('the fixture runtime with Scheduler, Secrets Manager and EventBridge', () => {
  let dataDir: string;
  let runtime: RunningRuntime;

  beforeAll(async () => {
    resetRecorder();
    dataDir = freshDataDir();
    runtime = await startFixtureRuntime(dataDir, undefined, { scheduleTickMs: TICK_MS });
  });
  afterAll(async () => {
    await runtime.stop();
    removeDataDir(dataDir);
  });

  it("runs the enabled schedule's target with its Input at the tick override, and never the disabled or cron ones", async () => {
    // Act
    const events = await eventually(
      () => (scheduledEvents().length >= 3 ? scheduledEvents() : undefined),
      'three scheduled runs',
    );

    // Assess
    expect(events.every((event) => JSON.stringify(event) === JSON.stringify(FIXTURE_SCHEDULE_INPUT))).toBe(
      true,
    );
  });

  it('points the functions at the local Secrets Manager and EventBridge, and lets HTTP sources reach loopback', async () => {
    // Prepare: clients built as the handlers build them, from the environment alone.
    const secrets = new SecretsManagerClient({});
    const events = new EventBridgeClient({});

    // Act
    await secrets.send(new CreateSecretCommand({ Name: 'runtime-secret', SecretString: 'value' }));
    const read = await secrets.send(new GetSecretValueCommand({ SecretId: 'runtime-secret' }));
    const put = await events.send(
      new PutEventsCommand({
        Entries: [{ Source: 'tributary.test', DetailType: 'Ping', Detail: '{"n":1}' }],
      }),
    );

    // Assess
    expect(process.env['AWS_ENDPOINT_URL_SECRETS_MANAGER']).toBe(runtime.endpoints.secretsManager);
    expect(process.env['AWS_ENDPOINT_URL_EVENTBRIDGE']).toBe(runtime.endpoints.eventBridge);
    expect(process.env[ENV.httpSourceAllowPrivateHosts]).toBe('true');
    expect(process.env[ENV.webhookAllowPlainHttp]).toBe('true');
    expect(read.SecretString).toBe('value');
    expect(put.FailedEntryCount).toBe(0);
    expect(readFileSync(join(dataDir, EVENTS_FILE), 'utf8')).toContain('"detailType":"Ping"');
    secrets.destroy();
    events.destroy();
  });

  it('stops ticking once stopped, and gives the endpoint variables back', async () => {
    // Act
    await runtime.stop();
    const runsAtStop = scheduledEvents().length;
    await new Promise((resolve) => setTimeout(resolve, TICK_MS * 5));

    // Assess
    expect(scheduledEvents()).toHaveLength(runsAtStop);
    expect(process.env['AWS_ENDPOINT_URL_SECRETS_MANAGER']).toBeUndefined();
    expect(process.env[ENV.httpSourceAllowPrivateHosts]).toBeUndefined();
    expect(process.env[ENV.webhookAllowPlainHttp]).toBeUndefined();
  });
});
