/**
 * A minimal AWS JSON 1.1 server (the protocol of the real Secrets Manager and EventBridge clients): a POST whose
 * `X-Amz-Target` is `<service prefix>.<Operation>` and whose body is the operation's JSON input. Errors answer in
 * AWS's JSON error shape (`__type`, `message`), which the SDK turns into its typed exceptions.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RuntimeLog } from '../runtime-log';

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

export interface AwsJsonServerOptions {
  /** Target prefix (`secretsmanager`, `AWSEvents`) → that service's operations. */
  readonly services: Readonly<Record<string, JsonOperations>>;
  readonly log: RuntimeLog;
  /** Listen on this port (0 or absent: a free one), so a restart keeps the endpoint clients already hold. */
  readonly port?: number;
}

export interface RunningAwsJsonServer {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startAwsJsonServer(options: AwsJsonServerOptions): Promise<RunningAwsJsonServer> {
  const reply = (res: ServerResponse, status: number, body: Json): void => {
    res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': randomUUID() });
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

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
