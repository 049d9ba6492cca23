/**
 * The HTTP front door of the local runtime: an API Gateway REST API in front of the template's functions. It
 * routes by the template's resource tree, runs the authorizer, calls the Lambda proxy integration, and answers
 * API Gateway's own gateway responses; no input can crash it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FunctionHost } from '../lambda/function-host';
import type { RuntimeLog } from '../runtime-log';
import { authorize, methodArn } from './authorizer';
import { renderGatewayResponse, type GatewayResponseType, type RenderedResponse } from './gateway-responses';
import { incomingRequest, proxyEvent, type IncomingRequest } from './proxy-event';
import { proxyResponse } from './proxy-response';
import type { RestApiModel } from './rest-api';
import { matchRoute } from './route-matcher';
import { WebAclGuard, type WebAclModel } from './web-acl';

/** API Gateway's payload limit. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * Lambda's limit on a synchronous invoke's payload (6 MB: a payload must be smaller than 6,291,456 bytes): the proxy
 * event as JSON, a binary body base64-encoded in it. API Gateway answers a request whose event is that large with
 * its REQUEST_TOO_LARGE response (413), and the function is never called.
 */
export const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface ApiServerOptions {
  readonly apis: readonly RestApiModel[];
  readonly functions: FunctionHost;
  readonly log: RuntimeLog;
  readonly region: string;
  readonly account: string;
  /** WAF web ACLs guarding the APIs' stages: they answer before API Gateway does. */
  readonly webAcls?: readonly WebAclModel[];
}

interface ReadBody {
  readonly body: Buffer;
  readonly tooLarge: boolean;
}

/** Reads the whole body, keeping none of it past the limit (the rest is drained so the caller sees the answer). */
async function readBody(req: IncomingMessage): Promise<ReadBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk);
  }
  return { body: Buffer.concat(chunks), tooLarge: size > MAX_PAYLOAD_BYTES };
}

function send(
  res: ServerResponse,
  status: number,
  headers: ReadonlyMap<string, readonly string[]>,
  body: Buffer | string,
): void {
  if (res.headersSent) return;
  res.statusCode = status;
  for (const [name, values] of headers) res.setHeader(name, [...values]);
  res.end(body);
}

export function createApiServer(options: ApiServerOptions): Server {
  const { apis, functions, log } = options;
  const waf = new WebAclGuard(options.webAcls ?? []);

  const gatewayResponse = (
    request: IncomingRequest,
    api: RestApiModel | undefined,
    type: GatewayResponseType,
    extra: {
      resourcePath?: string;
      authorizer?: Readonly<Record<string, unknown>>;
      message?: string | null;
    } = {},
  ): RenderedResponse =>
    renderGatewayResponse(api, type, {
      requestId: request.requestId,
      httpMethod: request.httpMethod,
      path: request.path,
      resourcePath: extra.resourcePath,
      stage: api?.stage ?? '',
      apiId: api?.id ?? '',
      sourceIp: request.sourceIp,
      requestHeaders: Object.fromEntries(
        [...request.headers.entries()].map(([k, v]) => [k.toLowerCase(), v.at(-1) ?? '']),
      ),
      authorizer: extra.authorizer,
      message: extra.message,
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const { body, tooLarge } = await readBody(req);
    const request = incomingRequest(req, body, requestId);
    const answer = (rendered: RenderedResponse): void =>
      send(
        res,
        rendered.status,
        new Map(
          Object.entries({ ...rendered.headers, 'x-amzn-RequestId': requestId }).map(([k, v]) => [k, [v]]),
        ),
        rendered.body,
      );

    const match = matchRoute(apis, request.httpMethod, request.path);
    const api = match?.api ?? apis[0];
    const blocked = api ? waf.check(api.id, api.stage, request.headers) : undefined;
    if (blocked) return answer(blocked);
    if (tooLarge) return answer(gatewayResponse(request, api, 'REQUEST_TOO_LARGE'));
    if (!match) return answer(gatewayResponse(request, api, 'MISSING_AUTHENTICATION_TOKEN'));
    const { method } = match;
    const event = proxyEvent(request, match, match.api);
    const extra = { resourcePath: method.resourcePath };

    if (method.authorizer) {
      const arn = methodArn(
        match.api.id,
        match.api.stage,
        request.httpMethod,
        request.path,
        options.region,
        options.account,
      );
      const decision = await authorize(functions, method.authorizer, event, arn, (error) =>
        log.error(
          `authorizer ${method.authorizer?.name ?? ''} failed on ${request.httpMethod} ${request.path}`,
          error,
        ),
      );
      switch (decision.kind) {
        case 'unauthorized':
          return answer(gatewayResponse(request, match.api, 'UNAUTHORIZED', extra));
        case 'denied':
          return answer(
            gatewayResponse(request, match.api, 'ACCESS_DENIED', {
              ...extra,
              authorizer: decision.context,
              message: decision.explicit
                ? 'User is not authorized to access this resource with an explicit deny'
                : 'User is not authorized to access this resource',
            }),
          );
        case 'failure':
          log.error(`authorizer ${method.authorizer.name}: ${decision.reason}`);
          return answer(gatewayResponse(request, match.api, 'AUTHORIZER_FAILURE', extra));
        case 'allow':
          // API Gateway hands the integration every context value as a string.
          event.requestContext.authorizer = {
            ...Object.fromEntries(
              Object.entries(decision.context).map(([key, value]) => [key, String(value)]),
            ),
            principalId: decision.principalId,
          };
      }
    }

    const integration = method.integration;
    if (integration.kind === 'mock') {
      return send(
        res,
        integration.statusCode,
        new Map(
          Object.entries({ ...integration.responseParameters, 'x-amzn-RequestId': requestId }).map(
            ([k, v]) => [k, [v]],
          ),
        ),
        '',
      );
    }
    const fn = integration.kind === 'lambda-proxy' ? functions.find(integration.functionArn) : undefined;
    if (!fn) {
      log.error(
        `${request.httpMethod} ${method.resourcePath}: the local runtime cannot run this integration`,
      );
      return answer(gatewayResponse(request, match.api, 'LAMBDA_ERROR', extra));
    }
    if (Buffer.byteLength(JSON.stringify(event)) >= MAX_INVOKE_PAYLOAD_BYTES) {
      return answer(gatewayResponse(request, match.api, 'REQUEST_TOO_LARGE', extra));
    }
    let result: unknown;
    try {
      result = await functions.invoke(fn, event);
    } catch (error) {
      log.error(`${fn.logicalId} failed on ${request.httpMethod} ${request.path}`, error);
      return answer(gatewayResponse(request, match.api, 'LAMBDA_ERROR', extra));
    }
    const response = proxyResponse(result);
    if ('malformed' in response) {
      log.error(
        `${fn.logicalId} returned a malformed Lambda proxy response (${response.malformed}) on ${request.httpMethod} ${request.path}`,
      );
      return answer(gatewayResponse(request, match.api, 'LAMBDA_ERROR', extra));
    }
    response.headers.set('x-amzn-RequestId', [requestId]);
    send(res, response.status, response.headers, response.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error(`unexpected failure on ${req.method ?? ''} ${req.url ?? ''}`, error);
      send(
        res,
        500,
        new Map([['Content-Type', ['application/json']]]),
        '{"message":"Internal server error"}',
      );
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return server;
}
