/**
 * Log groups end with their deployment: `cdk destroy` removes every log group the app made, and no function writes
 * to a log group that Lambda would create outside the stacks (and leave behind). The logs are operational (30 days
 * of retention at most); a team that must keep them longer exports them before a teardown.
 */
import { CfnResource, type IAspect, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import { CfnLogGroup, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';

/** Deletes every log group with its stack (CDK's default for a log group is to retain it). */
export class LogGroupsEndWithTheirStack implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof CfnLogGroup) node.applyRemovalPolicy(RemovalPolicy.DESTROY);
  }
}

/**
 * The log group of a function CDK provides (such as the bucket-notifications handler), which would otherwise log to
 * `/aws/lambda/<name>`, a group Lambda creates on first use and no stack deletes. Once per function.
 */
export function ownLogGroupOf(stack: Stack, provided: IConstruct): void {
  const id = `${provided.node.id}Logs`;
  if (stack.node.tryFindChild(id)) return;
  const fn = provided.node.defaultChild;
  if (!(fn instanceof CfnResource) || fn.cfnResourceType !== 'AWS::Lambda::Function')
    throw new Error(`${provided.node.path} is not a Lambda function`);
  const logGroup = new LogGroup(stack, id, { retention: PROVIDED_FUNCTION_LOG_RETENTION });
  fn.addPropertyOverride('LoggingConfig.LogGroup', logGroup.logGroupName);
}

/** A provider runs only at deployment; a week covers looking into a failed one. */
const PROVIDED_FUNCTION_LOG_RETENTION = RetentionDays.ONE_WEEK;
