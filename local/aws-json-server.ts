/**
 * A minimal AWS JSON server (the protocol of the real Step Functions, Secrets Manager and EventBridge clients): a
 * POST whose `X-Amz-Target` is `<service prefix>.<Operation>` and whose body is the operation's JSON input. Errors
 * answer in AWS's JSON error shape (`__type`, `message`), which the SDK turns into its typed exceptions. A call
 * signed by a function is checked against its role first, as AWS authorizes before it looks at the resource.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { signingAccessKeyId } from './iam/function-credentials';
import type { AccessRequest } from './iam/policy-evaluator';
import type { RoleAccess } from './iam/role-access';
import type { RuntimeLog } from './runtime-log';
import { serveOnLoopback, type LoopbackServer } from './loopback-server';

export type Json = Record<string, unknown>;

/** One service's operations by name; each takes the parsed request and returns the answer's body. */
export type JsonOperations = Readonly<Record<string, (request: Json) => Json | Promise<Json>>>;

/** An error the service itself answers with (the SDK raises it as the exception named by `type`). */
export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** How the server holds each function to its role. */
export interface JsonServiceAccess {
  readonly roles: RoleAccess;
  /** The IAM requests of one call: the action and the resource it names (all must be allowed). */
  requestsOf(service: string, operation: string, input: Json): AccessRequest[];
}

export interface AwsJsonServerOptions {
  /** Target prefix (`secretsmanager`, `AWSEvents`, `AWSStepFunctions`) → that service's operations. */
  readonly services: Readonly<Record<string, JsonOperations>>;
  readonly log: RuntimeLog;
  /** `application/x-amz-json-1.1`, or 1.0 for the services that speak it (Step Functions). @default 1.1 */
  readonly contentType?: string;
  /** Checks each call signed by a function against its role. @default no check */
  readonly access?: JsonServiceAccess;
  /** Listen on this port (0 or absent: a free one), so a restart keeps the endpoint clients already hold. */
  readonly port?: number;
}

export type RunningAwsJsonServer = LoopbackServer;

export async function startAwsJsonServer(options: AwsJsonServerOptions): Promise<RunningAwsJsonServer> {
  const reply = (res: ServerResponse, status: number, body: Json): void => {
    res.writeHead(status, {
      'Content-Type': options.contentType ?? 'application/x-amz-json-1.1',
      'x-amzn-RequestId': randomUUID(),
    });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const target = String(req.headers['x-amz-target'] ?? '');
    const separator = target.lastIndexOf('.');
    const operation = target.slice(separator + 1);
    // Own properties only: a target such as `secretsmanager.constructor` names no operation.
    const service = target.slice(0, Math.max(separator, 0));
    const operations = Object.hasOwn(options.services, service) ? options.services[service] : undefined;
    const implementation =
      operations && Object.hasOwn(operations, operation) ? operations[operation] : undefined;
    try {
      if (req.method !== 'POST' || !implementation)
        throw new ServiceError('UnknownOperationException', `unsupported operation ${target}`);
      let request: unknown;
      try {
        request = JSON.parse(Buffer.concat(chunks).toString() || '{}');
      } catch {
        throw new ServiceError('SerializationException', 'the request body is not JSON');
      }
      if (typeof request !== 'object' || request === null || Array.isArray(request))
        throw new ServiceError('SerializationException', 'the request body is not a JSON object');
      const denial = options.access?.roles.denial(
        signingAccessKeyId(req.headers.authorization, req.url),
        options.access.requestsOf(service, operation, request as Json),
      );
      if (denial) throw new ServiceError('AccessDeniedException', denial.message);
      reply(res, 200, await implementation(request as Json));
    } catch (error) {
      if (error instanceof ServiceError)
        return reply(res, error.status, { __type: error.type, message: error.message });
      // The operation only: a request may carry a secret value, which must never reach a log line.
      options.log.error(`${target} failed`, error);
      reply(res, 500, {
        __type: 'InternalFailure',
        message: 'the local service failed; see the runtime log',
      });
    }
  }

  return serveOnLoopback(handle, options.port);
}
