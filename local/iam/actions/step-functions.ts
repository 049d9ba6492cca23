/**
 * Step Functions requests as IAM sees them: `states:` + the operation, on the state machine's ARN for the calls that
 * name one (starts, lists, describing it) and on the execution's ARN for the calls that name an execution.
 */
import type { AccessRequest } from '../policy-evaluator';

const EXECUTION_OPERATIONS = new Set(['DescribeExecution', 'StopExecution', 'GetExecutionHistory']);

export function stepFunctionsAccessRequests(
  operation: string,
  input: Readonly<Record<string, unknown>>,
): AccessRequest[] {
  const named = EXECUTION_OPERATIONS.has(operation) ? input['executionArn'] : input['stateMachineArn'];
  return [{ action: `states:${operation}`, resource: typeof named === 'string' ? named : '*' }];
}
