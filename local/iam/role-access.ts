/**
 * Which calls each function's role allows: a call signed with a function's access key is checked against that
 * function's role; any other key is the runtime's own (provisioning, seeding, tests), which AWS would grant as the
 * account's administrator, so it is not restricted. A refusal is logged with the missing permission.
 */
import type { RuntimeLog } from '../runtime-log';
import { evaluate, type AccessRequest, type Decision } from './policy-evaluator';
import type { FunctionRole } from './role-policies';

export interface Denial {
  readonly role: FunctionRole;
  readonly request: AccessRequest;
  readonly decision: Exclude<Decision, 'allow'>;
  /** AWS's wording of the refusal. */
  readonly message: string;
}

export class RoleAccess {
  constructor(
    private readonly roles: ReadonlyMap<string, FunctionRole>,
    private readonly log: RuntimeLog,
  ) {}

  /** Each function's access key id and secret. */
  secrets(): Map<string, string> {
    return new Map([...this.roles].map(([accessKeyId, role]) => [accessKeyId, role.secretAccessKey]));
  }

  /** The first of the call's requests the caller's role does not allow, or undefined when all are allowed. */
  denial(accessKeyId: string | undefined, requests: readonly AccessRequest[]): Denial | undefined {
    const role = accessKeyId === undefined ? undefined : this.roles.get(accessKeyId);
    if (!role) return undefined;
    for (const request of requests) {
      const decision = evaluate(role.statements, request);
      if (decision === 'allow') continue;
      const roleName = role.roleArn.slice(role.roleArn.lastIndexOf('/') + 1);
      const account = role.roleArn.split(':')[4] ?? '';
      const why =
        decision === 'explicit-deny'
          ? 'with an explicit deny in an identity-based policy'
          : `because no identity-based policy allows the ${request.action} action`;
      const message = `User: arn:aws:sts::${account}:assumed-role/${roleName}/${role.functionName} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`;
      this.log.error(
        `access denied: function ${role.functionLogicalId} (${role.functionName}) called ${request.action} on ${request.resource}: missing permission ${request.action} on ${request.resource} in its role ${roleName}`,
      );
      return { role, request, decision, message };
    }
    return undefined;
  }
}
