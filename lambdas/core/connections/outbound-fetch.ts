/**
 * The one HTTP client of outbound requests (HTTP sources, webhooks): `fetch` over an agent that connects only to
 * addresses the outbound guard checked. The agent's connector refuses an address written in the URL that is not
 * public, and resolves a name with `guardedLookup`, which checks every address it answers and hands the socket
 * those addresses only; so whatever the DNS answers between a caller's own check and the connection (DNS
 * rebinding), a socket never opens to loopback, the VPC or the metadata endpoint. Connections are pooled per origin
 * and reused only for the origin they were checked for.
 *
 * It is undici's `fetch` and `Agent` (the package Node's own `fetch` is built from): the global `fetch` takes no
 * lookup, and a dispatcher from the package is only sure to work with the package's `fetch`. The package is pinned
 * to the major version Node 20 and 22 bundle (6): loading it installs its own Agent as the process-wide dispatcher
 * the global `fetch` also uses, and a 7.x Agent refuses requests Node's own 6.x `fetch` builds (a `content-length`
 * header among them).
 */
import { isIP } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { SourceError } from './connection-types';
import { guardedLookup, isNonPublicAddress, type HostResolver } from './outbound-url-guard';

export interface OutboundFetchOptions {
  /** Let requests reach loopback and private addresses (the local runtime; never in AWS). */
  readonly allowPrivateHosts: boolean;
  /** How names are resolved (tests give their own; default the system resolver). */
  readonly resolve?: HostResolver;
}

/** The agent's connector: a literal address is checked here (sockets do not look one up), a name by its lookup. */
function guardedConnector(resolve: HostResolver | undefined): buildConnector.connector {
  const connect = buildConnector({ lookup: guardedLookup(resolve) });
  return (options, callback) => {
    const host = options.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) !== 0 && isNonPublicAddress(host)) {
      callback(
        new SourceError(
          'forbidden-address',
          `host ${host} is a loopback, private, link-local or reserved address`,
          false,
        ),
        null,
      );
      return;
    }
    connect(options, callback);
  };
}

/**
 * A `fetch` whose connections go only to public addresses (any address with `allowPrivateHosts`). A refusal
 * rejects with the `TypeError` of a failed fetch whose `cause` is the guard's SourceError (`sourceErrorOf`).
 */
export function outboundFetch(options: OutboundFetchOptions): typeof fetch {
  const dispatcher = new Agent(
    options.allowPrivateHosts ? {} : { connect: guardedConnector(options.resolve) },
  );
  return ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}

/** The guard's refusal behind a failed fetch, if that is why it failed. */
export function sourceErrorOf(error: unknown): SourceError | undefined {
  if (error instanceof SourceError) return error;
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return cause instanceof SourceError ? cause : undefined;
}
