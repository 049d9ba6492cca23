/**
 * Attacks on the outbound address guard through a connection's URL or a webhook URL: a host whose DNS answer
 * changes between the guard's check and the connection (DNS rebinding), and IPv6 spellings that carry a loopback,
 * private or metadata IPv4 address. The "DNS" here is `node:dns/promises` replaced by this file: it answers a
 * public address to the first question about a host and loopback to every later one — what a rebinding name
 * server does. The victim is a server on loopback, which must never receive a request.
 */
import type * as DnsPromises from 'node:dns/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SourceError } from '../../lambdas/core/connections/connection-types';
import { FetchHttpSourceReader } from '../../lambdas/core/connections/http-source-reader';
import { checkOutboundUrl, isNonPublicAddress } from '../../lambdas/core/connections/outbound-url-guard';
import { FetchWebhookSender, WebhookDeliveryError } from '../../lambdas/core/dataflows/webhook-sender';
import { runEvent } from '../../lambdas/core/dataflows/run-view';
import { dataflow, endedRun } from '../support/dataflow-world';
import { json, startSourceServer, type SourceServer } from '../support/http-source-server';

/** A documentation-free public address: the guard's first answer, never connected to (the second answer is used). */
const PUBLIC_ANSWER = '93.184.216.34';

const questions = vi.hoisted(() => new Map<string, number>());

vi.mock('node:dns/promises', async (importOriginal) => {
  const original = await importOriginal<typeof DnsPromises>();
  const rebinding = async (host: string) => {
    const asked = (questions.get(host) ?? 0) + 1;
    questions.set(host, asked);
    return [{ address: asked === 1 ? PUBLIC_ANSWER : '127.0.0.1', family: 4 }];
  };
  return { ...original, default: { ...original, lookup: rebinding }, lookup: rebinding };
});

async function refusalOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('outbound requests to a name that rebinds to loopback', () => {
  let victim: SourceServer;
  let victimPort: number;

  beforeAll(async () => {
    victim = await startSourceServer();
    victimPort = Number(new URL(victim.origin).port);
  });
  afterAll(async () => {
    await victim.close();
  });
  beforeEach(() => {
    questions.clear();
    victim.answer((_url, _request, response) => json(response, 200, [{ secret: 'internal' }]));
  });

  it('an HTTP source whose name answers public, then loopback, never reaches loopback', async () => {
    // Prepare
    const http = new FetchHttpSourceReader({ allowPrivateHosts: false, maxAttempts: 1 });
    const params = { url: `http://localhost:${victimPort}/items`, pagination: { type: 'link' as const } };

    // Act
    const error = await refusalOf(http.fetchPage(params, http.firstPage(params), {}));

    // Assess
    expect(victim.requests).toEqual([]);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'forbidden-address', retryable: false });
  });

  it('a webhook whose name answers public, then loopback, never reaches loopback', async () => {
    // Prepare
    const sender = new FetchWebhookSender({
      allowPrivateHosts: false,
      allowPlainHttp: true,
      sleep: async () => undefined,
    });
    const event = runEvent(endedRun(), dataflow());

    // Act
    const error = await refusalOf(
      sender.post(`http://localhost:${victimPort}/hook`, event, {
        secret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0',
      }),
    );

    // Assess
    expect(victim.requests).toEqual([]);
    expect(error).toBeInstanceOf(WebhookDeliveryError);
  });
});

describe('IPv6 addresses that carry an IPv4 address', () => {
  const refusal = (url: string) =>
    checkOutboundUrl(url, false).then(
      () => 'allowed',
      (error: unknown) => (error instanceof SourceError ? error.code : String(error)),
    );

  it.each([
    ['IPv4-compatible loopback', 'http://[::127.0.0.1]/'],
    ['IPv4-compatible metadata endpoint', 'http://[::a9fe:a9fe]/'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/'],
    ['IPv4-mapped private address', 'http://[::ffff:a00:1]/'],
    ['SIIT IPv4-translated loopback (::ffff:0:0:0/96)', 'http://[::ffff:0:7f00:1]/'],
    ['SIIT IPv4-translated metadata endpoint', 'http://[::ffff:0:169.254.169.254]/'],
    ['NAT64 well-known prefix, metadata endpoint', 'http://[64:ff9b::169.254.169.254]/'],
    ['NAT64 local-use prefix (64:ff9b:1::/48), loopback', 'http://[64:ff9b:1::7f00:1]/'],
    ['NAT64 local-use prefix, private address in the RFC 6052 /48 layout', 'http://[64:ff9b:1:a00:1::]/'],
    ['6to4 of loopback', 'http://[2002:7f00:1::1]/'],
    ['6to4 of a private address', 'http://[2002:c0a8:101::]/'],
    ['Teredo with a loopback client', 'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/'],
    ['Teredo with a private server', 'http://[2001:0:a00:1::1]/'],
    ['unspecified', 'http://[::]/'],
    ['IPv6 multicast', 'http://[ff02::1]/'],
    ['reserved by the IETF (::/8 beyond the embeddings)', 'http://[::1:0:0:1]/'],
    ['discard-only (100::/64)', 'http://[100::1]/'],
    ['documentation (3fff::/20)', 'http://[3fff::1]/'],
    ['benchmarking (2001:2::/48)', 'http://[2001:2::1]/'],
    ['outside global unicast (4000::/3)', 'http://[4000::1]/'],
    ['IPv4 multicast', 'http://224.0.0.1/'],
    ['the former 6to4 relay anycast', 'http://192.88.99.1/'],
  ])('%s is refused', async (_form, url) => {
    // Act
    const outcome = await refusal(url);

    // Assess
    expect(outcome).toBe('forbidden-address');
  });

  it('a public IPv4 address reached through a mapping, NAT64 or 6to4 is allowed, as is native global IPv6', () => {
    // Assess
    expect(isNonPublicAddress('::ffff:93.184.216.34')).toBe(false);
    expect(isNonPublicAddress('64:ff9b::5db8:d822')).toBe(false);
    expect(isNonPublicAddress('2002:5db8:d822::1')).toBe(false);
    expect(isNonPublicAddress('2606:2800:220:1:248:1893:25c8:1946')).toBe(false);
  });
});
