/**
 * A role's trust policy, as STS reads it when a caller asks to assume the role: a statement applies when it allows
 * (or denies) `sts:AssumeRole` to a principal that is the caller — its role's ARN, its account (`<id>` or
 * `arn:…:iam::<id>:root`) or `*` — and its condition holds on the caller's context (`aws:PrincipalTag/…`,
 * `sts:ExternalId`, …). Trust granted to the account is only half of it: the caller's own policy must also allow
 * the assumption, as in IAM; trust naming the caller's role suffices alone.
 */
import { list, statementOf } from './policy-document';
import { evaluate, type AccessRequest, type PolicyStatement } from './policy-evaluator';

export interface TrustStatement {
  /** The statement without its principal, on resource `*`, for the evaluator. */
  readonly statement: PolicyStatement;
  /** Its `Principal.AWS` entries; empty for a service principal (no caller here is a service). */
  readonly principals: readonly string[];
}

export function trustStatementsOf(document: unknown, where: string): TrustStatement[] {
  const raw = (document as { Statement?: unknown } | undefined)?.Statement;
  return (Array.isArray(raw) ? raw : raw ? [raw] : []).map((entry) => {
    const { Principal: principal, ...rest } = entry as Record<string, unknown>;
    const aws = principal === '*' ? ['*'] : (list((principal as { AWS?: unknown } | undefined)?.AWS) ?? []);
    return { statement: statementOf({ ...rest, Resource: '*' }, where), principals: aws };
  });
}

export interface TrustCaller {
  readonly roleArn: string;
  readonly account: string;
}

/** `role`: the policy names the caller; `account`: it trusts the caller's account; `none`: it does not trust it. */
export type Trust = 'role' | 'account' | 'none';

export function trustOf(
  trust: readonly TrustStatement[],
  caller: TrustCaller,
  request: AccessRequest,
): Trust {
  const partition = caller.roleArn.split(':')[1] ?? 'aws';
  const kindOf = (principal: string): Trust =>
    principal === caller.roleArn
      ? 'role'
      : principal === '*' ||
          principal === caller.account ||
          principal === `arn:${partition}:iam::${caller.account}:root`
        ? 'account'
        : 'none';
  const applying = trust
    .map((entry) => ({ entry, kinds: entry.principals.map(kindOf).filter((kind) => kind !== 'none') }))
    .filter(
      ({ entry, kinds }) => kinds.length > 0 && evaluate([entry.statement], request) !== 'implicit-deny',
    );
  if (applying.some(({ entry }) => entry.statement.effect === 'Deny')) return 'none';
  const kinds = applying.flatMap(({ kinds }) => kinds);
  return kinds.includes('role') ? 'role' : kinds.includes('account') ? 'account' : 'none';
}
