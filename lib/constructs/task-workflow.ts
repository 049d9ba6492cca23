/**
 * A task workflow: a Step Functions state machine read from its ASL file (the very file the local runtime runs),
 * the one worker function every Task state invokes (named in the definition by a substitution), an encrypted log
 * group, and the grants between them. The batch and dataflow stacks each wire one; what the worker reads and writes
 * is bound on `worker` by the stack.
 *
 * A function rather than a Construct subclass, on purpose: the resources keep the logical ids they had in their
 * stacks (`BatchWorker`, `IngestBatch`, …). Nesting them under a construct would change every id, and CloudFormation
 * would then replace the state machine, whose fixed name the replacement cannot take while the old one exists.
 */
import { readFileSync } from 'node:fs';
import { ArnFormat, Validations, type Duration, type Size, type Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { acknowledgeGrantWildcards } from './grant-wildcards';
import { TributaryFunction } from './tributary-function';

/** Executions, each of its Map runs and child executions, are kept in the logs for this long. */
export const WORKFLOW_LOG_RETENTION = RetentionDays.ONE_MONTH;

export interface TaskWorkflowProps {
  /** The state machine's name after the stack's (`<stack name>-<name>`), e.g. `ingest-batch`. */
  readonly name: string;
  readonly comment: string;
  /** Absolute path of the ASL definition. */
  readonly definitionPath: string;
  /** The definition's substitution that names the worker's ARN, e.g. `BatchWorkerFunctionArn`. */
  readonly workerArnSubstitution: string;
  /** Construct ids, kept from before this function existed (see the module comment). */
  readonly ids: { readonly worker: string; readonly machine: string; readonly logs: string };
  readonly worker: {
    readonly handlerPath: string;
    readonly description: string;
    readonly memorySize: number;
    readonly timeout: Duration;
    /** @default Lambda's 512 MiB */
    readonly ephemeralStorageSize?: Size;
  };
  /** Encrypts the worker's and the workflow's logs. */
  readonly logKey: IKey;
  /**
   * The definition has a distributed Map, which runs its items as child executions of this state machine: the
   * machine may start, watch and stop them. @default false
   */
  readonly runsChildExecutions?: boolean;
}

export interface TaskWorkflow {
  readonly name: string;
  readonly worker: TributaryFunction;
  readonly machine: StateMachine;
}

export function createTaskWorkflow(stack: Stack, props: TaskWorkflowProps): TaskWorkflow {
  const name = `${stack.stackName}-${props.name}`;
  const worker = new TributaryFunction(stack, props.ids.worker, {
    ...props.worker,
    logKey: props.logKey,
  }).acknowledgeNoDeadLetterQueue(
    `Invoked synchronously by the ${props.name} state machine, whose Retry and Catch handle a failed step.`,
  );
  const logs = new LogGroup(stack, props.ids.logs, {
    retention: WORKFLOW_LOG_RETENTION,
    encryptionKey: props.logKey,
  });
  const machine = new StateMachine(stack, props.ids.machine, {
    stateMachineName: name,
    comment: props.comment,
    definitionBody: DefinitionBody.fromString(readFileSync(props.definitionPath, 'utf8')),
    definitionSubstitutions: { [props.workerArnSubstitution]: worker.functionArn },
    tracingEnabled: true,
    // Execution data holds file paths, source paths and error messages of customer data: levels and timings only.
    logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
  });
  worker.grantInvoke(machine);
  acknowledgeGrantWildcards(machine.role, {
    resources: [{ arn: worker.functionArn, suffix: ':*' }],
    reason: "CDK's invoke grant on this one function: <function ARN>:* names its versions and aliases only.",
  });
  Validations.of(machine.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs delivery ' +
      '(logs:CreateLogDelivery and friends) support no resource-level scoping.',
  });
  if (props.runsChildExecutions) allowChildExecutions(stack, machine, name);
  return { name, worker, machine };
}

/** A distributed Map's child executions: started, watched and stopped by the machine, under its own name. */
function allowChildExecutions(stack: Stack, machine: StateMachine, name: string): void {
  const arnOf = (resource: string): string =>
    stack.formatArn({
      service: 'states',
      resource,
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  // By name, not by the machine's attribute: the machine's own policy cannot reference the machine.
  machine.addToRolePolicy(
    new PolicyStatement({ actions: ['states:StartExecution'], resources: [arnOf('stateMachine')] }),
  );
  const executions = arnOf('execution');
  machine.addToRolePolicy(
    new PolicyStatement({
      actions: ['states:DescribeExecution', 'states:StopExecution'],
      resources: [`${executions}/*`, `${executions}:*`],
    }),
  );
  acknowledgeGrantWildcards(machine.role, {
    resources: [
      { arn: executions, suffix: '/*' },
      { arn: executions, suffix: ':*' },
    ],
    reason:
      'A distributed Map watches and stops the child executions it starts; their names are generated, under ' +
      'this one state machine.',
  });
}
