/**
 * A Step Functions endpoint (AWS JSON 1.0, the protocol of the real SFNClient) for the template's state machines:
 * StartExecution, StartSyncExecution, DescribeExecution, ListExecutions, StopExecution, DescribeStateMachine.
 * Point a client at it with AWS_ENDPOINT_URL_SFN; StartSyncExecution needs the client's `disableHostPrefix: true`.
 */
import { randomUUID } from 'node:crypto';
import { ServiceError, startAwsJsonServer, type Json, type JsonOperations } from '../aws-json-server';
import { stepFunctionsAccessRequests } from '../iam/actions/step-functions';
import type { RoleAccess } from '../iam/role-access';
import type { FunctionHost } from '../lambda/function-host';
import type { RuntimeLog } from '../runtime-log';
import { asText } from '../template/cloudformation';
import type { TemplateResolver } from '../template/intrinsics';
import { Executions, MAX_STATE_PAYLOAD_BYTES, oversizedState, type ExecutionRecord } from './executions';
import { readStateMachines } from './state-machines';

/** Step Functions' own limits on execution names and list pages. */
const MAX_EXECUTION_NAME_LENGTH = 80;
const MAX_LIST_RESULTS = 1000;
const DEFAULT_LIST_RESULTS = 100;

/** The SDK's target prefix of every Step Functions operation. */
const TARGET_PREFIX = 'AWSStepFunctions';

export interface StepFunctionsOptions {
  readonly resolver: TemplateResolver;
  readonly dataDir: string;
  readonly log: RuntimeLog;
  /** Listen on this port (0 or absent: a free one), so a restart keeps the endpoint clients already hold. */
  readonly port?: number;
  /** Holds each function's calls to its role. @default no check */
  readonly access?: RoleAccess;
}

export interface RunningStepFunctions {
  readonly url: string;
  /** Task states call these functions; until attached, executions cannot start. */
  attach(host: FunctionHost): void;
  /** Aborts every running execution (no new Task starts) and waits until each has ended; the endpoint stays up. */
  stopExecutions(): Promise<void>;
  stop(): Promise<void>;
}

const describe = (record: ExecutionRecord): Json => ({ ...record });

const summary = ({
  executionArn,
  stateMachineArn,
  name,
  status,
  startDate,
  stopDate,
}: ExecutionRecord): Json => ({
  executionArn,
  stateMachineArn,
  name,
  status,
  startDate,
  stopDate,
});

export async function startStepFunctions(options: StepFunctionsOptions): Promise<RunningStepFunctions> {
  const machines = readStateMachines(options.resolver);
  const executions = new Executions(options.dataDir, machines, options.log);
  let attached = false;

  const machineOf = (request: Json) => {
    const machine = executions.machine(String(request['stateMachineArn']));
    if (!machine)
      throw new ServiceError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${String(request['stateMachineArn'])}'`,
      );
    return machine;
  };

  const startOf = (request: Json) => {
    if (!attached) throw new ServiceError('ServiceUnavailable', 'the local runtime is still starting', 503);
    const machine = machineOf(request);
    const name = request['name'] === undefined ? randomUUID() : asText(request['name']);
    if (name.length === 0 || name.length > MAX_EXECUTION_NAME_LENGTH || !/^[A-Za-z0-9_-]+$/.test(name)) {
      throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
    }
    const input = request['input'] === undefined ? '{}' : asText(request['input']);
    try {
      JSON.parse(input);
    } catch {
      throw new ServiceError('InvalidExecutionInput', 'Invalid execution input: not JSON');
    }
    const inputBytes = oversizedState(input);
    if (inputBytes !== undefined)
      throw new ServiceError(
        'InvalidExecutionInput',
        `Invalid execution input: ${inputBytes} bytes exceed the maximum of ${MAX_STATE_PAYLOAD_BYTES} bytes`,
      );
    const existing = executions.get(`${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`);
    return { machine, name, input, existing };
  };

  const operations: JsonOperations = {
    async StartExecution(request) {
      const { machine, name, input, existing } = startOf(request);
      if (existing) {
        // Step Functions answers a repeated start with the same input as the first one: starts are idempotent.
        if (existing.input !== input)
          throw new ServiceError(
            'ExecutionAlreadyExists',
            `Execution Already Exists: '${existing.executionArn}'`,
          );
        return { executionArn: existing.executionArn, startDate: existing.startDate };
      }
      const { record } = executions.start(machine, name, input);
      return { executionArn: record.executionArn, startDate: record.startDate };
    },
    async StartSyncExecution(request) {
      const { machine, name, input, existing } = startOf(request);
      if (existing)
        throw new ServiceError(
          'ExecutionAlreadyExists',
          `Execution Already Exists: '${existing.executionArn}'`,
        );
      return describe(await executions.start(machine, name, input).done);
    },
    async DescribeExecution(request) {
      const record = executions.get(String(request['executionArn']));
      if (!record)
        throw new ServiceError(
          'ExecutionDoesNotExist',
          `Execution Does Not Exist: '${String(request['executionArn'])}'`,
        );
      return describe(record);
    },
    async ListExecutions(request) {
      const machine = machineOf(request);
      const limit = Math.min(
        Number(request['maxResults'] ?? DEFAULT_LIST_RESULTS) || DEFAULT_LIST_RESULTS,
        MAX_LIST_RESULTS,
      );
      const offset =
        request['nextToken'] === undefined
          ? 0
          : Number(Buffer.from(asText(request['nextToken']), 'base64url').toString());
      const all = executions
        .list(machine.arn)
        .filter((record) => !request['statusFilter'] || record.status === request['statusFilter']);
      const page = all.slice(offset, offset + limit);
      const nextToken =
        offset + limit < all.length ? Buffer.from(String(offset + limit)).toString('base64url') : undefined;
      return { executions: page.map(summary), nextToken };
    },
    async StopExecution(request) {
      const executionArn = String(request['executionArn']);
      if (!executions.get(executionArn))
        throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
      executions.abort(executionArn);
      return { stopDate: Date.now() / 1000 };
    },
    async DescribeStateMachine(request) {
      const machine = machineOf(request);
      return {
        stateMachineArn: machine.arn,
        name: machine.name,
        status: 'ACTIVE',
        definition: machine.definitionText,
        roleArn: `arn:aws:iam::${options.resolver.account}:role/${machine.name}-role`,
        type: machine.type,
        creationDate: 0,
      };
    },
  };

  const server = await startAwsJsonServer({
    services: { [TARGET_PREFIX]: operations },
    log: options.log,
    contentType: 'application/x-amz-json-1.0',
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.access
      ? {
          access: {
            roles: options.access,
            requestsOf: (_service: string, operation: string, input: Json) =>
              stepFunctionsAccessRequests(operation, input),
          },
        }
      : {}),
  });
  return {
    url: server.url,
    attach(host) {
      executions.attach(host);
      attached = true;
    },
    stopExecutions: () => executions.stop(),
    async stop() {
      await executions.stop();
      await server.stop();
    },
  };
}
