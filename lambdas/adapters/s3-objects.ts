/**
 * Objects of one bucket: the lake and quarantine writers of the stream consumer and the batch workflow, the
 * quarantine reader of the failed-records export, and the staging-to-lake copies of batch promotion. Writes are
 * whole-object PUTs (or copies) at deterministic keys, so a retry overwrites.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { LakeObjects } from '../core/batches/ingest/ingest-ports';
import type { ObjectWriter } from '../core/lake/lake-objects';
import type { ObjectReader } from '../core/lake/lake-objects';

export class S3Objects implements ObjectWriter, ObjectReader, LakeObjects {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    // URL-encoded as S3 requires; encodeURI keeps `/` and the `=` of partition folders as they are.
    const source = encodeURI(`${this.bucket}/${fromKey}`);
    await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: toKey, CopySource: source }));
  }

  async getText(key: string): Promise<string | undefined> {
    const bytes = await this.getBytes(key);
    return bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
  }

  async getBytes(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }
}
