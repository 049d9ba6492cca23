/**
 * A Step Functions endpoint (AWS JSON 1.0, the protocol of the real SFNClient) for the template's state machines:
 * StartExecution, StartSyncExecution, DescribeExecution, ListExecutions, StopExecution, DescribeStateMachine.
 * Point a client at it with AWS_ENDPOINT_URL_SFN; StartSyncExecution needs the client's `disableHostPrefix: true`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

export interface StepFunctionsOptions {
  readonly resolver: TemplateResolver;
  readonly dataDir: string;
  readonly log: RuntimeLog;
  /** Listen on this port (0 or absent: a free one), so a restart keeps the endpoint clients already hold. */
  readonly port?: number;
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

  const operations: Record<string, (request: Json) => Promise<Json>> = {
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

  const reply = (res: ServerResponse, status: number, body: Json): void => {
    res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': randomUUID() });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
    const implementation = operations[operation];
    try {
      if (req.method !== 'POST' || !implementation)
        throw new ServiceError('UnknownOperationException', `unsupported operation ${operation}`);
      let request: Json;
      try {
        request = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Json;
      } catch {
        throw new ServiceError('SerializationException', 'the request body is not JSON');
      }
      reply(res, 200, await implementation(request));
    } catch (error) {
      if (error instanceof ServiceError)
        return reply(res, error.status, { __type: error.type, message: error.message });
      options.log.error(`Step Functions ${operation} failed`, error);
      reply(res, 500, { __type: 'InternalFailure', message: (error as Error).message });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    attach(host) {
      executions.attach(host);
      attached = true;
    },
    stopExecutions: () => executions.stop(),
    async stop() {
      await executions.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
