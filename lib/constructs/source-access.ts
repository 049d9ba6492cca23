import { DefaultStackSynthesizer, Fn, Stack, Tags } from 'aws-cdk-lib';
import { AccountPrincipal, Effect, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/config/env-names';
import { acknowledgeGrantWildcards } from './grant-wildcards';
import type { TributaryFunction } from './tributary-function';

/**
 * Where S3 dataflows may read at all: buckets of this account named at deployment, and buckets of other accounts
 * through roles their owners create for Tributary. The deployment's outer bound; within it the platform operator
 * grants each sandbox its own locations and roles (`PUT /sandboxes/{name}/source-access`).
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

/**
 * The role tag that lets a function's role assume the source reader: the reader trusts its account only for
 * principals carrying it, so a role of the account allowed `sts:AssumeRole` on everything still cannot read sources.
 */
export const SOURCE_READER_TAG = 'tributary-source-reader';

export interface SourceReaderProps {
  readonly access: SourceAccess;
  /** The platform's own buckets: denied to the reader whatever the deployment names, and refused by the functions. */
  readonly platformBuckets: readonly IBucket[];
  /** The stateful stack: its id is the deployment's id, half of every ExternalId. */
  readonly deploymentStack: Stack;
}

/**
 * The one identity S3 sources are read as. The functions that read sources (the dataflow worker, the dataflows API)
 * cannot read them with their own roles: they assume this role for a sandbox with a session policy of the sandbox's
 * grant, and cross-account roles only from that session, with the sandbox's ExternalId. Its own policy is the
 * deployment's bound: the source buckets and role prefix named at deployment, and an explicit deny on the
 * platform's buckets.
 */
export class SourceReader extends Construct {
  readonly role: Role;
  private readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: SourceReaderProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { partition } = stack;
    const buckets = props.access.bucketNames ?? [];
    const prefix = props.access.roleNamePrefix ?? DEFAULT_SOURCE_ROLE_PREFIX;
    this.role = new Role(this, 'Role', {
      assumedBy: new AccountPrincipal(stack.account).withConditions({
        StringEquals: { [`aws:PrincipalTag/${SOURCE_READER_TAG}`]: 'true' },
      }),
      description:
        "Reads a sandbox's S3 sources under a session policy of its grant; assumes cross-account source roles",
    });
    if (buckets.length > 0) {
      this.role.addToPolicy(
        new PolicyStatement({
          actions: ['s3:ListBucket', 's3:GetBucketLocation'],
          resources: buckets.map((name) => `arn:${partition}:s3:::${name}`),
        }),
      );
      this.role.addToPolicy(
        new PolicyStatement({
          actions: ['s3:GetObject'],
          resources: buckets.map((name) => `arn:${partition}:s3:::${name}/*`),
        }),
      );
    }
    const roles = `arn:${partition}:iam::*:role/${prefix}`;
    this.role.addToPolicy(new PolicyStatement({ actions: ['sts:AssumeRole'], resources: [`${roles}*`] }));
    const assets = cdkAssetsBucketName(stack);
    const platformBucketArns = [
      ...props.platformBuckets.map((bucket) => bucket.bucketArn),
      ...(assets !== undefined ? [`arn:${partition}:s3:::${assets}`] : []),
    ];
    this.role.addToPolicy(
      new PolicyStatement({
        effect: Effect.DENY,
        actions: ['s3:*'],
        resources: platformBucketArns.flatMap((arn) => [arn, `${arn}/*`]),
      }),
    );
    acknowledgeGrantWildcards(this.role, {
      resources: [
        ...buckets.map((name) => ({ arn: `arn:${partition}:s3:::${name}`, suffix: '/*' })),
        { arn: roles, suffix: '*' },
      ],
      reason:
        'S3 dataflows read the objects of the source buckets named at deployment (any key: the session policy of ' +
        "the sandbox's grant narrows it to the sandbox's folders) and assume only roles under the source-role name " +
        'prefix, which the bucket owner creates and trusts with the sandbox ExternalId.',
    });

    const deploymentId = Fn.select(2, Fn.split('/', props.deploymentStack.stackId));
    this.environment = {
      [ENV.sourceReaderRole]: this.role.roleArn,
      [ENV.sourceBucketNames]: buckets.join(','),
      [ENV.sourceRoleNamePrefix]: prefix,
      [ENV.platformBucketNames]: Fn.join(',', [
        ...props.platformBuckets.map((bucket) => bucket.bucketName),
        ...(assets !== undefined ? [assets] : []),
      ]),
      [ENV.deploymentId]: deploymentId,
    };
  }

  /** Names the deployment's bounds and the reader in `fn`'s environment: for a function that manages grants. */
  describeTo(fn: TributaryFunction): void {
    for (const [name, value] of Object.entries(this.environment)) fn.addEnvironment(name, value);
  }

  /** Lets `fn` read sources: it may assume the reader (and nothing else reads for it). */
  grantReading(fn: TributaryFunction): void {
    this.describeTo(fn);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sts:AssumeRole'], resources: [this.role.roleArn] }));
    Tags.of(fn.executionRole).add(SOURCE_READER_TAG, 'true');
  }
}

/**
 * The CDK bootstrap bucket the deployment's assets are uploaded to, under the default synthesizer (a custom
 * synthesizer's bucket is unknown here). `${AWS::AccountId}` and `${AWS::Region}` are resolved by CloudFormation.
 */
function cdkAssetsBucketName(stack: Stack): string | undefined {
  if (!(stack.synthesizer instanceof DefaultStackSynthesizer)) return undefined;
  const qualifier =
    (stack.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined) ??
    DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  return Fn.sub(DefaultStackSynthesizer.DEFAULT_FILE_ASSETS_BUCKET_NAME.replace('${Qualifier}', qualifier));
}
