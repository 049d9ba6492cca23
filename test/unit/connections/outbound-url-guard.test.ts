import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../lambdas/core/connections/connection-types';
import { FetchHttpSourceReader } from '../../../lambdas/core/connections/http-source-reader';
import { checkOutboundUrl, isNonPublicAddress } from '../../../lambdas/core/connections/outbound-url-guard';

const PUBLIC_IP = '93.184.216.34';

async function refusal(promise: Promise<void>): Promise<SourceError | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => {
      if (!(error instanceof SourceError)) throw error;
      return error;
    },
  );
}

describe('checkOutboundUrl', () => {
  it('refuses loopback, private, link-local, unique-local and unspecified addresses, in every spelling', async () => {
    // Prepare
    const urls = [
      'http://127.0.0.1:4100/x',
      'http://2130706433/', // 127.0.0.1 as one number
      'http://169.254.169.254/latest/meta-data/',
      'http://10.1.2.3/',
      'http://172.20.0.1/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://0.0.0.0/',
      'http://[::1]/',
      'http://[::]/',
      'http://[fe80::1]/',
      'http://[fd00:ec2::254]/',
      'http://[::ffff:169.254.169.254]/',
      'http://[64:ff9b::a9fe:a9fe]/', // NAT64 of 169.254.169.254
      'http://[2002:7f00:1::]/', // 6to4 of 127.0.0.1
    ];

    // Act
    const errors = await Promise.all(urls.map((url) => refusal(checkOutboundUrl(url, false))));

    // Assess
    expect(errors.map((error) => error?.code)).toEqual(urls.map(() => 'forbidden-address'));
  });

  it('lets any host through when private hosts are allowed, but never another scheme', async () => {
    // Act
    const metadata = await refusal(checkOutboundUrl('http://169.254.169.254/latest/meta-data/', true));
    const loopback = await refusal(checkOutboundUrl('http://127.0.0.1:4100/', true));
    const file = await refusal(checkOutboundUrl('file:///etc/passwd', true));
    const ftp = await refusal(checkOutboundUrl('ftp://example.com/', false));
    const garbage = await refusal(checkOutboundUrl('not a url', false));

    // Assess
    expect(metadata).toBeUndefined();
    expect(loopback).toBeUndefined();
    expect([file?.code, ftp?.code, garbage?.code]).toEqual(['invalid-url', 'invalid-url', 'invalid-url']);
  });

  it('resolves names and refuses one with any private address among its answers', async () => {
    // Prepare
    const resolver = (answers: Record<string, string[]>) => async (host: string) => {
      const found = answers[host];
      if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    const dns = resolver({
      'api.example.com': [PUBLIC_IP, '2606:2800:220:1::1'],
      'rebind.example.com': [PUBLIC_IP, '10.0.0.5'],
    });

    // Act
    const publicHost = await refusal(checkOutboundUrl('https://api.example.com/v1?key=x', false, dns));
    const mixed = await refusal(checkOutboundUrl('https://rebind.example.com/', false, dns));
    const unknown = await refusal(checkOutboundUrl('https://nowhere.example.com/', false, dns));
    const localhost = await refusal(checkOutboundUrl('http://localhost:4100/', false));

    // Assess
    expect(publicHost).toBeUndefined();
    expect(mixed?.code).toBe('forbidden-address');
    expect(mixed?.message).toContain('rebind.example.com');
    expect(unknown).toMatchObject({ code: 'host-not-found', retryable: false });
    expect(localhost?.code).toBe('forbidden-address');
  });

  it('classifies addresses', () => {
    // Assess
    expect(isNonPublicAddress(PUBLIC_IP)).toBe(false);
    expect(isNonPublicAddress('2606:2800:220:1::1')).toBe(false);
    expect(isNonPublicAddress('172.15.255.255')).toBe(false);
    expect(isNonPublicAddress('172.16.0.0')).toBe(true);
    expect(isNonPublicAddress('::ffff:7f00:1')).toBe(true);
    expect(isNonPublicAddress('not-an-ip')).toBe(true);
  });

  it('checks every redirect hop: a public URL redirecting to the metadata endpoint is refused', async () => {
    // Prepare
    const requested: string[] = [];
    const fakeFetch = (async (url: string | URL | Request) => {
      requested.push(url instanceof Request ? url.url : url.toString());
      return new Response(null, {
        status: 302,
        headers: { location: 'http://169.254.169.254/latest/meta-data/' },
      });
    }) as typeof fetch;
    const http = new FetchHttpSourceReader({ allowPrivateHosts: false, fetch: fakeFetch });
    const params = { url: `http://${PUBLIC_IP}/items`, pagination: { type: 'link' as const } };

    // Act
    const error = await http.fetchPage(params, http.firstPage(params), {}).catch((thrown: unknown) => thrown);

    // Assess
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ code: 'forbidden-address' });
    expect(requested).toEqual([`http://${PUBLIC_IP}/items`]);
  });
});
