/**
 * Reads a paginated JSON API one page at a time, for HTTP source dataflows and for testing and exploring their
 * connections. Every request (and every redirect hop) passes the outbound URL guard first; transient failures
 * (429, 5xx, a dropped connection, a timeout) are retried with exponential backoff and jitter, honouring
 * Retry-After; everything else fails at once with a SourceError.
 *
 * Requests go through the outbound agent (outbound-fetch.ts), which connects only to addresses it checked itself.
 *
 * Secrets: the auth header is sent only to the origin of the connection's URL — on every page and every redirect
 * hop — never to another origin, whether a redirect or a `Link` header leads there (such a page is fetched without
 * it). Error messages name a URL by host and path only — never its query, which may carry a key — and never quote
 * a response body, which may echo the request's headers.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type {
  HeaderAuth,
  HttpPage,
  HttpSourceParams,
  HttpSourceReader,
  PagePosition,
} from './connection-types';
import { SourceError } from './connection-types';
import { inexactNumbersIn, markInexactNumbers } from '../exact-json';
import { outboundFetch, sourceErrorOf } from './outbound-fetch';
import { checkOutboundUrl, type HostResolver } from './outbound-url-guard';

/**
 * Largest page body read. A page is parsed whole and its records held until the run writes them, and parsed JSON
 * takes several times its bytes in memory; paginated APIs answer pages of kilobytes to a few megabytes.
 */
export const MAX_PAGE_BYTES = 10 * 1024 * 1024;
/** Attempts per page (the first and three retries): enough to ride out a restart or a burst of throttling. */
export const DEFAULT_MAX_ATTEMPTS = 4;
/** Per attempt, headers and body together: a slow API is still answering well within this. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** First retry pause, doubled per attempt up to the ceiling; half of it fixed and half random (jitter). */
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 8_000;
/**
 * A Retry-After beyond this is not waited out in the function (that would bill the wait): the page fails as
 * retryable, and the run is retried later.
 */
export const MAX_RETRY_AFTER_MS = 60_000;
/** Redirect hops followed per request, each checked by the outbound guard; more means a loop. */
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface HttpSourceReaderOptions {
  /** Default: the outbound agent's `fetch`, which connects only to checked addresses. */
  readonly fetch?: typeof fetch;
  /** Let requests reach loopback and private addresses (the local runtime; never in AWS). */
  readonly allowPrivateHosts: boolean;
  /** How host names are resolved, for the guard and the agent alike (default: the system resolver). */
  readonly resolve?: HostResolver;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly maxAttempts?: number;
  readonly timeoutMs?: number;
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
}

/** A URL as error messages show it: host and path, without the query (which may hold a key). */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return 'an invalid URL';
  }
}

/** The value at a dot path (`data.items`); the empty path is the value itself. */
export function valueAt(value: unknown, path: string | undefined): unknown {
  if (path === undefined || path === '') return value;
  let current = value;
  for (const name of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}

const withParam = (url: string, name: string, value: string): string => {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
};

/** The target of a `Link` header's `rel="next"`, resolved against the URL that answered. */
export function nextLinkOf(header: string | null, base: string): string | undefined {
  if (!header) return undefined;
  for (const match of header.matchAll(/<([^>]*)>([^,<]*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2] ?? '');
    const relations = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (relations.includes('next')) {
      try {
        return new URL(match[1] ?? '', base).toString();
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

interface Fetched {
  readonly body: Buffer;
  readonly headers: Headers;
  /** The URL that answered, after redirects. */
  readonly url: string;
}

/** A transient failure worth another attempt, with the pause the server asked for, if any. */
class Transient extends Error {
  constructor(
    readonly failure: SourceError,
    readonly retryAfter?: number,
  ) {
    super(failure.message);
  }
}

export class FetchHttpSourceReader implements HttpSourceReader {
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly random: () => number;

  constructor(private readonly options: HttpSourceReaderOptions) {
    this.fetch =
      options.fetch ??
      outboundFetch({
        allowPrivateHosts: options.allowPrivateHosts,
        ...(options.resolve ? { resolve: options.resolve } : {}),
      });
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.random = options.random ?? Math.random;
  }

  firstPage(params: HttpSourceParams, since?: string | number): PagePosition {
    let url = params.url;
    const deltaParam = params.incremental?.deltaParam;
    if (deltaParam !== undefined && since !== undefined) url = withParam(url, deltaParam, String(since));
    const { pagination } = params;
    if (pagination.type === 'page') {
      url = withParam(url, pagination.pageParam, '1');
      if (pagination.sizeParam !== undefined && pagination.size !== undefined) {
        url = withParam(url, pagination.sizeParam, String(pagination.size));
      }
    }
    return { url, page: 1 };
  }

  async fetchPage(
    params: HttpSourceParams,
    position: PagePosition,
    options: { readonly auth?: HeaderAuth },
  ): Promise<HttpPage> {
    const fetched = await this.fetchWithRetries(position.url, authFor(params, options.auth));
    const where = describeUrl(position.url);
    let page: unknown;
    // A byte order mark is not JSON, but some servers send one.
    const text = fetched.body.toString('utf8').replace(/^\uFEFF/, '');
    try {
      page = JSON.parse(text);
    } catch {
      throw new SourceError('invalid-json', `the page from ${where} is not JSON`, false);
    }
    // A number JSON.parse would change is kept as the literal the source sent (an InexactNumber), so the batch's
    // reader refuses that row by name instead of ingesting another value.
    page = markInexactNumbers(page, inexactNumbersIn(text));
    const all = recordsOf(page, params.recordsPath, where);
    const next = nextPosition(params, position, page, fetched, all.length);
    return {
      records: all,
      recordsRead: all.length,
      ...(next ? { next } : {}),
      bytes: fetched.body.length,
    };
  }

  private async fetchWithRetries(url: string, auth: OriginAuth | undefined): Promise<Fetched> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.fetchOnce(url, auth);
      } catch (error) {
        if (!(error instanceof Transient)) throw error;
        if (attempt >= this.maxAttempts) {
          const { failure } = error;
          throw new SourceError(failure.code, `${failure.message} (after ${attempt} attempts)`, true);
        }
        if (error.retryAfter !== undefined && error.retryAfter > MAX_RETRY_AFTER_MS) {
          const seconds = Math.ceil(error.retryAfter / 1000);
          throw new SourceError(
            error.failure.code,
            `${error.message}; it asked to retry after ${seconds} s`,
            true,
          );
        }
        await this.sleep(error.retryAfter ?? this.backoff(attempt));
      }
    }
  }

  /** Exponential, capped, with "equal jitter": half the pause fixed, half random, so retries do not align. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  /** One attempt: the request, its redirects (each hop guarded) and the body, all within the timeout. */
  private async fetchOnce(url: string, auth: OriginAuth | undefined): Promise<Fetched> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    let current = url;
    try {
      for (let hop = 0; ; hop += 1) {
        await checkOutboundUrl(current, this.options.allowPrivateHosts, this.options.resolve);
        const headers: Record<string, string> = { accept: 'application/json' };
        // The secret was given for the connection's origin: a hop or a page elsewhere goes without it.
        const authorised = auth !== undefined && new URL(current).origin === auth.origin;
        if (authorised) headers[auth.header.name] = auth.header.value;
        const response = await this.fetch(current, { headers, redirect: 'manual', signal });
        const where = describeUrl(current);
        const location = response.headers.get('location');
        if (REDIRECT_STATUSES.has(response.status) && location) {
          await response.body?.cancel();
          if (hop >= MAX_REDIRECTS) {
            throw new SourceError(
              'too-many-redirects',
              `${where} redirected more than ${MAX_REDIRECTS} times`,
              false,
            );
          }
          current = new URL(location, current).toString();
          continue;
        }
        if (response.status === 429 || response.status >= 500) {
          await response.body?.cancel();
          const failure = new SourceError(
            `http-${response.status}`,
            `GET ${where} answered ${response.status}`,
            true,
          );
          throw new Transient(failure, retryAfterMs(response.headers.get('retry-after'), Date.now()));
        }
        if (response.status < 200 || response.status >= 300) {
          await response.body?.cancel();
          const withheld =
            auth !== undefined && !authorised && (response.status === 401 || response.status === 403)
              ? ` (the auth header is sent only to ${auth.origin}, the connection's origin)`
              : '';
          throw new SourceError(
            `http-${response.status}`,
            `GET ${where} answered ${response.status}${withheld}`,
            false,
          );
        }
        return { body: await readCapped(response, where), headers: response.headers, url: current };
      }
    } catch (thrown) {
      // The agent's refusal of an address comes wrapped in the failed fetch's TypeError.
      const error = sourceErrorOf(thrown) ?? thrown;
      if (error instanceof SourceError) {
        if (error.retryable) throw new Transient(error);
        throw error;
      }
      if (error instanceof Transient) throw error;
      const where = describeUrl(current);
      if ((error as { name?: unknown }).name === 'TimeoutError') {
        throw new Transient(
          new SourceError('timeout', `GET ${where} took more than ${this.timeoutMs} ms`, true),
        );
      }
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      const reason = typeof cause === 'string' ? cause : 'the connection failed';
      throw new Transient(new SourceError('unreachable', `GET ${where} failed: ${reason}`, true));
    }
  }
}

/** The auth header and the one origin it may be sent to. */
interface OriginAuth {
  readonly header: HeaderAuth;
  readonly origin: string;
}

/** The connection's auth, bound to the origin of the connection's URL (not of the page being fetched). */
function authFor(params: HttpSourceParams, auth: HeaderAuth | undefined): OriginAuth | undefined {
  return auth === undefined ? undefined : { header: auth, origin: new URL(params.url).origin };
}

/** The body, refused as soon as it is known to exceed MAX_PAGE_BYTES (by its length header or while reading). */
async function readCapped(response: Response, where: string): Promise<Buffer> {
  const tooLarge = () =>
    new SourceError('page-too-large', `the page from ${where} is larger than ${MAX_PAGE_BYTES} bytes`, false);
  if (Number(response.headers.get('content-length') ?? 0) > MAX_PAGE_BYTES) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early (by the throw) cancels the body, closing the connection.
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_PAGE_BYTES) throw tooLarge();
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, size);
}

/** The records at `recordsPath`: an array of objects, else SourceError `records-not-found`. */
function recordsOf(page: unknown, recordsPath: string | undefined, where: string): Record<string, unknown>[] {
  const found = valueAt(page, recordsPath);
  const at = recordsPath ? `at '${recordsPath}'` : 'at its top level';
  if (!Array.isArray(found)) {
    throw new SourceError('records-not-found', `the page from ${where} has no array of records ${at}`, false);
  }
  const index = found.findIndex((item) => item === null || typeof item !== 'object' || Array.isArray(item));
  if (index >= 0) {
    throw new SourceError(
      'records-not-found',
      `the records ${at} of the page from ${where} are not all objects (item ${index} is not)`,
      false,
    );
  }
  return found as Record<string, unknown>[];
}

/** The page after this one, or undefined on the last page (or when the API would send us round in a loop). */
function nextPosition(
  params: HttpSourceParams,
  position: PagePosition,
  page: unknown,
  fetched: Fetched,
  recordsRead: number,
): PagePosition | undefined {
  const { pagination } = params;
  let url: string | undefined;
  if (pagination.type === 'cursor') {
    const cursor = valueAt(page, pagination.cursorPath);
    const value =
      typeof cursor === 'string'
        ? cursor
        : typeof cursor === 'number' && Number.isFinite(cursor)
          ? String(cursor)
          : '';
    const current = new URL(position.url).searchParams.get(pagination.cursorParam);
    if (value !== '' && value !== current) url = withParam(position.url, pagination.cursorParam, value);
  } else if (pagination.type === 'page') {
    if (recordsRead > 0) url = withParam(position.url, pagination.pageParam, String(position.page + 1));
  } else {
    const link = nextLinkOf(fetched.headers.get('link'), fetched.url);
    if (link !== undefined && link !== position.url && link !== fetched.url) url = link;
  }
  return url === undefined ? undefined : { url, page: position.page + 1 };
}
