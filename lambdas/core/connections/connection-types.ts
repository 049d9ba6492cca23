/**
 * Source connections (Experience Platform's Flow Service base connections): an S3 bucket and prefix, or a paginated
 * HTTP JSON API. Their secrets live in a SecretStore (Secrets Manager in AWS) and only a reference to them is kept
 * with the connection; no answer, log line or error ever carries a secret value.
 *
 * This file is also the contract between the connection and source code (reading S3 objects and HTTP pages) and
 * the dataflow runs that pull from them.
 */
import type { Readable } from 'node:stream';
import type { ByteSource, InputFormat } from '../files/file-format-types';

export const CONNECTION_TYPES = ['s3', 'http'] as const;
export type ConnectionType = (typeof CONNECTION_TYPES)[number];

export interface S3SourceParams {
  readonly bucket: string;
  /** Folder to read, without a leading `/`; default the whole bucket. */
  readonly prefix?: string;
  /** Glob on the key below the prefix (`*.csv`, `**\/orders-*.json.gz`); default every object. */
  readonly filePattern?: string;
  /** Read sub-folders of the prefix too. Default true. */
  readonly recursive?: boolean;
  /** How the files read; gzip is detected from the bytes, as for batches. */
  readonly inputFormat: InputFormat;
  /**
   * In AWS: a role in the bucket owner's account to assume for reading (cross-account): one of the roles granted to
   * the connection's sandbox, assumed with the sandbox's ExternalId (core/connections/source-access.ts).
   */
  readonly roleArn?: string;
  /** The bucket's region when it differs from the deployment's. */
  readonly region?: string;
}

export type HttpPagination =
  | { readonly type: 'cursor'; readonly cursorPath: string; readonly cursorParam: string }
  | { readonly type: 'page'; readonly pageParam: string; readonly sizeParam?: string; readonly size?: number }
  /** The `Link: <...>; rel="next"` header. */
  | { readonly type: 'link' };

export interface HttpSourceParams {
  readonly url: string;
  /** Dot path of the records array in each page's JSON; absent: the page itself is the array. */
  readonly recordsPath?: string;
  readonly pagination: HttpPagination;
  /**
   * Incremental pulls: where the pull starts (the watermark, the largest `deltaColumn` value ingested, less its
   * overlap) is sent as `deltaParam` when given, and records before it are skipped either way (see
   * docs/dataflows.md).
   */
  readonly incremental?: { readonly deltaColumn: string; readonly deltaParam?: string };
}

/** A secret header sent with every request of an HTTP source (e.g. `Authorization: Bearer …`). */
export interface HeaderAuth {
  readonly type: 'header';
  readonly name: string;
  readonly value: string;
}

/** A connection as stored and answered: the auth header's name only, the value behind `secretRef`. */
export interface Connection {
  readonly id: string;
  readonly sandbox: string;
  readonly name: string;
  readonly description?: string;
  readonly type: ConnectionType;
  readonly params: S3SourceParams | HttpSourceParams;
  readonly auth?: { readonly type: 'header'; readonly name: string };
  /** The SecretStore's reference (an ARN in AWS); never answered. */
  readonly secretRef?: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
}

export interface SecretStore {
  /** Stores a new secret under `name`; returns its reference. */
  create(name: string, value: string): Promise<string>;
  /** Replaces the value of an existing secret. */
  update(reference: string, value: string): Promise<void>;
  read(reference: string): Promise<string>;
  /** Deletes the secret; deleting one that is gone is not an error. */
  remove(reference: string): Promise<void>;
}

/** An object of an S3 source. `lastModified` is ISO 8601. */
export interface SourceObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: string;
  readonly etag: string;
}

/**
 * How far an S3 dataflow has read: objects are taken in `(lastModified, key)` order, so objects modified in the
 * same second are neither skipped nor read twice.
 */
export interface S3Watermark {
  readonly lastModified: string;
  readonly key: string;
}

export interface S3SourceListing {
  /** The objects listed, oldest first, at most `maxObjects` (and `maxBytes` in total, at least one). */
  readonly objects: readonly SourceObject[];
  /** More objects remain than were returned. */
  readonly more: boolean;
}

/** Which objects a listing returns. */
export interface S3ListOptions {
  /** Only objects strictly after this position (the last object a pull copied, or a watermark without look-back). */
  readonly after?: S3Watermark;
  /**
   * Only objects modified at or after `from` (after it, unless `inclusive`) that were not taken already. An object
   * can become visible long after its LastModified (a multipart upload carries the time it began), so a pull lists
   * again below its watermark and skips what it took before.
   */
  readonly lookBack?: {
    readonly from: string;
    readonly inclusive: boolean;
    readonly taken: (object: SourceObject) => boolean;
  };
  readonly notBefore?: string;
  /**
   * Objects modified after this are left for a later pull. S3 stamps LastModified to the second, when a PUT
   * starts: an object listed now may be followed by another of the same second, or an earlier one still being
   * written, that would then sort before the watermark. A pull that passes its start time minus a margin never
   * reads past a second that is still filling.
   */
  readonly notAfter?: string;
  readonly maxObjects: number;
  readonly maxBytes: number;
}

export interface S3SourceReader {
  /**
   * Objects matching the connection's prefix and pattern, within the options' position and look-back, and
   * modified no earlier than `notBefore` (a schedule without backfill starts at its start time).
   */
  listAfter(params: S3SourceParams, options: S3ListOptions): Promise<S3SourceListing>;
  /**
   * The object's bytes as a stream (for copying it into a batch). With `etag`, only that content: SourceError
   * `object-changed` when the object was overwritten since it was listed.
   */
  open(params: S3SourceParams, key: string, etag?: string): Promise<Readable>;
}

/** One entry of a folder of an S3 source, as Experience Platform's explore answers it (plus size and time). */
export interface S3FolderEntry {
  readonly type: 'file' | 'folder';
  /** The last component of the path (a folder's without its trailing `/`). */
  readonly name: string;
  /** The object key; a folder's ends with `/`. */
  readonly path: string;
  /** Only non-empty files can be previewed (a zero-byte file is never read). */
  readonly canPreview: boolean;
  readonly canFetchSchema: boolean;
  readonly size?: number;
  readonly lastModified?: string;
  /** A file a dataflow on this connection would read: non-empty, matching the pattern, within `recursive`. */
  readonly selected?: boolean;
}

/** What exploring an S3 source needs beyond reading it: a folder's entries and an object's bytes by range. */
export interface S3SourceExplorer {
  /** The folders and files directly in `folder` (a key prefix ending in `/`, or `''`), in key order. */
  listFolder(
    params: S3SourceParams,
    folder: string,
    options: { readonly maxEntries: number },
  ): Promise<{ readonly entries: readonly S3FolderEntry[]; readonly truncated: boolean }>;
  /** The object's bytes, readable by range (for a preview); SourceError `object-not-found` when it is missing. */
  byteSource(params: S3SourceParams, key: string): Promise<ByteSource>;
}

/** Where the next page of an HTTP source is: its full URL and 1-based page number. */
export interface PagePosition {
  readonly url: string;
  readonly page: number;
}

export interface HttpPage {
  /**
   * The page's records, in its order (a pull decides which are new). A number a JavaScript number would change
   * stands as an `InexactNumber` (core/exact-json.ts): write records out with `exactJsonText`, which keeps it as the
   * source sent it.
   */
  readonly records: readonly Record<string, unknown>[];
  readonly recordsRead: number;
  /** The page after this one; absent on the last page. */
  readonly next?: PagePosition;
  readonly bytes: number;
}

export interface HttpSourceReader {
  /** The first page's position for a pull since `since` (the delta parameter set when configured). */
  firstPage(params: HttpSourceParams, since?: string | number): PagePosition;
  /**
   * Fetches one page with the auth header (retrying 429 and 5xx with backoff, honouring Retry-After); a page that
   * cannot be fetched or read throws SourceError.
   */
  fetchPage(
    params: HttpSourceParams,
    position: PagePosition,
    options: { readonly auth?: HeaderAuth },
  ): Promise<HttpPage>;
}

/** The SourceError code of an object overwritten between its listing and its read. */
export const OBJECT_CHANGED = 'object-changed';

/** A source that could not be read: its code and a message that never carries a secret. */
export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(
    readonly code: string,
    message: string,
    /** Whether trying again later may succeed (a 5xx, a timeout) rather than never (a 404, bad JSON). */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}
