/**
 * Source connections: create, read, update and delete them, test that they can be read, and explore what they
 * hold. The auth header's value lives in the SecretStore only; what is stored and answered carries its name and the
 * secret's reference, and nothing here puts the value in an answer, a problem or a message.
 */
import { ulid } from 'ulid';
import type { InputFormat } from '../files/file-format-types';
import { FileFormatError } from '../files/file-format-types';
import { FILE_FORMATS, type FileTypeName } from '../files/file-formats';
import { previewFile } from '../files/preview-file';
import { conflict, DomainError, forbidden, invalid, notFound, unprocessable } from '../errors/domain-error';
import type { Page, PageRequest } from '../page';
import type {
  Connection,
  HeaderAuth,
  HttpSourceParams,
  HttpSourceReader,
  S3FolderEntry,
  S3SourceExplorer,
  S3SourceParams,
  S3SourceReader,
  SecretStore,
  SourceObject,
} from './connection-types';
import { SourceError } from './connection-types';
import { describeUrl } from './http-source-reader';
import { folderOf } from './s3-source-selection';
import { SourceAccessRefused, type S3SourceGrant, type SourceAccessGuard } from './source-access';
import { inferColumns, redacted, type InferredColumn } from './source-preview';
import { keptUrl, redactedUrl } from './url-redaction';

/** A connection as stored: with the revision its updates are conditional on. */
export type StoredConnection = Connection & { readonly revision: number };

export interface ConnectionStore {
  get(sandbox: string, id: string): Promise<StoredConnection | undefined>;
  create(connection: StoredConnection): Promise<boolean>;
  /** Replaces the connection if its stored revision is still `expectedRevision`. */
  update(connection: StoredConnection, expectedRevision: number): Promise<boolean>;
  delete(sandbox: string, id: string): Promise<StoredConnection | undefined>;
  list(sandbox: string, page: PageRequest): Promise<Page<StoredConnection>>;
}

interface ConnectionFields {
  readonly name: string;
  readonly description?: string;
}

export type NewConnection =
  | (ConnectionFields & { readonly type: 's3'; readonly params: S3SourceParams })
  | (ConnectionFields & {
      readonly type: 'http';
      readonly params: HttpSourceParams;
      readonly auth?: HeaderAuth;
    });

export interface ConnectionPatch {
  readonly name?: string;
  readonly description?: string;
  /** Replaces the params whole, checked against the connection's type by the caller. */
  readonly params?: S3SourceParams | HttpSourceParams;
  /** A new header (its value replaces the secret's), or null to send none. */
  readonly auth?: HeaderAuth | null;
}

/**
 * What to explore. S3: a folder's entries (the connection's prefix when `object` is absent), or with `preview` the
 * first rows of the file `object`. HTTP: always the first page.
 */
export interface ExploreQuery {
  readonly object?: string;
  readonly preview: boolean;
  readonly rows: number;
  /** Read the previewed file with this format rather than the connection's. */
  readonly format?: InputFormat;
}

export type ExploreAnswer =
  | { readonly kind: 'listing'; readonly entries: readonly S3FolderEntry[]; readonly truncated: boolean }
  | {
      readonly kind: 'preview';
      /** Experience Platform's names: `delimited`, `json`, `parquet`. */
      readonly format: FileTypeName;
      readonly schema: { readonly columns: readonly InferredColumn[] };
      readonly data: readonly Record<string, unknown>[];
      /** S3: the file shown. */
      readonly path?: string;
      /** HTTP: the records the first page held, and whether it names a next page. */
      readonly recordsRead?: number;
      readonly hasNextPage?: boolean;
    };

export type ConnectionTestResult =
  | {
      readonly status: 'ok';
      readonly message: string;
      /** S3: the oldest object a first pull would read. */
      readonly firstObject?: SourceObject;
      /** HTTP: what the first page held. */
      readonly recordsRead?: number;
      readonly hasNextPage?: boolean;
    }
  | {
      readonly status: 'failed';
      readonly code: string;
      readonly message: string;
      readonly retryable: boolean;
    };

export interface ConnectionServiceDeps {
  readonly store: ConnectionStore;
  readonly secrets: SecretStore;
  /** Secret names are `<secretPrefix><sandbox>/<connectionId>`. */
  readonly secretPrefix: string;
  /** The S3 reader of a granted source: it reads with the grant's identity (the sandbox's session). */
  readonly s3: (grant: S3SourceGrant) => S3SourceReader & S3SourceExplorer;
  /** Decides whether the sandbox may read an S3 connection's source, on every change and every read. */
  readonly sourceAccess: SourceAccessGuard;
  readonly http: HttpSourceReader;
  /** Whether a dataflow uses the connection (then it cannot be deleted). */
  readonly inUse?: (sandbox: string, connectionId: string) => Promise<boolean>;
  readonly now?: () => Date;
}

/** Entries of one explored folder: S3's largest listing page, one request. */
export const MAX_EXPLORE_ENTRIES = 1000;

/**
 * A PATCH's HTTP params: the URL as stored when it comes back as answers show it (redacted); and refused when it
 * moves the connection's auth to another origin without the auth being given again.
 */
function httpParamsOf(current: Connection, patch: ConnectionPatch): HttpSourceParams {
  const params = patch.params as HttpSourceParams;
  const stored = (current.params as HttpSourceParams).url;
  const url = keptUrl(params.url, stored, redactedUrl, '/params/url');
  const from = new URL(stored).origin;
  const to = new URL(url).origin;
  if (current.auth && patch.auth === undefined && to !== from) {
    const message = `the url moves from ${from} to ${to}: give the auth header again (or null for none), as a secret is sent only to the origin it was given for`;
    throw invalid('auth-required', message, [{ pointer: '/auth', keyword: 'required', message }]);
  }
  return { ...params, url };
}

/** A source that failed while exploring: the source's code, upstream-failed (the fault is beyond us, not the request). */
const sourceProblem = (error: SourceError) =>
  new DomainError('upstream-failed', error.code, `the source could not be read: ${error.message}`);

/** A source the sandbox may not read, as `invalid` on the params that name it. */
const refusedParams = (error: SourceAccessRefused) =>
  invalid(error.code, error.message, [
    { pointer: `/params/${error.field}`, keyword: 'allowed', message: error.message },
  ]);

export class ConnectionService {
  private readonly now: () => Date;

  constructor(private readonly deps: ConnectionServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async create(sandbox: string, input: NewConnection, createdBy: string): Promise<StoredConnection> {
    if (input.type === 's3') await this.requireSourceAccess(sandbox, input.params);
    if (input.type === 'http') keptUrl(input.params.url, undefined, redactedUrl, '/params/url');
    const id = ulid();
    const auth = input.type === 'http' ? input.auth : undefined;
    const secretRef = auth
      ? await this.deps.secrets.create(this.secretName(sandbox, id), auth.value)
      : undefined;
    const at = this.now().toISOString();
    const connection: StoredConnection = {
      id,
      sandbox,
      name: input.name,
      ...(input.description !== undefined ? { description: input.description } : {}),
      type: input.type,
      params: input.params,
      ...(auth ? { auth: { type: 'header', name: auth.name } } : {}),
      ...(secretRef !== undefined ? { secretRef } : {}),
      createdAt: at,
      createdBy,
      updatedAt: at,
      revision: 1,
    };
    let created: boolean;
    try {
      created = await this.deps.store.create(connection);
    } catch (error) {
      await this.discardSecret(secretRef);
      throw error;
    }
    if (!created) {
      await this.discardSecret(secretRef);
      throw conflict('connection-id-conflict', 'a connection with this id already exists');
    }
    return connection;
  }

  async get(sandbox: string, id: string): Promise<StoredConnection> {
    const connection = await this.deps.store.get(sandbox, id);
    if (!connection) throw notFound('connection', id);
    return connection;
  }

  list(sandbox: string, page: PageRequest): Promise<Page<StoredConnection>> {
    return this.deps.store.list(sandbox, page);
  }

  /**
   * Changes the fields given. A new auth value is written to the secret at once (creating it when the connection
   * had none); `auth: null` deletes the secret once the connection no longer names it. An HTTP URL moved to another
   * origin needs the auth again (or `null`): the secret was given for its origin only.
   */
  async update(sandbox: string, id: string, patch: ConnectionPatch): Promise<StoredConnection> {
    const current = await this.get(sandbox, id);
    if (patch.auth !== undefined && current.type !== 'http') {
      const message = 'only http connections take an auth header; s3 connections read with a role';
      throw invalid('auth-not-supported', message, [{ pointer: '/auth', keyword: 'type', message }]);
    }
    if (patch.params && current.type === 's3') {
      await this.requireSourceAccess(sandbox, patch.params as S3SourceParams);
    }
    const params = current.type === 'http' && patch.params ? httpParamsOf(current, patch) : patch.params;
    let secretRef = current.secretRef;
    if (patch.auth) {
      if (secretRef !== undefined) await this.deps.secrets.update(secretRef, patch.auth.value);
      else secretRef = await this.deps.secrets.create(this.secretName(sandbox, id), patch.auth.value);
    }
    const auth =
      patch.auth === null
        ? undefined
        : patch.auth
          ? { type: 'header' as const, name: patch.auth.name }
          : current.auth;
    const description = patch.description ?? current.description;
    const updated: StoredConnection = {
      id: current.id,
      sandbox: current.sandbox,
      name: patch.name ?? current.name,
      ...(description !== undefined ? { description } : {}),
      type: current.type,
      params: params ?? current.params,
      ...(auth ? { auth } : {}),
      ...(auth && secretRef !== undefined ? { secretRef } : {}),
      createdAt: current.createdAt,
      createdBy: current.createdBy,
      updatedAt: this.now().toISOString(),
      revision: current.revision + 1,
    };
    if (!(await this.deps.store.update(updated, current.revision))) {
      throw conflict(
        'concurrent-update',
        `connection '${id}' was changed by another request; read it again and retry`,
      );
    }
    if (patch.auth === null && current.secretRef !== undefined)
      await this.deps.secrets.remove(current.secretRef);
    return updated;
  }

  /**
   * Refused while a dataflow uses the connection. The secret goes first: a delete that fails between the two
   * leaves a connection without its secret, which deleting again completes (removing a gone secret is no error).
   */
  async delete(sandbox: string, id: string): Promise<void> {
    const current = await this.get(sandbox, id);
    if (await this.deps.inUse?.(sandbox, id)) {
      throw conflict(
        'connection-in-use',
        `connection '${id}' is used by a dataflow; delete the dataflow first`,
      );
    }
    if (current.secretRef !== undefined) await this.deps.secrets.remove(current.secretRef);
    await this.deps.store.delete(sandbox, id);
  }

  /** The auth header to send, read from the secret; undefined when the connection has none. */
  async authOf(connection: Connection): Promise<HeaderAuth | undefined> {
    if (!connection.auth || connection.secretRef === undefined) return undefined;
    return {
      type: 'header',
      name: connection.auth.name,
      value: await this.deps.secrets.read(connection.secretRef),
    };
  }

  /**
   * Reads a little of the source: S3 lists the oldest object a first pull would read; HTTP fetches the first page.
   * A source that cannot be read is the test's answer (`failed`, with its code), not an error of the request.
   */
  async test(sandbox: string, id: string): Promise<ConnectionTestResult> {
    const connection = await this.get(sandbox, id);
    try {
      if (connection.type === 's3') return await this.testS3(sandbox, connection.params as S3SourceParams);
      return await this.testHttp(connection, connection.params as HttpSourceParams);
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      return { status: 'failed', code: error.code, message: error.message, retryable: error.retryable };
    }
  }

  async explore(sandbox: string, id: string, query: ExploreQuery): Promise<ExploreAnswer> {
    const connection = await this.get(sandbox, id);
    try {
      if (connection.type === 'http') {
        return await this.previewPage(connection, connection.params as HttpSourceParams, query.rows);
      }
      const params = connection.params as S3SourceParams;
      const s3 = this.deps.s3(await this.deps.sourceAccess.grantFor(sandbox, params));
      if (query.preview) return await this.previewObject(s3, params, query);
      const folder = this.folderWithin(params, query.object);
      const listing = await s3.listFolder(params, folder, { maxEntries: MAX_EXPLORE_ENTRIES });
      return { kind: 'listing', ...listing };
    } catch (error) {
      if (error instanceof SourceAccessRefused) {
        throw forbidden(error.message, error.code);
      }
      if (error instanceof SourceError) throw sourceProblem(error);
      if (error instanceof FileFormatError) {
        throw unprocessable(error.code, `the file cannot be read as its format says: ${error.message}`);
      }
      throw error;
    }
  }

  /** Refuses (invalid) params of a source the sandbox may not read. */
  private async requireSourceAccess(sandbox: string, params: S3SourceParams): Promise<void> {
    try {
      await this.deps.sourceAccess.grantFor(sandbox, params);
    } catch (error) {
      throw error instanceof SourceAccessRefused ? refusedParams(error) : error;
    }
  }

  private async testS3(sandbox: string, params: S3SourceParams): Promise<ConnectionTestResult> {
    const s3 = this.deps.s3(await this.deps.sourceAccess.grantFor(sandbox, params));
    const listing = await s3.listAfter(params, {
      maxObjects: 1,
      maxBytes: Number.MAX_SAFE_INTEGER,
    });
    const place = `s3://${params.bucket}/${folderOf(params.prefix)}`;
    const first = listing.objects[0];
    if (!first) return { status: 'ok', message: `listed ${place}: no object to read yet` };
    return {
      status: 'ok',
      message: `listed ${place}: the oldest object to read is ${first.key}`,
      firstObject: first,
    };
  }

  private async testHttp(connection: Connection, params: HttpSourceParams): Promise<ConnectionTestResult> {
    const auth = await this.authOf(connection);
    const page = await this.deps.http.fetchPage(
      params,
      this.deps.http.firstPage(params),
      auth ? { auth } : {},
    );
    return {
      status: 'ok',
      message: `fetched the first page of ${describeUrl(params.url)}: ${page.recordsRead} records`,
      recordsRead: page.recordsRead,
      hasNextPage: page.next !== undefined,
    };
  }

  private async previewPage(
    connection: Connection,
    params: HttpSourceParams,
    rows: number,
  ): Promise<ExploreAnswer> {
    const auth = await this.authOf(connection);
    const page = await this.deps.http.fetchPage(
      params,
      this.deps.http.firstPage(params),
      auth ? { auth } : {},
    );
    const data = page.records.slice(0, rows).map((record) => redacted(record, auth?.value));
    return {
      kind: 'preview',
      format: 'json',
      schema: { columns: inferColumns(data) },
      data,
      recordsRead: page.recordsRead,
      hasNextPage: page.next !== undefined,
    };
  }

  private async previewObject(
    s3: S3SourceExplorer,
    params: S3SourceParams,
    query: ExploreQuery,
  ): Promise<ExploreAnswer> {
    const key = query.object;
    if (key === undefined || key === '' || key.endsWith('/')) {
      const message = 'name the file to preview with ?object=<key>';
      throw invalid('invalid-query', message, [{ pointer: '/object', keyword: 'required', message }]);
    }
    this.requireWithin(params, key);
    const source = await s3.byteSource(params, key);
    if (source.size === 0) {
      throw unprocessable('empty-file', `${key} is empty; zero-byte files are never read`);
    }
    const format = query.format ?? params.inputFormat;
    const preview = await previewFile(source, format, { rows: query.rows });
    return {
      kind: 'preview',
      format: FILE_FORMATS[format.format].fileType,
      schema: { columns: inferColumns(preview.rows, preview.columns) },
      data: preview.rows,
      path: key,
    };
  }

  /** The folder to list: the connection's prefix, or a folder below it. */
  private folderWithin(params: S3SourceParams, object: string | undefined): string {
    if (object === undefined || object === '') return folderOf(params.prefix);
    const folder = object.endsWith('/') ? object : `${object}/`;
    this.requireWithin(params, folder);
    return folder;
  }

  /** Exploring stays within the connection's prefix: it is all a connection is for. */
  private requireWithin(params: S3SourceParams, key: string): void {
    const root = folderOf(params.prefix);
    if (!key.startsWith(root)) {
      const message = `the connection reads only below '${root}'`;
      throw invalid('object-outside-connection', message, [
        { pointer: '/object', keyword: 'prefix', message },
      ]);
    }
  }

  private secretName(sandbox: string, id: string): string {
    return `${this.deps.secretPrefix}${sandbox}/${id}`;
  }

  /**
   * Removes a secret whose connection was never stored. Its failure is not reported over the failure that caused
   * it: the orphan is named by an id no connection has, and holds nothing any connection will read.
   */
  private async discardSecret(secretRef: string | undefined): Promise<void> {
    if (secretRef === undefined) return;
    await this.deps.secrets.remove(secretRef).catch(() => undefined);
  }
}
