/**
 * The check every outbound request of an HTTP source or a webhook passes first: a connection's URL is written by a
 * user, and without this check it could make the platform read its own network — the instance metadata endpoint
 * (169.254.169.254, with the function's credentials), a database in the VPC, a service on loopback. The host is
 * resolved and every address it resolves to must be public.
 *
 * The check resolves the name itself, so a host whose DNS answer changes between this check and the request
 * (DNS rebinding) is not caught here; redirects are, since the HTTP reader follows them itself and checks each hop.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { SourceError } from './connection-types';

export type HostResolver = (host: string) => Promise<readonly { address: string; family: number }[]>;

const resolveAll: HostResolver = (host) => lookup(host, { all: true, verbatim: true });

/** Addresses that are not the public internet: this host, private networks, link-local, reserved ranges. */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", and 0.0.0.0 reaches this host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local: the instance metadata endpoint
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local, including the metadata endpoint's fd00:ec2::254
  ['fe80::', 10], // link-local
  ['fec0::', 10], // former site-local
  ['ff00::', 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** The 16-bit groups of an IPv6 address (with any embedded dotted IPv4 tail). */
function ipv6Groups(address: string): number[] {
  const withoutZone = address.split('%')[0] ?? address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(withoutZone);
  let text = withoutZone;
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = `${withoutZone.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const first = parse(head);
  const last = tail === undefined ? [] : parse(tail);
  return [...first, ...Array<number>(8 - first.length - last.length).fill(0), ...last];
}

const ipv4Of = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;

/** IPv4 addresses carried inside an IPv6 one: NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach them. */
function embeddedIpv4(address: string): string | undefined {
  const groups = ipv6Groups(address);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((group) => group === 0)) {
    return ipv4Of(groups[6] ?? 0, groups[7] ?? 0);
  }
  if (groups[0] === 0x2002) return ipv4Of(groups[1] ?? 0, groups[2] ?? 0);
  return undefined;
}

/** Whether the address is one sources may not reach (BlockList also sees through IPv4-mapped IPv6 addresses). */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return NOT_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return true;
  if (NOT_PUBLIC.check(address, 'ipv6')) return true;
  const inner = embeddedIpv4(address);
  return inner !== undefined && NOT_PUBLIC.check(inner, 'ipv4');
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
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const refused = () =>
    new SourceError(
      'forbidden-address',
      `host ${host} is (or resolves to) a loopback, private, link-local or reserved address, which sources may not reach`,
      false,
    );
  if (isIP(host) !== 0) {
    if (isNonPublicAddress(host)) throw refused();
    return;
  }
  let addresses: readonly { address: string }[];
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
  if (addresses.some(({ address }) => isNonPublicAddress(address))) throw refused();
}
