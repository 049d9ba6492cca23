import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_REGION } from '../../local/emulators';
import type { RuntimeLog } from '../../local/runtime-log';
import type { RunningAwsJsonServer } from '../../local/aws-json-server';
import { EVENTS_FILE, type RecordedEvent } from '../../local/secrets-and-events/event-bridge';
import { startSecretsAndEvents } from '../../local/secrets-and-events/secrets-and-events-service';
import { freshDataDir, removeDataDir } from './fixture-runtime';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('the local EventBridge PutEvents through the real EventBridgeClient', () => {
  let dataDir: string;
  let endpoint: RunningAwsJsonServer;
  let client: EventBridgeClient;
  const logged: string[] = [];
  const log: RuntimeLog = {
    info: (message) => logged.push(message),
    error: (message) => logged.push(message),
  };
  const recorded = (): RecordedEvent[] =>
    readFileSync(join(dataDir, EVENTS_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as RecordedEvent);

  beforeAll(async () => {
    dataDir = freshDataDir();
    endpoint = await startSecretsAndEvents({ dataDir, log, region: LOCAL_REGION, account: '000000000000' });
    // The client's defaults, plus where to find the service.
    client = new EventBridgeClient({ region: LOCAL_REGION, credentials, endpoint: endpoint.url });
  });
  afterAll(async () => {
    client.destroy();
    await endpoint.stop();
    removeDataDir(dataDir);
  });

  it('records good entries and fails bad ones alone, as AWS does', async () => {
    // Prepare
    const time = new Date('2026-03-01T12:00:00Z');

    // Act
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'tributary.dataflows',
            DetailType: 'Flow Run Succeeded',
            Detail: JSON.stringify({ flowId: 'f1', runId: 'r1', password: 'never-logged' }),
            EventBusName: 'tributary-dataflows',
            Time: time,
          },
          { Source: 'tributary.dataflows', DetailType: 'Flow Run Failed', Detail: '[1, 2]' },
          { Source: 'tributary.dataflows', DetailType: 'Flow Run Failed', Detail: '{not json' },
          { DetailType: 'Flow Run Failed', Detail: '{}' },
          { Source: 'tributary.dataflows', Detail: '{}' },
          { Source: 'tributary.dataflows', DetailType: 'Flow Run Failed' },
          {
            Source: 'tributary.dataflows',
            DetailType: 'Flow Run Failed',
            Detail: '{"flowId":"f2"}',
            EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/tributary-dataflows',
          },
        ],
      }),
    );

    // Assess
    expect(result.FailedEntryCount).toBe(5);
    const [first, array, malformed, noSource, noDetailType, noDetail, byArn] = result.Entries ?? [];
    expect(first?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first?.ErrorCode).toBeUndefined();
    expect(array).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    expect(malformed?.ErrorCode).toBe('MalformedDetail');
    expect(noSource).toEqual({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
    });
    expect(noDetailType?.ErrorCode).toBe('InvalidArgument');
    expect(noDetail?.ErrorCode).toBe('InvalidArgument');
    expect(byArn?.EventId).toEqual(expect.any(String));
    const [succeeded, failed] = recorded();
    expect(succeeded).toEqual({
      id: first?.EventId,
      time: '2026-03-01T12:00:00.000Z',
      source: 'tributary.dataflows',
      detailType: 'Flow Run Succeeded',
      eventBusName: 'tributary-dataflows',
      detail: { flowId: 'f1', runId: 'r1', password: 'never-logged' },
    });
    expect(failed).toMatchObject({
      id: byArn?.EventId,
      source: 'tributary.dataflows',
      detailType: 'Flow Run Failed',
      eventBusName: 'tributary-dataflows',
      detail: { flowId: 'f2' },
    });
    expect(recorded()).toHaveLength(2);
    expect(logged).toEqual([
      'EventBridge event: tributary.dataflows / Flow Run Succeeded',
      'EventBridge event: tributary.dataflows / Flow Run Failed',
    ]);
  });

  it('puts an entry without a bus on the default bus, timed when it was put', async () => {
    // Act
    const before = Date.now();
    await client.send(
      new PutEventsCommand({ Entries: [{ Source: 'tributary.test', DetailType: 'Ping', Detail: '{}' }] }),
    );

    // Assess
    const last = recorded().at(-1);
    expect(last).toMatchObject({ source: 'tributary.test', eventBusName: 'default', detail: {} });
    expect(Date.parse(last?.time ?? '')).toBeGreaterThanOrEqual(before - 1000);
  });

  it('refuses a call with more than 10 entries with a ValidationException', async () => {
    // Act
    const error = await client
      .send(
        new PutEventsCommand({
          Entries: Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'd', Detail: '{}' })),
        }),
      )
      .then(
        () => undefined,
        (failure: unknown) => failure,
      );

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
  });
});
