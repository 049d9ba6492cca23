/**
 * Loading the outbound agent installs undici's Agent as the process-wide dispatcher that Node's own `fetch` uses too
 * (the local runtime, the tests and any handler share a process with it). With undici 7 under Node's bundled 6.x
 * `fetch`, a request with a `content-length` header — a presigned upload's — failed with "invalid content-length".
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboundFetch } from '../../../lambdas/core/connections/outbound-fetch';

describe("the process's own fetch after the outbound agent is loaded", () => {
  let server: Server;
  let url: string;
  const received: { length?: string; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ length: request.headers['content-length'], body: Buffer.concat(chunks).toString() });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('still sends a PUT with an explicit content-length header', async () => {
    // Prepare
    expect(typeof outboundFetch).toBe('function');

    // Act
    const answer = await fetch(url, { method: 'PUT', headers: { 'content-length': '5' }, body: 'hello' });

    // Assess
    expect(answer.status).toBe(200);
    expect(received).toEqual([{ length: '5', body: 'hello' }]);
  });
});
