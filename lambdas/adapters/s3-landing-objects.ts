/**
 * The uploads' objects in the landing bucket: whole files and ranged parts written by the API, presigned PUT URLs
 * for files too large for it, and the bytes of a file read across its parts. Reads stream one part at a time with
 * ranged GETs, so a file of any size passes through in the SDK's chunks, never a whole part in memory. The bucket
 * keeps versions: a write answers the version it made, and a read asks for the version its part names, so a file
 * written again under the same key while a batch reads it cannot change the batch.
 */
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { FilePart } from '../core/batches/file-batch-types';
import type { ByteSource } from '../core/files/file-format-types';
import { checkReadRange, slicesOf, type PartSlice } from '../core/batches/uploads/byte-ranges';
import type {
  LandingObjects,
  PresignedPut,
  PutGrant,
  WrittenObject,
} from '../core/batches/uploads/upload-ports';

const UPLOAD_CONTENT_TYPE = 'application/octet-stream';
/** A conditional write: only where no object is yet. */
const WRITE_ONCE = '*';

/** Where a body starts in its object: `Content-Range: bytes {first}-{last}/{size}`, absent for a whole object. */
const bodyStartOf = (contentRange: string | undefined) => {
  const first = /^bytes (\d+)-/.exec(contentRange ?? '')?.[1];
  return first === undefined ? undefined : Number(first);
};

export class S3LandingObjects implements LandingObjects {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, bytes: Uint8Array): Promise<WrittenObject> {
    const out = await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: UPLOAD_CONTENT_TYPE }),
    );
    return out.VersionId === undefined ? {} : { versionId: out.VersionId };
  }

  async head(key: string): Promise<({ size: number } & WrittenObject) | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        size: out.ContentLength ?? 0,
        ...(out.VersionId === undefined ? {} : { versionId: out.VersionId }),
      };
    } catch (error) {
      if (error instanceof NotFound) return undefined;
      throw error;
    }
  }

  /**
   * Signs the host, the body's length and `If-None-Match: *`: S3 checks signed headers, so it refuses a body of any
   * other length and, once an object is at the key, any further write through the URL (a conditional write). The
   * content type is left unsigned: the client may send any. The S3 client must compute checksums only when
   * required (as aws-clients.ts builds it): otherwise the URL carries the CRC32 of an empty body and S3 refuses
   * every real upload to it.
   */
  async presignPut(key: string, grant: PutGrant): Promise<PresignedPut> {
    const url = await getSignedUrl(
      this.client,
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ContentLength: grant.sizeInBytes,
        IfNoneMatch: WRITE_ONCE,
      }),
      { expiresIn: grant.expiresInSeconds },
    );
    return { url, headers: { 'content-length': String(grant.sizeInBytes), 'if-none-match': WRITE_ONCE } };
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  byteSource(parts: readonly FilePart[], size: number): ByteSource {
    return {
      size,
      read: async (start, end) => {
        checkReadRange(start, end, size);
        return Readable.from(this.streamSlices(slicesOf(parts, start, end)), { objectMode: false });
      },
    };
  }

  /**
   * Each slice in turn: the next GET is sent only once the previous body has been read. A server may answer more
   * than the range asked for (HTTP lets it ignore `Range`; s3rver answers `bytes=0-0` with the whole object), so the
   * body is cut to the slice by where `Content-Range` says it starts.
   */
  private async *streamSlices(slices: readonly PartSlice[]): AsyncGenerator<Uint8Array> {
    for (const slice of slices) {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: slice.key,
          ...(slice.versionId === undefined ? {} : { VersionId: slice.versionId }),
          Range: `bytes=${slice.from}-${slice.to - 1}`,
        }),
      );
      if (!(out.Body instanceof Readable)) throw new Error(`object ${slice.key} has no readable body`);
      let skip = slice.from - (bodyStartOf(out.ContentRange) ?? 0);
      let remaining = slice.to - slice.from;
      if (skip < 0) throw new Error(`object ${slice.key} answered a range after byte ${slice.from}`);
      // Only a body longer than the slice is left unread (closing its connection); an exact one is read to its end.
      const surplus = (out.ContentLength ?? Infinity) > skip + remaining;
      for await (const chunk of out.Body as AsyncIterable<Uint8Array>) {
        const dropped = Math.min(skip, chunk.length);
        skip -= dropped;
        const piece = chunk.subarray(dropped, dropped + remaining);
        remaining -= piece.length;
        if (piece.length > 0) yield piece;
        if (remaining === 0 && surplus) break;
      }
      // A part shorter than its item says would shift every byte after it: fail rather than read a corrupt file.
      if (remaining > 0) throw new Error(`object ${slice.key} ended ${remaining} bytes short of its part`);
    }
  }
}
