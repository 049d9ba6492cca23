/**
 * The check every outbound request of an HTTP source or a webhook passes: a connection's URL is written by a user,
 * and without this check it could make the platform read its own network — the instance metadata endpoint
 * (169.254.169.254, with the function's credentials), a database in the VPC, a service on loopback.
 *
 * Two places apply it. `checkOutboundUrl` runs before each request and each redirect hop (the scheme, an address
 * written in the URL, and the host's answer), so a refusal is clear and early. `guardedLookup` is the lookup of the
 * HTTP agent (outbound-fetch.ts): the connection is made only to an address it resolved and checked itself, so a
 * host whose DNS answer changes between the check and the connection (DNS rebinding) still reaches only public
 * addresses.
 *
 * An IPv6 address that carries an IPv4 one is judged by the IPv4 address it reaches (IPv4-mapped, NAT64's
 * well-known prefix, 6to4); the other embeddings (IPv4-compatible, SIIT's IPv4-translated form, local-use NAT64,
 * Teredo) lie in ranges IANA lists as not globally reachable and are refused whole, as is every IPv6 address outside
 * global unicast (2000::/3).
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { SourceError } from './connection-types';

export type HostResolver = (host: string) => Promise<readonly { address: string; family: number }[]>;

const resolveAll: HostResolver = (host) => lookup(host, { all: true, verbatim: true });

/** IPv4 addresses that are not the public internet (IANA's special-purpose registry, not globally reachable). */
const NOT_PUBLIC_V4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", and 0.0.0.0 reaches this host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local: the instance metadata endpoint
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // the former 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const) {
  NOT_PUBLIC_V4.addSubnet(network, prefix, 'ipv4');
}

/** Global unicast: the only IPv6 range IANA allocates to the internet. Everything outside it is refused. */
const GLOBAL_UNICAST_V6 = new BlockList();
GLOBAL_UNICAST_V6.addSubnet('2000::', 3, 'ipv6');

/** Ranges within global unicast that are not globally reachable (IANA's IPv6 special-purpose registry). */
const NOT_PUBLIC_V6 = new BlockList();
for (const [network, prefix] of [
  ['2001::', 23], // IETF protocol assignments: Teredo (2001::/32), benchmarking, ORCHID
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
] as const) {
  NOT_PUBLIC_V6.addSubnet(network, prefix, 'ipv6');
}

/** The 16 bytes of an IPv6 address (valid by `isIP`), with any dotted IPv4 tail and without a zone. */
function ipv6Bytes(address: string): number[] {
  let text = address.split('%')[0] ?? address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const first = groupsOf(head);
  const last = tail === undefined ? [] : groupsOf(tail);
  const groups = [...first, ...Array<number>(8 - first.length - last.length).fill(0), ...last];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

const startsWith = (bytes: readonly number[], prefix: readonly number[]) =>
  prefix.every((byte, index) => bytes[index] === byte);
const ipv4At = (bytes: readonly number[], offset: number) => bytes.slice(offset, offset + 4).join('.');

/** IPv4-mapped `::ffff:a.b.c.d`: the socket connects to the IPv4 address itself. */
const MAPPED = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];
/** NAT64's well-known prefix 64:ff9b::/96 (RFC 6052): a NAT64 gateway connects to the IPv4 address. */
const NAT64 = [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
/** 6to4 2002:AABB:CCDD::/48 (RFC 3056): a relay carries the packets to the IPv4 address AA.BB.CC.DD. */
const SIX_TO_FOUR = [0x20, 0x02];

/** The IPv4 address an IPv6 address reaches through a translation or a tunnel, if it is such an address. */
function reachedIpv4(bytes: readonly number[]): string | undefined {
  if (startsWith(bytes, MAPPED) || startsWith(bytes, NAT64)) return ipv4At(bytes, 12);
  if (startsWith(bytes, SIX_TO_FOUR)) return ipv4At(bytes, 2);
  return undefined;
}

/** Whether the address is one sources and webhooks may not reach. Anything that is not an IP address is refused. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return NOT_PUBLIC_V4.check(address, 'ipv4');
  if (family !== 6) return true;
  const bytes = ipv6Bytes(address);
  const ipv4 = reachedIpv4(bytes);
  if (ipv4 !== undefined) return NOT_PUBLIC_V4.check(ipv4, 'ipv4');
  // BlockList reads an IPv4-mapped address as IPv4: handled above, so only native IPv6 addresses get here.
  const normal = Array.from({ length: 8 }, (_, group) =>
    (((bytes[group * 2] ?? 0) << 8) | (bytes[group * 2 + 1] ?? 0)).toString(16),
  ).join(':');
  return !GLOBAL_UNICAST_V6.check(normal, 'ipv6') || NOT_PUBLIC_V6.check(normal, 'ipv6');
}

const forbidden = (host: string) =>
  new SourceError(
    'forbidden-address',
    `host ${host} is (or resolves to) a loopback, private, link-local or reserved address, which sources may not reach`,
    false,
  );

/**
 * The host's addresses, when every one is public; otherwise SourceError `forbidden-address` or `host-not-found`.
 * Every answer must be public, not just one: the connection may use any of them.
 */
export async function publicAddressesOf(
  host: string,
  resolve: HostResolver = resolveAll,
): Promise<readonly { address: string; family: number }[]> {
  if (isIP(host) !== 0) {
    if (isNonPublicAddress(host)) throw forbidden(host);
    return [{ address: host, family: isIP(host) }];
  }
  let addresses: readonly { address: string; family: number }[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // ENOTFOUND is an answer (no such name); anything else (EAI_AGAIN, a timeout) may pass.
    throw new SourceError(
      'host-not-found',
      `host ${host} could not be resolved (${String(code)})`,
      code !== 'ENOTFOUND',
    );
  }
  if (addresses.length === 0) throw new SourceError('host-not-found', `host ${host} has no address`, false);
  if (addresses.some(({ address }) => isNonPublicAddress(address))) throw forbidden(host);
  return addresses;
}

/**
 * Resolves when the URL may be requested: http or https, and (unless `allowPrivateHosts`) a host whose every
 * address is public. Otherwise throws SourceError `invalid-url`, `forbidden-address` or `host-not-found`; the
 * messages name the host only, as a URL's query may carry a secret.
 */
export async function checkOutboundUrl(
  url: string,
  allowPrivateHosts: boolean,
  resolve: HostResolver = resolveAll,
): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SourceError('invalid-url', 'the URL is not a valid absolute URL', false);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new SourceError(
      'invalid-url',
      `only http and https URLs can be requested, not ${parsed.protocol}`,
      false,
    );
  }
  if (allowPrivateHosts) return;
  await publicAddressesOf(parsed.hostname.replace(/^\[(.*)\]$/, '$1'), resolve);
}

/** `net.connect`'s `lookup` option. */
export type ConnectLookup = (
  hostname: string,
  options: LookupOptions,
  callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/**
 * A `lookup` for sockets that resolves the host, refuses it unless every address is public, and hands the socket
 * only the addresses it checked (of the family asked for, if one was). The socket then connects to one of them:
 * nothing resolves the name again between the check and the connection.
 */
export function guardedLookup(resolve: HostResolver = resolveAll): ConnectLookup {
  return (hostname, options, callback) => {
    publicAddressesOf(hostname, resolve).then(
      (addresses) => {
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = addresses.filter((answer) => family === undefined || answer.family === family);
        const first = usable[0];
        if (!first) {
          callback(
            new SourceError('host-not-found', `host ${hostname} has no IPv${family} address`, false),
            '',
          );
        } else if (options.all) {
          callback(
            null,
            usable.map(({ address, family: of }) => ({ address, family: of })),
          );
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: unknown) => callback(error as Error, ''),
    );
  };
}
