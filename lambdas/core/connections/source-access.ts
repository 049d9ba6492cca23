/**
 * Which S3 sources a sandbox may read, and as whom. A connection names its bucket (and perhaps a role), so without
 * this any sandbox could point one at the platform's own buckets or at another sandbox's source. Three bounds:
 *
 * - the platform's own buckets (landing, lake, quarantine, access logs, CDK assets) are never a source;
 * - the deployment names the buckets of this account sources may be read from and the name prefix of the roles
 *   that may be assumed (`tributary:sources`), the outer bound, which the source-reader role's own policy holds;
 * - within it, the platform operator grants each sandbox its locations (a bucket, or a folder of one) and its
 *   cross-account roles (`PUT /sandboxes/{name}/source-access`). A sandbox with no grant reads nothing.
 *
 * A connection is checked when created or changed, and again whenever it is read (test, explore, every pull slice
 * of a run), so a grant taken back stops the reads at once. A cross-account role is assumed with an ExternalId
 * derived from the deployment and the sandbox (AWS's guard against the confused deputy): the role's owner trusts
 * that one id, so another sandbox naming the same role cannot assume it.
 */
import { invalid, notFound, type Violation } from '../errors/domain-error';
import { SourceError, type S3SourceParams } from './connection-types';
import { folderOf } from './s3-source-selection';
import { MAX_SESSION_POLICY_CHARS, sessionPolicyOf } from './source-session-policy';

/** A bucket of this account a sandbox may read: all of it, or only below the folder `prefix`. */
export interface SourceLocation {
  readonly bucket: string;
  readonly prefix?: string;
}

/** What a sandbox's connections may reach. */
export interface SourceAccessRules {
  readonly locations: readonly SourceLocation[];
  /** Roles (of other accounts) the sandbox's connections may name as `roleArn`. */
  readonly roleArns: readonly string[];
}

/** A sandbox's grant as stored. */
export interface SandboxSourceAccess extends SourceAccessRules {
  readonly sandbox: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

export interface SourceAccessStore {
  get(sandbox: string): Promise<SandboxSourceAccess | undefined>;
  /** Replaces the sandbox's grant. */
  put(access: SandboxSourceAccess): Promise<void>;
}

/** The deployment's side, from the function's environment. */
export interface DeploymentSourceBounds {
  /** Stable for the life of the deployment and distinct between deployments: half of every ExternalId. */
  readonly deploymentId: string;
  /** The platform's own buckets, which no connection may read. */
  readonly platformBuckets: readonly string[];
  /** The buckets of this account sources may be read from at all. */
  readonly bucketNames: readonly string[];
  /** The name prefix of the roles connections may assume. */
  readonly roleNamePrefix: string;
  /** The role sources are read as, and which assumes the cross-account roles: the principal their owners trust. */
  readonly readerRoleArn: string;
}

/** How one S3 source may be read: as the sandbox, limited to its rules, perhaps through a cross-account role. */
export interface S3SourceGrant {
  readonly sandbox: string;
  /** The session's limits: the sandbox's rules within the deployment's bounds. */
  readonly rules: SourceAccessRules;
  /** The ARN partition the rules' resources are in (`aws`, `aws-cn`, …). */
  readonly partition: string;
  readonly region?: string;
  /** A cross-account read: the role to assume from the sandbox's session, with the sandbox's ExternalId. */
  readonly role?: { readonly arn: string; readonly externalId: string };
}

/** What reading a source needs: the grant for a connection's params, or a refusal. */
export interface SourceAccessGuard {
  grantFor(sandbox: string, params: S3SourceParams): Promise<S3SourceGrant>;
}

/** A sandbox's source access as answered: its grant, and what a cross-account role's trust policy must name. */
export interface SourceAccessView extends SourceAccessRules {
  readonly sandbox: string;
  /** The ExternalId every AssumeRole for this sandbox sends (`sts:ExternalId` in the role's trust policy). */
  readonly externalId: string;
  /** The principal that assumes the roles (`Principal.AWS` in the role's trust policy). */
  readonly readerRoleArn: string;
  readonly updatedAt?: string;
  readonly updatedBy?: string;
}

/** Which field of a connection's params a refusal is about. */
export type RefusedField = 'bucket' | 'prefix' | 'roleArn';

/**
 * A source the sandbox may not read. A SourceError that no retry helps: a test answers it as `failed`, a run fails
 * on it without retrying.
 */
export class SourceAccessRefused extends SourceError {
  constructor(
    code: 'platform-bucket' | 'bucket-not-allowed' | 'prefix-not-allowed' | 'role-not-allowed',
    message: string,
    readonly field: RefusedField,
  ) {
    super(code, message, false);
  }
}

export const NO_SOURCE_ACCESS: SourceAccessRules = { locations: [], roleArns: [] };

/** `tributary:<deployment>:<sandbox>`: within STS's ExternalId characters (`[\w+=,.@:/-]`) for any sandbox name. */
export const externalIdOf = (deploymentId: string, sandbox: string): string =>
  `tributary:${deploymentId}:${sandbox}`;

/** The partition of an ARN (`arn:<partition>:…`). */
export const partitionOf = (arn: string): string => arn.split(':')[1] ?? 'aws';

export interface SourceAccessDeps {
  readonly store: SourceAccessStore;
  readonly bounds: DeploymentSourceBounds;
  /** Configuring or reading the grant of a sandbox that does not exist is `not-found`. */
  readonly sandboxExists: (sandbox: string) => Promise<boolean>;
  readonly now?: () => Date;
}

export class SourceAccessService implements SourceAccessGuard {
  private readonly now: () => Date;
  private readonly platformBuckets: ReadonlySet<string>;
  private readonly deploymentBuckets: ReadonlySet<string>;

  constructor(private readonly deps: SourceAccessDeps) {
    this.now = deps.now ?? (() => new Date());
    this.platformBuckets = new Set(deps.bounds.platformBuckets);
    this.deploymentBuckets = new Set(deps.bounds.bucketNames);
  }

  async view(sandbox: string): Promise<SourceAccessView> {
    await this.requireSandbox(sandbox);
    return this.viewOf(sandbox, await this.deps.store.get(sandbox));
  }

  /**
   * Replaces the sandbox's grant. Every location must be a bucket the deployment names (never a platform bucket),
   * every role within the deployment's role name prefix, and the whole must fit one session policy.
   */
  async configure(sandbox: string, rules: SourceAccessRules, updatedBy: string): Promise<SourceAccessView> {
    await this.requireSandbox(sandbox);
    const violations: Violation[] = [
      ...rules.locations.flatMap(({ bucket }, index): Violation[] => {
        const pointer = `/locations/${index}/bucket`;
        if (this.platformBuckets.has(bucket))
          return [{ pointer, keyword: 'allowed', message: "is one of the platform's own buckets" }];
        if (!this.deploymentBuckets.has(bucket))
          return [{ pointer, keyword: 'allowed', message: "is not among the deployment's source buckets" }];
        return [];
      }),
      ...rules.roleArns.flatMap((arn, index): Violation[] =>
        this.roleWithinDeployment(arn)
          ? []
          : [
              {
                pointer: `/roleArns/${index}`,
                keyword: 'allowed',
                message: `must name a role whose name starts with '${this.deps.bounds.roleNamePrefix}'`,
              },
            ],
      ),
    ];
    if (violations.length > 0) {
      throw invalid(
        'source-not-allowed',
        "the deployment does not allow every source named; see the deployment's tributary:sources",
        violations,
      );
    }
    const policy = sessionPolicyOf(rules, partitionOf(this.deps.bounds.readerRoleArn));
    if (policy.length > MAX_SESSION_POLICY_CHARS) {
      throw invalid(
        'source-access-too-large',
        `the locations and roles make a session policy of ${policy.length} characters, over STS's ` +
          `${MAX_SESSION_POLICY_CHARS}; grant fewer, or a bucket whole rather than many of its folders`,
      );
    }
    const access: SandboxSourceAccess = {
      sandbox,
      locations: rules.locations.map(({ bucket, prefix }) => ({
        bucket,
        ...(prefix !== undefined && prefix !== '' ? { prefix } : {}),
      })),
      roleArns: [...rules.roleArns],
      updatedAt: this.now().toISOString(),
      updatedBy,
    };
    await this.deps.store.put(access);
    return this.viewOf(sandbox, access);
  }

  /**
   * How the sandbox may read the source, or SourceAccessRefused naming the field. A platform bucket is refused
   * whatever else the params say; a `roleArn` must be one of the sandbox's roles; otherwise the bucket must be
   * one of the sandbox's locations and the connection's folder within one of its folders there. Messages name
   * only the sandbox's own grant, never whether another sandbox may read the bucket.
   */
  async grantFor(sandbox: string, params: S3SourceParams): Promise<S3SourceGrant> {
    const { bucket } = params;
    if (this.platformBuckets.has(bucket)) {
      throw new SourceAccessRefused(
        'platform-bucket',
        `bucket '${bucket}' is one of the platform's own buckets, which no connection may read`,
        'bucket',
      );
    }
    const rules = this.withinBounds((await this.deps.store.get(sandbox)) ?? NO_SOURCE_ACCESS);
    const grant = {
      sandbox,
      rules,
      partition: partitionOf(this.deps.bounds.readerRoleArn),
      ...(params.region !== undefined ? { region: params.region } : {}),
    };
    const howToGrant = `the platform operator grants a sandbox its sources (PUT /sandboxes/${sandbox}/source-access)`;
    if (params.roleArn !== undefined) {
      if (!rules.roleArns.includes(params.roleArn)) {
        throw new SourceAccessRefused(
          'role-not-allowed',
          `sandbox '${sandbox}' may not assume role ${params.roleArn}; ${howToGrant}`,
          'roleArn',
        );
      }
      const externalId = externalIdOf(this.deps.bounds.deploymentId, sandbox);
      return { ...grant, role: { arn: params.roleArn, externalId } };
    }
    const folders = rules.locations.filter((l) => l.bucket === bucket).map((l) => folderOf(l.prefix));
    if (folders.length === 0) {
      throw new SourceAccessRefused(
        'bucket-not-allowed',
        `sandbox '${sandbox}' may not read bucket '${bucket}'; ${howToGrant}`,
        'bucket',
      );
    }
    const folder = folderOf(params.prefix);
    if (!folders.some((allowed) => folder.startsWith(allowed))) {
      throw new SourceAccessRefused(
        'prefix-not-allowed',
        `sandbox '${sandbox}' may read bucket '${bucket}' only below ${folders.map((f) => `'${f}'`).join(', ')}`,
        'prefix',
      );
    }
    return grant;
  }

  /** The rules less what the deployment no longer allows (a bucket or role prefix dropped since the grant). */
  private withinBounds(rules: SourceAccessRules): SourceAccessRules {
    return {
      locations: rules.locations.filter(
        ({ bucket }) => this.deploymentBuckets.has(bucket) && !this.platformBuckets.has(bucket),
      ),
      roleArns: rules.roleArns.filter((arn) => this.roleWithinDeployment(arn)),
    };
  }

  /** As IAM matches `role/<prefix>*`: the role's path and name start with the prefix. */
  private roleWithinDeployment(arn: string): boolean {
    const name = arn.slice(arn.indexOf(':role/') + ':role/'.length);
    return arn.includes(':role/') && name.startsWith(this.deps.bounds.roleNamePrefix);
  }

  private viewOf(sandbox: string, access: SandboxSourceAccess | undefined): SourceAccessView {
    return {
      sandbox,
      locations: access?.locations ?? [],
      roleArns: access?.roleArns ?? [],
      externalId: externalIdOf(this.deps.bounds.deploymentId, sandbox),
      readerRoleArn: this.deps.bounds.readerRoleArn,
      ...(access ? { updatedAt: access.updatedAt, updatedBy: access.updatedBy } : {}),
    };
  }

  private async requireSandbox(sandbox: string): Promise<void> {
    if (!(await this.deps.sandboxExists(sandbox))) throw notFound('sandbox', sandbox);
  }
}
