/**
 * Signature checks of presigned URLs for s3rver, which checks a URL's expiry but not its signature: a request
 * authenticated by the query string (Signature Version 4) is answered 403 `SignatureDoesNotMatch` unless the
 * signature is the one S3 computes for it. So, as in S3, a signed header sent with another value (a body of another
 * length than the signed `content-length`, no `if-none-match` where it was signed) or left out, another method or
 * key, or a changed query parameter is refused before anything is written.
 *
 * Requests signed in the `Authorization` header (the SDK's own) are left as they are: the code under test signs
 * them correctly, and s3rver does not check those either.
 */
import { createHash, createHmac } from 'node:crypto';
import type S3rver from 's3rver';
import type { S3Context, S3Middleware } from 's3rver';
import { answerError } from './s3-versions';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SIGNATURE_PARAM = 'X-Amz-Signature';
/** What a presigned URL that signs no body hash uses, as the SDK's presigner always does. */
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** RFC 3986 encoding, as SigV4's canonical query string needs (`encodeURIComponent` leaves `!'()*` alone). */
const uriEncode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

/** The canonical request of a presigned S3 request: its path as sent (S3 does not encode it again). */
function canonicalRequest(ctx: S3Context, params: URLSearchParams, signedHeaders: readonly string[]): string {
  const rawUrl = ctx.req.url ?? '/';
  const path = rawUrl.split('?')[0] ?? '/';
  const query = [...params.entries()]
    .filter(([name]) => name !== SIGNATURE_PARAM)
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const headers = signedHeaders
    .map((name) => `${name}:${(ctx.get(name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const payload = params.get('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD;
  return [ctx.method, path, query, headers, signedHeaders.join(';'), payload].join('\n');
}

/** The signature S3 computes for a query-signed request, with `secretOf` the secret of its access key. */
function expectedSignature(ctx: S3Context, params: URLSearchParams, secret: string): string | undefined {
  const credential = params.get('X-Amz-Credential')?.split('/');
  const date = params.get('X-Amz-Date');
  const signedHeaders = params.get('X-Amz-SignedHeaders')?.split(';');
  if (credential?.length !== 5 || !date || !signedHeaders) return undefined;
  const [, day = '', region = '', service = '', terminator = ''] = credential;
  const scope = [day, region, service, terminator].join('/');
  const stringToSign = [ALGORITHM, date, scope, sha256Hex(canonicalRequest(ctx, params, signedHeaders))].join(
    '\n',
  );
  const key = [day, region, service, terminator].reduce<Buffer | string>(
    (signing, part) => hmac(signing, part),
    `AWS4${secret}`,
  );
  return hmac(key, stringToSign).toString('hex');
}

/** Checks every query-signed (presigned) request against the emulator's credentials (`accessKeyId` → secret). */
export function checkPresignedSignatures(s3Server: S3rver, secrets: ReadonlyMap<string, string>): void {
  const middleware: S3Middleware = async (ctx, next) => {
    const params = new URLSearchParams((ctx.req.url ?? '').split('?')[1] ?? '');
    const provided = params.get(SIGNATURE_PARAM);
    if (provided === null || params.get('X-Amz-Algorithm') !== ALGORITHM) return next();
    const accessKeyId = params.get('X-Amz-Credential')?.split('/')[0] ?? '';
    const secret = secrets.get(accessKeyId);
    // An unknown key is s3rver's to refuse (InvalidAccessKeyId), as it does today.
    if (secret === undefined) return next();
    if (expectedSignature(ctx, params, secret) !== provided) {
      answerError(
        ctx,
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and ' +
          'signing method.',
      );
      // The body is not read: drain it so the client sees the answer rather than a reset.
      ctx.req.resume();
      return;
    }
    return next();
  };
  // Just before s3rver's router, as the other middleware of the local runtime.
  s3Server.middleware.splice(s3Server.middleware.length - 1, 0, middleware);
}
