/**
 * Streams into the landing bucket: a dataflow run copies each source object into its batch without holding it
 * whole (lib-storage's Upload sends a large object as a multipart upload, a small one as one PUT), and writes the
 * JSON Lines files of HTTP pulls.
 */
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { LandingWriter } from '../core/dataflows/run-worker-ports';

const CONTENT_TYPE = 'application/octet-stream';

export class S3LandingUploads implements LandingWriter {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async upload(key: string, body: Readable): Promise<number> {
    let bytes = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: counted, ContentType: CONTENT_TYPE },
    });
    try {
      await Promise.all([pipeline(body, counted), upload.done()]);
    } catch (error) {
      // A failed upload stops reading: the source stream is closed rather than left paused.
      body.destroy();
      counted.destroy();
      throw error;
    }
    return bytes;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: CONTENT_TYPE }),
    );
  }
}
