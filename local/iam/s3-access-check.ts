/**
 * The S3 endpoint's check of each call signed by a function (in the `Authorization` header or a presigned URL,
 * which carries the identity of the function that signed it) against that function's role, answering S3's
 * `<Error><Code>AccessDenied</Code>` XML with 403 as S3 does. The functions' keys are registered with s3rver, which
 * otherwise refuses any key but its own.
 */
import type S3rver from 's3rver';
import type { S3Middleware } from 's3rver';
import { answerError } from '../s3-versions';
import { LOCAL_PARTITION } from '../template/cloudformation';
import { s3AccessRequests } from './actions/s3';
import { signingAccessKeyId } from './function-credentials';
import type { RoleAccess } from './role-access';

export async function checkS3Access(
  s3Server: S3rver,
  access: RoleAccess,
  kmsKeyOf: (bucket: string) => string | undefined,
): Promise<void> {
  // s3rver keeps its accounts in a module-level registry; its one account holds every key.
  const { DUMMY_ACCOUNT } = await import('s3rver/lib/models/account.js');
  for (const [accessKeyId, secretAccessKey] of access.secrets())
    DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
  access.onNewKey((accessKeyId, secretAccessKey) =>
    DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey),
  );
  const middleware: S3Middleware = async (ctx, next) => {
    const denial = access.denial(
      signingAccessKeyId(ctx.get('authorization') || undefined, ctx.req.url),
      s3AccessRequests(LOCAL_PARTITION, ctx.method, ctx.req.url ?? '/', kmsKeyOf),
    );
    if (!denial) return next();
    answerError(ctx, 403, 'AccessDenied', denial.message);
    // The body is not read: drain it so the client sees the answer rather than a reset.
    ctx.req.resume();
  };
  // Just before s3rver's router, after its authentication, as the other middleware of the local runtime.
  s3Server.middleware.splice(s3Server.middleware.length - 1, 0, middleware);
}
