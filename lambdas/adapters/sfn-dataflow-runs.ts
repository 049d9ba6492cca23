/**
 * The dataflow-run state machine through Step Functions: executions are named by the run id, and starting a name
 * that already exists (a retried start) answers that execution rather than failing.
 */
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { ExecutionStatus, RunInput, RunWorkflow } from '../core/dataflows/dataflow-types';

export class SfnDataflowRuns implements RunWorkflow {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: RunInput): Promise<{ executionArn: string }> {
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

  async status(executionArn: string): Promise<ExecutionStatus | undefined> {
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
