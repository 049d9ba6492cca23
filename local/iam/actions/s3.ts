/**
 * S3 requests (path style, as the local endpoint is addressed) as IAM sees them: the action from the method, the
 * path (bucket or object) and the sub-resource of the query; the resource the bucket's ARN for bucket operations
 * (ListBucket, …) and `<bucket ARN>/<key>` for object operations.
 */
import type { AccessRequest } from '../policy-evaluator';

/** Bucket sub-resources read with GET, by the action IAM checks. */
const BUCKET_GET_ACTIONS: Readonly<Record<string, string>> = {
  versions: 's3:ListBucketVersions',
  uploads: 's3:ListBucketMultipartUploads',
  notification: 's3:GetBucketNotification',
  location: 's3:GetBucketLocation',
  versioning: 's3:GetBucketVersioning',
  cors: 's3:GetBucketCORS',
  policy: 's3:GetBucketPolicy',
};

const BUCKET_PUT_ACTIONS: Readonly<Record<string, string>> = {
  notification: 's3:PutBucketNotification',
  versioning: 's3:PutBucketVersioning',
  cors: 's3:PutBucketCORS',
  policy: 's3:PutBucketPolicy',
};

function objectAction(method: string, query: URLSearchParams): string {
  const versioned = query.has('versionId');
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (query.has('tagging')) return versioned ? 's3:GetObjectVersionTagging' : 's3:GetObjectTagging';
      if (query.has('uploadId')) return 's3:ListMultipartUploadParts';
      return versioned ? 's3:GetObjectVersion' : 's3:GetObject';
    case 'DELETE':
      if (query.has('uploadId')) return 's3:AbortMultipartUpload';
      if (query.has('tagging')) return 's3:DeleteObjectTagging';
      return versioned ? 's3:DeleteObjectVersion' : 's3:DeleteObject';
    default:
      // PUT and POST: an upload, a multipart upload's start, part or completion, all authorized as PutObject.
      if (query.has('tagging')) return versioned ? 's3:PutObjectVersionTagging' : 's3:PutObjectTagging';
      return 's3:PutObject';
  }
}

function bucketAction(method: string, query: URLSearchParams): string {
  const subresource = [...query.keys()].find(
    (name) => name in BUCKET_GET_ACTIONS || name in BUCKET_PUT_ACTIONS,
  );
  switch (method) {
    case 'GET':
    case 'HEAD':
      return subresource ? (BUCKET_GET_ACTIONS[subresource] ?? 's3:ListBucket') : 's3:ListBucket';
    case 'PUT':
      return subresource ? (BUCKET_PUT_ACTIONS[subresource] ?? 's3:CreateBucket') : 's3:CreateBucket';
    case 'DELETE':
      return 's3:DeleteBucket';
    default:
      // POST ?delete: deleting many objects is authorized as DeleteObject.
      return 's3:DeleteObject';
  }
}

/** Object actions that store or read bytes, which SSE-KMS encrypts or decrypts with the bucket's key. */
const ENCRYPTING_ACTIONS = new Set(['s3:PutObject']);
const DECRYPTING_ACTIONS = new Set(['s3:GetObject', 's3:GetObjectVersion']);

/**
 * The IAM requests of one S3 call, from its method and path-style URL (`/<bucket>/<key>?<query>`): the S3 action,
 * and for a bucket encrypted with a KMS key (`kmsKeyOf`), the key use S3 makes on the caller's behalf —
 * `kms:GenerateDataKey` to store an object, `kms:Decrypt` to read one (S3 Bucket Keys change neither).
 */
export function s3AccessRequests(
  partition: string,
  method: string,
  url: string,
  kmsKeyOf: (bucket: string) => string | undefined = () => undefined,
): AccessRequest[] {
  const [rawPath = '/', rawQuery = ''] = url.split('?', 2);
  const query = new URLSearchParams(rawQuery);
  const [bucket = '', ...keyParts] = rawPath.replace(/^\//, '').split('/');
  const key = keyParts.map((part) => decodeURIComponent(part)).join('/');
  if (bucket === '') return [{ action: 's3:ListAllMyBuckets', resource: '*' }];
  const bucketArn = `arn:${partition}:s3:::${decodeURIComponent(bucket)}`;
  if (key === '') {
    const action = bucketAction(method, query);
    // A multi-object delete names its keys in the body, which is not read here: checked on every key of the bucket.
    const resource = action === 's3:DeleteObject' ? `${bucketArn}/*` : bucketArn;
    // A listing's prefix is the `s3:prefix` condition key (session policies narrow listings to folders by it).
    const prefix = query.get('prefix');
    return [{ action, resource, ...(prefix === null ? {} : { context: { 's3:prefix': prefix } }) }];
  }
  const action = objectAction(method, query);
  const kmsKey = kmsKeyOf(decodeURIComponent(bucket));
  return [
    { action, resource: `${bucketArn}/${key}` },
    ...(kmsKey !== undefined && ENCRYPTING_ACTIONS.has(action)
      ? [{ action: 'kms:GenerateDataKey', resource: kmsKey }]
      : []),
    ...(kmsKey !== undefined && DECRYPTING_ACTIONS.has(action)
      ? [{ action: 'kms:Decrypt', resource: kmsKey }]
      : []),
  ];
}
