/**
 * Executions of one state machine through Step Functions (ingest-batch, dataflow-run): executions are named by the
 * caller, and starting a name that already exists (a retried request) answers that execution rather than failing.
 */
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export class SfnExecutions<Input extends object> {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: Input): Promise<{ executionArn: string }> {
    try {
      const out = await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
      return { executionArn: out.executionArn ?? this.executionArnOf(name) };
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) return { executionArn: this.executionArnOf(name) };
      throw error;
    }
  }

  /** The execution's status (a failed execution awaiting redrive counts as failed), or undefined when unknown. */
  async status(executionArn: string): Promise<ExecutionStatus | undefined> {
    if (executionArn === '') return undefined;
    try {
      const out = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return out.status === 'PENDING_REDRIVE' ? 'FAILED' : out.status;
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return undefined;
      throw error;
    }
  }

  private executionArnOf(name: string): string {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }
}
