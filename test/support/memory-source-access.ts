/**
 * Source access for unit tests: the real rules (core/connections/source-access.ts) over grants kept in memory,
 * within a deployment whose source buckets, platform buckets and reader role are named here.
 */
import {
  SourceAccessService,
  type DeploymentSourceBounds,
  type SandboxSourceAccess,
  type SourceAccessRules,
  type SourceAccessStore,
} from '../../lambdas/core/connections/source-access';

export const TEST_DEPLOYMENT_ID = '51af3dc0-da77-11e4-872e-1234567db123';
export const TEST_READER_ROLE = 'arn:aws:iam::444455556666:role/Tributary-Dataflows-SourceReaderRole';
/** The platform's buckets as a deployment names them: an attacker sees the landing one in every upload URL. */
export const PLATFORM_BUCKETS = {
  landing: 'tributary-storage-landingbucket23fe90fb-1x2y3z',
  lake: 'tributary-storage-lakebucket9cd7bbd2-4a5b6c',
  quarantine: 'tributary-storage-quarantinebucketfdbda180-7d8e9f',
  accessLogs: 'tributary-storage-accesslogsbucket83982689-0g1h2i',
} as const;

export const TEST_BOUNDS: DeploymentSourceBounds = {
  deploymentId: TEST_DEPLOYMENT_ID,
  platformBuckets: Object.values(PLATFORM_BUCKETS),
  // A careless deployment may even name a platform bucket: it is refused all the same.
  bucketNames: ['partner-drops', 'partner-exports', 'shared-drop', PLATFORM_BUCKETS.landing],
  roleNamePrefix: 'tributary-source-',
  readerRoleArn: TEST_READER_ROLE,
};

export class MemorySourceAccessStore implements SourceAccessStore {
  readonly grants = new Map<string, SandboxSourceAccess>();

  async get(sandbox: string): Promise<SandboxSourceAccess | undefined> {
    return this.grants.get(sandbox);
  }

  async put(access: SandboxSourceAccess): Promise<void> {
    this.grants.set(access.sandbox, access);
  }

  /** Grants a sandbox its rules directly, as the platform operator's PUT would have. */
  grant(sandbox: string, rules: SourceAccessRules): void {
    this.grants.set(sandbox, { sandbox, ...rules, updatedAt: '2024-01-01T00:00:00.000Z', updatedBy: 'test' });
  }
}

/** The service over grants given per sandbox; every sandbox exists. */
export function sourceAccessOf(
  grants: Readonly<Record<string, SourceAccessRules>> = {},
  bounds: DeploymentSourceBounds = TEST_BOUNDS,
): { service: SourceAccessService; store: MemorySourceAccessStore } {
  const store = new MemorySourceAccessStore();
  for (const [sandbox, rules] of Object.entries(grants)) store.grant(sandbox, rules);
  const service = new SourceAccessService({ store, bounds, sandboxExists: async () => true });
  return { service, store };
}
