import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeExecutionCommand, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortInUseError, startRuntime } from '../../local/runtime';
import { createFixtureApp } from '../fixtures/fixture-app';
import { resetRecorder } from '../fixtures/handlers/recorder';
import { eventually } from './eventually';
import { batchesFrom, fixtureClients, putFixtureRecords, streamNamed } from './fixture-clients';
import { freshDataDir, removeDataDir, startFixtureRuntime } from './fixture-runtime';

describe('the local runtime across a restart', () => {
  let dataDir: string;

  beforeAll(() => {
    resetRecorder();
    dataDir = freshDataDir();
  });
  afterAll(() => removeDataDir(dataDir));

  it('keeps the admin key, items, stream checkpoints and execution records', async () => {
    // Prepare
    const first = await startFixtureRuntime(dataDir);
    console.log(`local runtime (fixture app) started in ${first.startupMs} ms`);
    const firstClients = fixtureClients(first);
    const stream = await streamNamed(firstClients.kinesis, 'fixture-storage-orderedstream');
    const created = await fetch(`${first.url}/items`, {
      method: 'POST',
      body: JSON.stringify({ id: 'kept', kind: 'k' }),
    });
    await putFixtureRecords(firstClients.kinesis, stream, [{ id: 'before-restart' }]);
    await eventually(() => (batchesFrom(stream).length > 0 ? true : undefined), 'the first record');
    const execution = await firstClients.sfn.send(
      new StartSyncExecutionCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:fixture-workflow',
        name: 'kept-execution',
        input: '{"mode":"ok","token":"t"}',
      }),
    );
    await first.stop();

    // Act
    const second = await startFixtureRuntime(dataDir);
    const secondClients = fixtureClients(second);
    try {
      const item = await fetch(`${second.url}/items/kept`);
      await putFixtureRecords(secondClients.kinesis, stream, [{ id: 'after-restart' }]);
      await eventually(
        () => (batchesFrom(stream).flat().includes('after-restart') ? true : undefined),
        'the second record',
      );
      const described = await secondClients.sfn.send(
        new DescribeExecutionCommand({ executionArn: execution.executionArn }),
      );

      // Assess
      expect(created.status).toBe(201);
      expect(first.adminKeyGenerated).toBe(true);
      expect(first.adminKey).toMatch(/^trb_[A-Za-z0-9_-]{43}$/);
      expect(statSync(join(dataDir, 'admin-key')).mode & 0o777).toBe(0o600);
      expect(second.adminKeyGenerated).toBe(false);
      expect(second.adminKeySource).toBe('data-dir');
      expect(second.adminKey).toBe(first.adminKey);
      expect(item.status).toBe(200);
      expect(await item.json()).toEqual({ pk: 'kept', id: 'kept', kind: 'k' });
      expect(batchesFrom(stream)).toEqual([['before-restart'], ['after-restart']]);
      expect(described.status).toBe('SUCCEEDED');
      const checkpoints = readdirSync(join(dataDir, 'event-source-mappings'));
      expect(checkpoints.length).toBe(2);
    } finally {
      await second.stop();
    }
  });

  it('takes the admin key from the option (TRIBUTARY_ADMIN_KEY) over the saved one', async () => {
    // Act
    const runtime = await startFixtureRuntime(dataDir, 'trb_given-key-given-key-given-key-1234');
    await runtime.stop();

    // Assess
    expect(runtime.adminKey).toBe('trb_given-key-given-key-given-key-1234');
    expect(runtime.adminKeySource).toBe('environment');
    expect(readFileSync(join(dataDir, 'admin-key'), 'utf8')).not.toContain('given-key');
  });

  it('refuses a port in use with PortInUseError and leaves nothing running', async () => {
    // Prepare
    const running = await startFixtureRuntime(dataDir);
    const port = Number(new URL(running.url).port);

    // Act
    const second = startRuntime({
      port,
      dataDir: join(dataDir, 'second'),
      appFactory: createFixtureApp,
      quiet: true,
    });

    // Assess
    await expect(second).rejects.toBeInstanceOf(PortInUseError);
    await running.stop();
  });

  it('fails start-up on a function without handler metadata', async () => {
    // Prepare
    const { Function: LambdaFunction, Code, Runtime } = await import('aws-cdk-lib/aws-lambda');
    const { App, Stack } = await import('aws-cdk-lib');
    const appFactory = (props: object) => {
      const app = new App(props);
      new LambdaFunction(new Stack(app, 'Bare'), 'Anonymous', {
        runtime: Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: Code.fromInline('exports.handler = undefined;'),
      });
      return app;
    };

    // Act
    const started = startRuntime({ port: 0, dataDir: join(dataDir, 'bare'), appFactory, quiet: true });

    // Assess
    await expect(started).rejects.toThrow(/Bare\/Anonymous.*no 'tributary:handler' metadata/);
  });
});
