/**
 * Readers of what the stream consumer leaves in S3, for the streaming tests: every Parquet file under a lake prefix
 * read back with an independent reader (hyparquet, not the writer's library), the quarantine's JSON Lines, and
 * Lambda's on-failure destination records.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';

export interface StoredObject {
  readonly key: string;
  readonly body: Uint8Array;
}

export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

export async function readObject(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!answer.Body) throw new Error(`s3://${bucket}/${key} has no body`);
  return answer.Body.transformToByteArray();
}

export async function readObjects(s3: S3Client, bucket: string, prefix: string): Promise<StoredObject[]> {
  const keys = await listKeys(s3, bucket, prefix);
  return Promise.all(keys.map(async (key) => ({ key, body: await readObject(s3, bucket, key) })));
}

export interface ParquetFile {
  readonly key: string;
  readonly rows: Record<string, unknown>[];
  readonly numRows: number;
  readonly columns: string[];
}

/** Decodes one Parquet file with hyparquet; `numRows` is the footer's count, checked against the rows read. */
export async function readParquet(key: string, bytes: Uint8Array): Promise<ParquetFile> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(file);
  const rows = (await parquetReadObjects({ file })) as Record<string, unknown>[];
  const columns = metadata.schema.slice(1).map((element) => element.name);
  return { key, rows, numRows: Number(metadata.num_rows), columns };
}

/** Every Parquet file under `prefix`, decoded. */
export async function readLake(s3: S3Client, bucket: string, prefix: string): Promise<ParquetFile[]> {
  const objects = await readObjects(s3, bucket, prefix);
  return Promise.all(
    objects
      .filter((object) => object.key.endsWith('.parquet'))
      .map((object) => readParquet(object.key, object.body)),
  );
}

/** Every JSON Lines object under `prefix`, one parsed value per line, with the key it came from. */
export async function readJsonLines(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ key: string; line: Record<string, unknown> }[]> {
  const objects = await readObjects(s3, bucket, prefix);
  return objects.flatMap((object) =>
    new TextDecoder()
      .decode(object.body)
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => ({ key: object.key, line: JSON.parse(line) as Record<string, unknown> })),
  );
}

/** Lambda's invocation records in an S3 on-failure destination (one JSON document per object). */
export async function readOnFailureRecords(
  s3: S3Client,
  bucket: string,
): Promise<{ key: string; record: Record<string, unknown> }[]> {
  const objects = await readObjects(s3, bucket, 'aws/lambda/');
  return objects.map((object) => ({
    key: object.key,
    record: JSON.parse(new TextDecoder().decode(object.body)) as Record<string, unknown>,
  }));
}
