/**
 * In-memory parts of the connection service for unit tests: the store, a secret store that remembers every value
 * it was given (so tests can look for them where they must not be), and an S3 source over objects in memory.
 */
import { Readable } from 'node:stream';
import type { ByteSource } from '../../../lambdas/core/files/file-format-types';
import { memoryByteSource } from '../../../lambdas/core/files/memory-byte-source';
import type {
  HttpSourceReader,
  S3FolderEntry,
  S3SourceExplorer,
  S3SourceListing,
  S3SourceParams,
  S3SourceReader,
  S3Watermark,
} from '../../../lambdas/core/connections/connection-types';
import { SourceError } from '../../../lambdas/core/connections/connection-types';
import type { ConnectionStore, StoredConnection } from '../../../lambdas/core/connections/connections';
import { ConnectionService } from '../../../lambdas/core/connections/connections';
import {
  inTimeWindow,
  OldestObjects,
  sourceSelector,
} from '../../../lambdas/core/connections/s3-source-selection';
import type { Page, PageRequest } from '../../../lambdas/core/page';
import type { S3SourceGrant, SourceAccessRules } from '../../../lambdas/core/connections/source-access';
import { sourceAccessOf } from '../../support/memory-source-access';

export const SECRET_PREFIX = 'tributary/connections/';

export class MemoryConnectionStore implements ConnectionStore {
  readonly items = new Map<string, StoredConnection>();
  /** Makes the next create throw, as a store that is down would. */
  failNextCreate = false;

  get = async (sandbox: string, id: string) => this.items.get(`${sandbox}#${id}`);
  create = async (connection: StoredConnection) => {
    if (this.failNextCreate) {
      this.failNextCreate = false;
      throw new Error('the store is down');
    }
    const key = `${connection.sandbox}#${connection.id}`;
    return !this.items.has(key) && !!this.items.set(key, connection);
  };
  update = async (connection: StoredConnection, expectedRevision: number) => {
    const key = `${connection.sandbox}#${connection.id}`;
    if (this.items.get(key)?.revision !== expectedRevision) return false;
    this.items.set(key, connection);
    return true;
  };
  delete = async (sandbox: string, id: string) => {
    const item = this.items.get(`${sandbox}#${id}`);
    this.items.delete(`${sandbox}#${id}`);
    return item;
  };
  list = async (sandbox: string, page: PageRequest): Promise<Page<StoredConnection>> => {
    const all = [...this.items.values()].filter((item) => item.sandbox === sandbox);
    const offset = Number(page.start ?? 0);
    const items = all.slice(offset, offset + page.limit);
    return offset + page.limit < all.length ? { items, next: String(offset + page.limit) } : { items };
  };
}

export class MemorySecretStore {
  readonly values = new Map<string, string>();
  readonly names = new Map<string, string>();
  /** Every value ever stored, so a test can check none leaks. */
  readonly everStored: string[] = [];

  async create(name: string, value: string): Promise<string> {
    const reference = `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-AbCdEf`;
    this.values.set(reference, value);
    this.names.set(reference, name);
    this.everStored.push(value);
    return reference;
  }
  async update(reference: string, value: string): Promise<void> {
    if (!this.values.has(reference)) throw new Error(`no secret ${reference}`);
    this.values.set(reference, value);
    this.everStored.push(value);
  }
  async read(reference: string): Promise<string> {
    const value = this.values.get(reference);
    if (value === undefined) throw new Error(`no secret ${reference}`);
    return value;
  }
  async remove(reference: string): Promise<void> {
    this.values.delete(reference);
  }
}

export interface MemoryObject {
  readonly key: string;
  readonly body: string;
  readonly lastModified: string;
}

/** An S3 source over objects in memory, applying the same selection rules as the real reader. */
export class MemoryS3Source implements S3SourceReader, S3SourceExplorer {
  readonly objects: MemoryObject[] = [];
  /** When set, every call fails with it. */
  failure: SourceError | undefined;

  put(key: string, body: string, lastModified = '2024-01-01T00:00:00.000Z'): void {
    this.objects.push({ key, body, lastModified });
  }

  async listAfter(
    params: S3SourceParams,
    options: {
      after?: S3Watermark;
      notBefore?: string;
      notAfter?: string;
      maxObjects: number;
      maxBytes: number;
    },
  ): Promise<S3SourceListing> {
    this.check();
    const selected = sourceSelector(params);
    const oldest = new OldestObjects(options.maxObjects);
    for (const object of this.objects) {
      const source = {
        key: object.key,
        size: object.body.length,
        lastModified: object.lastModified,
        etag: '"e"',
      };
      if (selected(source.key, source.size) && inTimeWindow(source, options)) oldest.offer(source);
    }
    return oldest.take(options.maxBytes);
  }

  async open(_params: S3SourceParams, key: string): Promise<Readable> {
    this.check();
    return Readable.from([Buffer.from(this.find(key).body)]);
  }

  async listFolder(
    params: S3SourceParams,
    folder: string,
    options: { maxEntries: number },
  ): Promise<{ entries: S3FolderEntry[]; truncated: boolean }> {
    this.check();
    const selected = sourceSelector(params);
    const entries = new Map<string, S3FolderEntry>();
    for (const object of this.objects.filter((each) => each.key.startsWith(folder))) {
      const rest = object.key.slice(folder.length);
      const slash = rest.indexOf('/');
      if (slash >= 0) {
        const path = folder + rest.slice(0, slash + 1);
        entries.set(path, {
          type: 'folder',
          name: rest.slice(0, slash),
          path,
          canPreview: false,
          canFetchSchema: false,
        });
      } else if (rest !== '') {
        const size = object.body.length;
        entries.set(object.key, {
          type: 'file',
          name: rest,
          path: object.key,
          canPreview: size > 0,
          canFetchSchema: size > 0,
          size,
          lastModified: object.lastModified,
          selected: selected(object.key, size),
        });
      }
    }
    const sorted = [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
    return { entries: sorted.slice(0, options.maxEntries), truncated: sorted.length > options.maxEntries };
  }

  async byteSource(_params: S3SourceParams, key: string): Promise<ByteSource> {
    this.check();
    return memoryByteSource(Buffer.from(this.find(key).body));
  }

  private find(key: string): MemoryObject {
    const object = this.objects.find((each) => each.key === key);
    if (!object) throw new SourceError('object-not-found', `s3://bucket/${key}: no such object`, false);
    return object;
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}

/** The test sandbox may read the whole of the tests' S3 bucket unless the test grants otherwise. */
export const DEFAULT_GRANTS: Readonly<Record<string, SourceAccessRules>> = {
  prod: { locations: [{ bucket: 'partner-drops' }], roleArns: [] },
};

export function connectionService(
  options: {
    http?: HttpSourceReader;
    inUse?: (sandbox: string, id: string) => Promise<boolean>;
    grants?: Readonly<Record<string, SourceAccessRules>>;
  } = {},
) {
  const store = new MemoryConnectionStore();
  const secrets = new MemorySecretStore();
  const s3 = new MemoryS3Source();
  const access = sourceAccessOf(options.grants ?? DEFAULT_GRANTS);
  /** The grants the S3 source was read with, in order. */
  const readGrants: S3SourceGrant[] = [];
  const http: HttpSourceReader = options.http ?? {
    firstPage: () => {
      throw new Error('no HTTP reader in this test');
    },
    fetchPage: () => {
      throw new Error('no HTTP reader in this test');
    },
  };
  const service = new ConnectionService({
    store,
    secrets,
    secretPrefix: SECRET_PREFIX,
    s3: (grant) => {
      readGrants.push(grant);
      return s3;
    },
    sourceAccess: access.service,
    http,
    ...(options.inUse ? { inUse: options.inUse } : {}),
    now: () => new Date('2024-06-01T12:00:00.000Z'),
  });
  return { service, store, secrets, s3, sourceAccess: access.store, readGrants };
}
