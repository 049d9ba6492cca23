import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { acknowledgeGrantWildcards } from './grant-wildcards';
import type { TributaryFunction } from './tributary-function';

/**
 * Where S3 dataflows may read: buckets of this account named at deployment, and buckets of other accounts through a
 * role their owner creates for Tributary. A connection names its bucket at run time, so without this list a function
 * would need s3:GetObject on every bucket; naming the buckets (or the role prefix) keeps the grant to what the team
 * decided to ingest.
 */
export interface SourceAccess {
  /** Buckets of this account that S3 connections may read. @default none */
  readonly bucketNames?: readonly string[];
  /**
   * Name prefix of the roles S3 connections may assume for cross-account reads (`roleArn`); the role's trust policy
   * in the other account decides whether the assumption succeeds. @default 'tributary-source-'
   */
  readonly roleNamePrefix?: string;
}

export const DEFAULT_SOURCE_ROLE_PREFIX = 'tributary-source-';

/** Grants `fn` listing and reading the source buckets, and assuming the cross-account source roles. */
export function grantSourceAccess(fn: TributaryFunction, access: SourceAccess): void {
  const partition = Stack.of(fn).partition;
  const buckets = access.bucketNames ?? [];
  if (buckets.length > 0) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket', 's3:GetBucketLocation'],
        resources: buckets.map((name) => `arn:${partition}:s3:::${name}`),
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: buckets.map((name) => `arn:${partition}:s3:::${name}/*`),
      }),
    );
  }
  const roles = `arn:${partition}:iam::*:role/${access.roleNamePrefix ?? DEFAULT_SOURCE_ROLE_PREFIX}`;
  fn.addToRolePolicy(new PolicyStatement({ actions: ['sts:AssumeRole'], resources: [`${roles}*`] }));
  acknowledgeGrantWildcards(fn.executionRole, {
    resources: [
      ...buckets.map((name) => ({ arn: `arn:${partition}:s3:::${name}`, suffix: '/*' })),
      { arn: roles, suffix: '*' },
    ],
    reason:
      'S3 dataflows read the objects of the source buckets named at deployment (any key: the connection picks ' +
      'the prefix at run time) and assume only roles under the source-role name prefix, which the bucket owner ' +
      'creates and trusts this account with.',
  });
}
