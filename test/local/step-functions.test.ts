import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  StartExecutionCommand,
  StartSyncExecutionCommand,
} from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { eventually } from './eventually';
import { useFixtureRuntime } from './fixture-runtime';

const MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:fixture-workflow';

describe('the fixture state machine through the real SFNClient', () => {
  const fixture = useFixtureRuntime();

  const runSync = (mode: string, token: string) =>
    fixture.clients.sfn.send(
      new StartSyncExecutionCommand({
        stateMachineArn: MACHINE_ARN,
        name: token,
        input: JSON.stringify({ mode, token }),
      }),
    );

  it('succeeds through a direct Task and a lambda:invoke Task', async () => {
    // Act
    const result = await runSync('ok', 'run-ok');

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output ?? '{}')).toMatchObject({
      first: { firstDone: true, step: 'first' },
      second: { result: { secondDone: true, step: 'second' } },
    });
    expect(result.executionArn).toBe(
      'arn:aws:states:us-east-1:000000000000:execution:fixture-workflow:run-ok',
    );
  });

  it('retries a transient task error', async () => {
    // Act
    const result = await runSync('flaky', 'run-flaky');

    // Assess
    expect(result.status).toBe('SUCCEEDED');
  });

  it('catches the error the Catch names', async () => {
    // Act
    const result = await runSync('fatal', 'run-fatal');

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const output = JSON.parse(result.output ?? '{}') as {
      outcome: string;
      error: { Error: string; Cause: string };
    };
    expect(output.outcome).toBe('recovered');
    expect(output.error.Error).toBe('FatalError');
    expect(JSON.parse(output.error.Cause)).toMatchObject({
      errorType: 'FatalError',
      errorMessage: 'cannot go on',
    });
  });

  it('fails the execution on an error nothing catches', async () => {
    // Act
    const result = await runSync('crash', 'run-crash');

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('CrashError');
  });

  it('fails the execution with States.DataLimitExceeded when a task result is over 256 KB', async () => {
    // Act
    const result = await runSync('bloat', 'run-bloat');

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.DataLimitExceeded');
  });

  it('refuses to start an execution whose input is over 256 KB', async () => {
    // Act
    const refused = await fixture.clients.sfn
      .send(
        new StartExecutionCommand({
          stateMachineArn: MACHINE_ARN,
          name: 'run-oversized',
          input: JSON.stringify({ mode: 'ok', token: 'run-oversized', padding: 'x'.repeat(256 * 1024) }),
        }),
      )
      .catch((error: Error) => error);

    // Assess
    expect(refused).toMatchObject({ name: 'InvalidExecutionInput' });
  });

  it('runs asynchronous executions that DescribeExecution and ListExecutions report', async () => {
    // Act
    const started = await fixture.clients.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: MACHINE_ARN,
        name: 'run-async',
        input: JSON.stringify({ mode: 'ok', token: 'a' }),
      }),
    );
    const described = await eventually(async () => {
      const execution = await fixture.clients.sfn.send(
        new DescribeExecutionCommand({ executionArn: started.executionArn }),
      );
      return execution.status === 'RUNNING' ? undefined : execution;
    }, 'the execution to end');
    const listed = await fixture.clients.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: MACHINE_ARN }),
    );

    // Assess
    expect(described.status).toBe('SUCCEEDED');
    expect(described.startDate).toBeInstanceOf(Date);
    expect(listed.executions?.map((execution) => execution.name)).toContain('run-async');
    await expect(
      fixture.clients.sfn.send(
        new DescribeExecutionCommand({
          executionArn: `${MACHINE_ARN.replace('stateMachine', 'execution')}:missing`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});
