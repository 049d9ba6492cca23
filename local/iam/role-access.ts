/**
 * Which calls each caller's role allows. A caller is a function (its own access key, its role) or a role session
 * that STS handed out (AssumeRole): a session is held to its role's policies and to the session policy it was given,
 * both of which must allow. Any other key is the runtime's own (provisioning, seeding, tests), which AWS would grant
 * as the account's administrator, so it is not restricted. A refusal is logged with the missing permission.
 */
import { randomBytes } from 'node:crypto';
import type { RuntimeLog } from '../runtime-log';
import { evaluate, type AccessRequest, type Decision, type PolicyStatement } from './policy-evaluator';
import type { FunctionRole, TemplateRole } from './role-policies';
import { trustOf } from './trust-policy';

/** Who signs with a key: a function, or a session of a role assumed through STS. */
export interface Caller {
  readonly role: TemplateRole;
  /** The session name in the caller's ARN: the function's name, or the RoleSessionName. */
  readonly sessionName: string;
  /** How the log names the caller: `function <logical id> (<name>)` or `session <name> of role <role>`. */
  readonly description: string;
  readonly secretAccessKey: string;
  /** A session's policy, which narrows the role's. */
  readonly sessionPolicy?: readonly PolicyStatement[];
  /** Epoch ms after which a session's key is refused. */
  readonly expiresAt?: number;
}

export interface Denial {
  readonly caller: Caller;
  readonly request: AccessRequest;
  readonly decision: Exclude<Decision, 'allow'>;
  /** AWS's wording of the refusal. */
  readonly message: string;
}

export interface AssumeRoleRequest {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly durationSeconds: number;
  readonly sessionPolicy?: readonly PolicyStatement[];
  readonly externalId?: string;
}

export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiresAt: number;
  /** `arn:…:sts::<account>:assumed-role/<role name>/<session name>` */
  readonly assumedRoleArn: string;
}

const accountOf = (arn: string): string => arn.split(':')[4] ?? '';

/** AWS's prefix of temporary (session) access key ids, and their length. */
const SESSION_KEY_PREFIX = 'ASIA';
const ACCESS_KEY_ID_LENGTH = 20;
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function sessionKeyId(): string {
  const bytes = randomBytes(ACCESS_KEY_ID_LENGTH - SESSION_KEY_PREFIX.length);
  return SESSION_KEY_PREFIX + [...bytes].map((byte) => KEY_ALPHABET[byte % KEY_ALPHABET.length]).join('');
}

export class AccessDeniedError extends Error {
  override readonly name = 'AccessDenied';
}

export class RoleAccess {
  private readonly callers = new Map<string, Caller>();
  private readonly keyListeners: ((accessKeyId: string, secretAccessKey: string) => void)[] = [];

  constructor(
    functionRoles: ReadonlyMap<string, FunctionRole>,
    private readonly roles: ReadonlyMap<string, TemplateRole>,
    private readonly log: RuntimeLog,
    private readonly now: () => number = Date.now,
  ) {
    for (const [accessKeyId, fn] of functionRoles)
      this.callers.set(accessKeyId, {
        role: fn.role,
        sessionName: fn.functionName,
        description: `function ${fn.functionLogicalId} (${fn.functionName})`,
        secretAccessKey: fn.secretAccessKey,
      });
  }

  /** Every caller's access key id and secret, for the endpoints that check signatures. */
  secrets(): Map<string, string> {
    return new Map([...this.callers].map(([accessKeyId, caller]) => [accessKeyId, caller.secretAccessKey]));
  }

  /** The secret of one key (a session's included), or undefined for a key no caller holds. */
  secretOf(accessKeyId: string): string | undefined {
    return this.callers.get(accessKeyId)?.secretAccessKey;
  }

  /** Called with each key handed out after start-up (role sessions), so signature checkers learn it. */
  onNewKey(listener: (accessKeyId: string, secretAccessKey: string) => void): void {
    this.keyListeners.push(listener);
  }

  /** The first of the call's requests the caller's role does not allow, or undefined when all are allowed. */
  denial(accessKeyId: string | undefined, requests: readonly AccessRequest[]): Denial | undefined {
    const caller = accessKeyId === undefined ? undefined : this.callers.get(accessKeyId);
    if (!caller) return undefined;
    for (const request of requests) {
      const decision = this.decide(caller, request);
      if (decision === 'allow') continue;
      return this.refuse(caller, request, decision);
    }
    return undefined;
  }

  /**
   * STS AssumeRole: the role must be the template's, its trust policy must trust the caller (and, where it trusts
   * the caller's account rather than its role, the caller's own policy must allow `sts:AssumeRole` on it), and its
   * conditions hold on the caller's tags and the ExternalId. Throws AccessDeniedError in AWS's words otherwise.
   */
  assumeRole(accessKeyId: string | undefined, request: AssumeRoleRequest): SessionCredentials {
    const caller = accessKeyId === undefined ? undefined : this.callers.get(accessKeyId);
    const target = this.roles.get(request.roleArn);
    const access: AccessRequest = {
      action: 'sts:AssumeRole',
      resource: request.roleArn,
      context: {
        ...(caller
          ? Object.fromEntries(
              Object.entries(caller.role.tags).map(([key, value]) => [`aws:PrincipalTag/${key}`, value]),
            )
          : {}),
        ...(caller ? { 'aws:PrincipalArn': caller.role.arn } : {}),
        ...(request.externalId === undefined ? {} : { 'sts:ExternalId': request.externalId }),
      },
    };
    if (caller) {
      const trust = target
        ? trustOf(target.trust, { roleArn: caller.role.arn, account: accountOf(caller.role.arn) }, access)
        : 'none';
      const allowed = trust === 'role' || (trust === 'account' && this.decide(caller, access) === 'allow');
      if (!allowed) throw new AccessDeniedError(this.refuse(caller, access, 'implicit-deny').message);
    }
    if (!target) throw new AccessDeniedError(`the role ${request.roleArn} does not exist in this deployment`);
    const sessionKey = sessionKeyId();
    const secretAccessKey = randomBytes(30).toString('base64');
    const expiresAt = this.now() + request.durationSeconds * 1000;
    this.callers.set(sessionKey, {
      role: target,
      sessionName: request.sessionName,
      description: `session ${request.sessionName} of role ${target.name}${caller ? ` (assumed by ${caller.description})` : ''}`,
      secretAccessKey,
      ...(request.sessionPolicy ? { sessionPolicy: request.sessionPolicy } : {}),
      expiresAt,
    });
    for (const listener of this.keyListeners) listener(sessionKey, secretAccessKey);
    return {
      accessKeyId: sessionKey,
      secretAccessKey,
      sessionToken: randomBytes(48).toString('base64'),
      expiresAt,
      assumedRoleArn: `arn:${target.arn.split(':')[1]}:sts::${accountOf(target.arn)}:assumed-role/${target.name}/${request.sessionName}`,
    };
  }

  private decide(caller: Caller, request: AccessRequest): Decision {
    if (caller.expiresAt !== undefined && this.now() >= caller.expiresAt) return 'implicit-deny';
    const byRole = evaluate(caller.role.statements, request);
    if (byRole !== 'allow' || !caller.sessionPolicy) return byRole;
    return evaluate(caller.sessionPolicy, request);
  }

  private refuse(caller: Caller, request: AccessRequest, decision: Exclude<Decision, 'allow'>): Denial {
    const expired = caller.expiresAt !== undefined && this.now() >= caller.expiresAt;
    const why = expired
      ? 'because the session has expired'
      : decision === 'explicit-deny'
        ? 'with an explicit deny in an identity-based policy'
        : caller.sessionPolicy
          ? `because no identity-based or session policy allows the ${request.action} action`
          : `because no identity-based policy allows the ${request.action} action`;
    const principal = `arn:${caller.role.arn.split(':')[1]}:sts::${accountOf(caller.role.arn)}:assumed-role/${caller.role.name}/${caller.sessionName}`;
    const message = `User: ${principal} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`;
    this.log.error(
      `access denied: ${caller.description} called ${request.action} on ${request.resource}: missing permission ${request.action} on ${request.resource} in its role ${caller.role.name}${caller.sessionPolicy ? ' or its session policy' : ''}`,
    );
    return { caller, request, decision, message };
  }
}
