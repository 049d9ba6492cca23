/**
 * The ingest-batch state machine through Step Functions: executions are named by the caller, and starting a name
 * that already exists (a retried request) answers that execution rather than failing.
 */
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { WorkflowInput, WorkflowStarter } from '../core/batches/ingest/ingest-ports';

export class SfnWorkflowStarter implements WorkflowStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: WorkflowInput): Promise<{ executionArn: string }> {
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

  async status(executionArn: string): ReturnType<WorkflowStarter['status']> {
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
