/**
 * The session policy a sandbox's source reads run under. The functions read S3 sources only through the
 * deployment's source-reader role, assumed per sandbox with this inline session policy: the session can do no more
 * than both the role's own policy (the deployment's source buckets and role name prefix) and this policy (the
 * sandbox's locations and roles) allow, so a read the sandbox is not granted is refused by AWS itself, whatever the
 * code above asks for.
 */
import { folderOf } from './s3-source-selection';
import type { SourceAccessRules } from './source-access';

/** STS's limit on an inline session policy's plaintext (AssumeRole's `Policy`). */
export const MAX_SESSION_POLICY_CHARS = 2048;

interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string;
  readonly Resource: string | readonly string[];
  readonly Condition?: Record<string, Record<string, readonly string[]>>;
}

/**
 * Reading the objects below each location, listing a bucket (only below its allowed folders, as ListObjectsV2 names
 * them in `s3:prefix`, unless the whole bucket is allowed), and assuming the sandbox's cross-account roles. Rules
 * that allow nothing give a policy that denies everything: a session policy must hold a statement.
 */
export function sessionPolicyOf(rules: SourceAccessRules, partition: string): string {
  const bucketArn = (bucket: string) => `arn:${partition}:s3:::${bucket}`;
  const statements: Statement[] = [];
  const objects = [...new Set(rules.locations.map((l) => `${bucketArn(l.bucket)}/${folderOf(l.prefix)}*`))];
  if (objects.length > 0) statements.push({ Effect: 'Allow', Action: 's3:GetObject', Resource: objects });
  const folders = new Map<string, Set<string>>();
  for (const location of rules.locations) {
    const set = folders.get(location.bucket) ?? new Set<string>();
    set.add(folderOf(location.prefix));
    folders.set(location.bucket, set);
  }
  for (const [bucket, set] of folders) {
    statements.push({
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: bucketArn(bucket),
      ...(set.has('')
        ? {}
        : { Condition: { StringLike: { 's3:prefix': [...set].map((folder) => `${folder}*`) } } }),
    });
  }
  if (rules.roleArns.length > 0) {
    statements.push({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [...new Set(rules.roleArns)] });
  }
  if (statements.length === 0) statements.push({ Effect: 'Deny', Action: '*', Resource: '*' });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}
