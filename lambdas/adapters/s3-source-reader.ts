/**
 * The objects of S3 source connections (another bucket, perhaps another account's): the listing a pull reads in
 * `(lastModified, key)` order after its watermark, a folder's entries and an object's bytes for exploring it, and
 * an object's stream for copying it into a batch. A failed listing, HEAD or GET becomes a SourceError that says
 * whether trying again later may help (only the S3 error's name is kept, never its message).
 */
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ByteSource } from '../core/files/file-format-types';
import type {
  S3FolderEntry,
  S3SourceExplorer,
  S3SourceListing,
  S3SourceParams,
  S3SourceReader,
  S3ListOptions,
  SourceObject,
} from '../core/connections/connection-types';
import { OBJECT_CHANGED, SourceError } from '../core/connections/connection-types';
import {
  folderOf,
  inTimeWindow,
  OldestObjects,
  sourceSelector,
} from '../core/connections/s3-source-selection';
import { S3LandingObjects } from './s3-landing-objects';

/** S3's largest listing page: fewest requests for a full listing. */
const LIST_PAGE_SIZE = 1000;

export type SourceS3Clients = (params: S3SourceParams) => S3Client;

/** An S3 failure as a SourceError: missing, refused and misdirected are for the user to fix; the rest may pass. */
export function sourceErrorOf(error: unknown, where: string): SourceError {
  if (error instanceof SourceError) return error;
  const name = error instanceof Error ? error.name : 'UnknownError';
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (name === 'NoSuchBucket')
    return new SourceError('bucket-not-found', `${where}: the bucket does not exist`, false);
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    return new SourceError('object-not-found', `${where}: no such object`, false);
  }
  if (status === 412 || name === 'PreconditionFailed') {
    return new SourceError(OBJECT_CHANGED, `${where}: the object changed since it was listed`, true);
  }
  if (status === 403 || name === 'AccessDenied') {
    return new SourceError('access-denied', `${where}: access denied (${name})`, false);
  }
  if (status === 301 || name === 'PermanentRedirect') {
    return new SourceError(
      'wrong-region',
      `${where}: the bucket is in another region; set the region`,
      false,
    );
  }
  const transient = status === undefined || status >= 500 || status === 429 || name === 'SlowDown';
  return new SourceError(transient ? 'source-unavailable' : 's3-error', `${where}: ${name}`, transient);
}

const where = (params: S3SourceParams, key: string) => `s3://${params.bucket}/${key}`;

export class S3SourceObjects implements S3SourceReader, S3SourceExplorer {
  /** `listPageSize` below S3's 1000 only to exercise paging in tests. */
  constructor(
    private readonly clientFor: SourceS3Clients,
    private readonly options: { readonly listPageSize?: number } = {},
  ) {}

  async listAfter(params: S3SourceParams, options: S3ListOptions): Promise<S3SourceListing> {
    const folder = folderOf(params.prefix);
    const selected = sourceSelector(params);
    const oldest = new OldestObjects(Math.max(1, options.maxObjects));
    let token: string | undefined;
    do {
      const out = await this.list(params, folder, {
        // Without sub-folders S3 itself leaves their objects out.
        ...(params.recursive === false ? { delimiter: '/' } : {}),
        ...(token !== undefined ? { token } : {}),
        maxKeys: this.options.listPageSize ?? LIST_PAGE_SIZE,
      });
      for (const content of out.Contents ?? []) {
        const object = sourceObjectOf(content);
        if (object && selected(object.key, object.size) && inTimeWindow(object, options))
          oldest.offer(object);
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
    return oldest.take(options.maxBytes);
  }

  async open(params: S3SourceParams, key: string, etag?: string): Promise<Readable> {
    try {
      const out = await this.clientFor(params).send(
        new GetObjectCommand({ Bucket: params.bucket, Key: key, ...(etag ? { IfMatch: etag } : {}) }),
      );
      if (!(out.Body instanceof Readable)) throw new Error(`object ${key} has no readable body`);
      return out.Body;
    } catch (error) {
      throw sourceErrorOf(error, where(params, key));
    }
  }

  async listFolder(
    params: S3SourceParams,
    folder: string,
    options: { readonly maxEntries: number },
  ): Promise<{ entries: S3FolderEntry[]; truncated: boolean }> {
    const selected = sourceSelector(params);
    const out = await this.list(params, folder, { delimiter: '/', maxKeys: options.maxEntries });
    const folders = (out.CommonPrefixes ?? []).flatMap(({ Prefix: path }): S3FolderEntry[] =>
      path === undefined
        ? []
        : [{ type: 'folder', name: nameOf(path), path, canPreview: false, canFetchSchema: false }],
    );
    const files = (out.Contents ?? []).flatMap((content): S3FolderEntry[] => {
      const object = sourceObjectOf(content);
      if (!object || object.key === folder) return [];
      const readable = object.size > 0;
      return [
        {
          type: 'file',
          name: nameOf(object.key),
          path: object.key,
          canPreview: readable,
          canFetchSchema: readable,
          size: object.size,
          lastModified: object.lastModified,
          selected: selected(object.key, object.size),
        },
      ];
    });
    const entries = [...folders, ...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { entries, truncated: out.IsTruncated === true };
  }

  async byteSource(params: S3SourceParams, key: string): Promise<ByteSource> {
    const client = this.clientFor(params);
    let size: number;
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: params.bucket, Key: key }));
      size = head.ContentLength ?? 0;
    } catch (error) {
      throw sourceErrorOf(error, where(params, key));
    }
    // The landing objects' ranged reader cuts what a server answers beyond the range asked for; one part is the file.
    return new S3LandingObjects(client, params.bucket).byteSource([{ key, start: 0, end: size }], size);
  }

  private async list(
    params: S3SourceParams,
    folder: string,
    options: { delimiter?: string; token?: string; maxKeys: number },
  ): Promise<ListObjectsV2CommandOutput> {
    try {
      return await this.clientFor(params).send(
        new ListObjectsV2Command({
          Bucket: params.bucket,
          ...(folder !== '' ? { Prefix: folder } : {}),
          ...(options.delimiter !== undefined ? { Delimiter: options.delimiter } : {}),
          ...(options.token !== undefined ? { ContinuationToken: options.token } : {}),
          MaxKeys: options.maxKeys,
        }),
      );
    } catch (error) {
      throw sourceErrorOf(error, where(params, folder));
    }
  }
}

function sourceObjectOf(content: {
  Key?: string;
  Size?: number;
  LastModified?: Date;
  ETag?: string;
}): SourceObject | undefined {
  if (content.Key === undefined || content.LastModified === undefined) return undefined;
  return {
    key: content.Key,
    size: content.Size ?? 0,
    lastModified: content.LastModified.toISOString(),
    etag: content.ETag ?? '',
  };
}

/** The last component of a key; a folder's without its trailing `/`. */
function nameOf(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
