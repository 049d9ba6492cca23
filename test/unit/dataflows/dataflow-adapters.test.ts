/** The dataflow adapters over mocked AWS clients: run events on EventBridge and dataflow-run executions. */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBridgeRunEvents, RUN_EVENT_SOURCE } from '../../../lambdas/adapters/eventbridge-run-notifier';
import { SfnExecutions } from '../../../lambdas/adapters/sfn-executions';
import type { RunInput } from '../../../lambdas/core/dataflows/dataflow-types';
import type { FlowRun } from '../../../lambdas/core/dataflows/dataflow-types';
import { runEvent } from '../../../lambdas/core/dataflows/run-view';
import { failureOf } from '../../support/memory-uploads';
import { dataflow, endedRun, START } from '../../support/dataflow-world';

const run = (status: FlowRun['status']): FlowRun => endedRun({ status, trigger: 'schedule', revision: 4 });

const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:tributary-dataflow-run';
const EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:tributary-dataflow-run:run-1';

describe('run events on EventBridge', () => {
  const events = mockClient(EventBridgeClient);
  afterEach(() => events.reset());

  it('put one entry: our source, a detail type per outcome, the event as detail', async () => {
    // Prepare
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const publisher = new EventBridgeRunEvents(new EventBridgeClient({}), 'default');

    // Act
    await publisher.publish(runEvent(run('success'), dataflow()));
    await publisher.publish(runEvent(run('failed'), dataflow()));

    // Assess
    const entries = events.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.[0]);
    expect(entries.map((entry) => [entry?.EventBusName, entry?.Source, entry?.DetailType])).toEqual([
      ['default', RUN_EVENT_SOURCE, 'Dataflow Run Succeeded'],
      ['default', RUN_EVENT_SOURCE, 'Dataflow Run Failed'],
    ]);
    expect(JSON.parse(entries[0]!.Detail!)).toMatchObject({
      eventCode: 'sources_flow_run_success',
      dataflow: { id: 'flow-1', name: 'people' },
      run: { id: 'run-1', status: 'success' },
    });
  });

  it('fail when the bus refuses the entry', async () => {
    // Prepare
    events.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });
    const publisher = new EventBridgeRunEvents(new EventBridgeClient({}), 'default');

    // Act
    const failure = await failureOf(publisher.publish(runEvent(run('success'), dataflow())));

    // Assess
    expect((failure as Error).message).toBe('the event bus refused the event: InternalFailure try again');
  });
});

describe('dataflow-run executions', () => {
  const sfn = mockClient(SFNClient);
  afterEach(() => sfn.reset());

  it('are started under the run id, and a repeated start answers the same execution', async () => {
    // Prepare
    sfn
      .on(StartExecutionCommand)
      .resolvesOnce({ executionArn: EXECUTION, startDate: START })
      .rejectsOnce(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const runs = new SfnExecutions<RunInput>(new SFNClient({}), MACHINE);
    const input = { sandbox: 'prod', dataflowId: 'flow-1', runId: 'run-1' };

    // Act
    const first = await runs.start('run-1', input);
    const again = await runs.start('run-1', input);

    // Assess
    expect([first, again]).toEqual([{ executionArn: EXECUTION }, { executionArn: EXECUTION }]);
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: MACHINE,
      name: 'run-1',
      input: JSON.stringify(input),
    });
  });

  it('answer their status, none for an unknown one', async () => {
    // Prepare
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'PENDING_REDRIVE' } as never)
      .rejectsOnce(new ExecutionDoesNotExist({ message: 'gone', $metadata: {} }));
    const runs = new SfnExecutions<RunInput>(new SFNClient({}), MACHINE);

    // Act
    const redrivable = await runs.status(EXECUTION);
    const unknown = await runs.status(EXECUTION);

    // Assess
    expect([redrivable, unknown]).toEqual(['FAILED', undefined]);
  });
});
