/**
 * A checking front for an emulator that speaks an AWS JSON protocol (DynamoDB, Kinesis): it reads the request,
 * asks the role of the function that signed it whether the call is allowed, and either answers AccessDenied in the
 * service's JSON error shape, as AWS would, or forwards the request unchanged to the emulator behind it.
 */
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AccessRequest } from './policy-evaluator';
import { signingAccessKeyId } from './function-credentials';
import type { RoleAccess } from './role-access';

export interface JsonAccessGateOptions {
  /** The emulator's address, e.g. `http://127.0.0.1:4567`. */
  readonly target: string;
  readonly access: RoleAccess;
  /** The service's `__type` for AccessDenied (DynamoDB qualifies it with its namespace). */
  readonly accessDeniedType: string;
  readonly contentType: string;
  /** The IAM requests of one call, from its `X-Amz-Target` and JSON body. */
  requestsOf(target: string, input: Record<string, unknown>): AccessRequest[];
}

function parse(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.toString('utf8') || '{}');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    // Malformed JSON is the emulator's to refuse, in the service's own words.
    return {};
  }
}

export interface JsonAccessGate {
  readonly server: Server;
  /** Ends the pooled connections to the emulator, which would otherwise hold its close. */
  destroy(): void;
}

export function createJsonAccessGate(options: JsonAccessGateOptions): JsonAccessGate {
  const target = new URL(options.target);
  // Pooled connections to the emulator: the front adds a hop to every call of a stream's poll loop.
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const caller = signingAccessKeyId(req.headers.authorization, req.url);
      const denial = options.access.denial(
        caller,
        options.requestsOf(String(req.headers['x-amz-target'] ?? ''), parse(body)),
      );
      if (denial) {
        res.writeHead(400, { 'Content-Type': options.contentType });
        res.end(JSON.stringify({ __type: options.accessDeniedType, message: denial.message }));
        return;
      }
      const forward = httpRequest(
        {
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (error) => res.destroy(error));
      forward.end(body);
    });
  });
  return {
    server,
    destroy() {
      agent.destroy();
    },
  };
}
