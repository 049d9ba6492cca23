/**
 * The identity policies of each function's role, read from the template as IAM would attach them: AWS::IAM::Policy
 * and AWS::IAM::ManagedPolicy resources naming the role, the role's inline Policies and its ManagedPolicyArns.
 * Policy documents are resolved (intrinsics → local ARNs) by the runtime's template resolver.
 */
import type { LocalFunction } from '../lambda/local-function';
import { resourcesOfType } from '../template/cloudformation';
import { TemplateError, type TemplateResolver } from '../template/intrinsics';
import { functionCredentials } from './function-credentials';
import { assertSupportedCondition, type Condition, type PolicyStatement } from './policy-evaluator';

/**
 * AWS managed policies that grant only what no local endpoint serves (CloudWatch Logs, X-Ray): attached, they add
 * nothing to evaluate locally. Any other AWS managed policy is refused, as its content is not known here.
 */
const LOCALLY_IRRELEVANT_MANAGED_POLICIES = new Set([
  'service-role/AWSLambdaBasicExecutionRole',
  'AWSXRayDaemonWriteAccess',
  'service-role/AWSLambdaVPCAccessExecutionRole',
]);

export interface FunctionRole {
  readonly functionName: string;
  readonly functionLogicalId: string;
  readonly roleArn: string;
  /** The secret of the function's access key, for the endpoints that check signatures. */
  readonly secretAccessKey: string;
  readonly statements: readonly PolicyStatement[];
}

const list = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map((item) => String(item));

function statementOf(raw: unknown, where: string): PolicyStatement {
  const statement = raw as Record<string, unknown>;
  const effect = statement['Effect'];
  if (effect !== 'Allow' && effect !== 'Deny')
    throw new TemplateError(`${where}: a statement's Effect is ${String(effect)}`);
  if ('Principal' in statement || 'NotPrincipal' in statement)
    throw new TemplateError(`${where}: an identity policy statement names a principal`);
  const condition = statement['Condition'] as Record<string, Record<string, unknown>> | undefined;
  const normalized: Condition | undefined = condition
    ? Object.fromEntries(
        Object.entries(condition).map(([operator, keys]) => [
          operator,
          Object.fromEntries(Object.entries(keys).map(([key, value]) => [key, list(value) ?? []])),
        ]),
      )
    : undefined;
  if (normalized) assertSupportedCondition(normalized);
  const actions = list(statement['Action']);
  const notActions = list(statement['NotAction']);
  const resources = list(statement['Resource']);
  const notResources = list(statement['NotResource']);
  if (!actions === !notActions || !resources === !notResources)
    throw new TemplateError(
      `${where}: a statement needs exactly one of Action/NotAction and of Resource/NotResource`,
    );
  return {
    effect,
    ...(actions ? { actions } : { notActions: notActions ?? [] }),
    ...(resources ? { resources } : { notResources: notResources ?? [] }),
    ...(normalized ? { condition: normalized } : {}),
  };
}

function documentStatements(resolver: TemplateResolver, stackName: string, document: unknown, where: string) {
  const resolved = resolver.resolve(stackName, document) as { Statement?: unknown } | undefined;
  const statements = resolved?.Statement;
  return (Array.isArray(statements) ? statements : statements ? [statements] : []).map((statement) =>
    statementOf(statement, where),
  );
}

/** The role of each function that has one, keyed by the access key id its credentials carry. */
export function readFunctionRoles(
  resolver: TemplateResolver,
  functions: readonly LocalFunction[],
): Map<string, FunctionRole> {
  const roles = resourcesOfType(resolver.stacks, 'AWS::IAM::Role').map((ref) => ({
    ...ref,
    arn: String(resolver.getAtt(ref.stackName, ref.logicalId, 'Arn')),
    name: resolver.physicalName(ref.stackName, ref.logicalId),
  }));
  const attachedPolicies = [
    ...resourcesOfType(resolver.stacks, 'AWS::IAM::Policy'),
    ...resourcesOfType(resolver.stacks, 'AWS::IAM::ManagedPolicy'),
  ].map((ref) => ({
    ...ref,
    roleNames: new Set(list(resolver.resolve(ref.stackName, ref.resource.Properties?.['Roles'])) ?? []),
    arn:
      ref.resource.Type === 'AWS::IAM::ManagedPolicy'
        ? String(resolver.resolve(ref.stackName, { Ref: ref.logicalId }))
        : undefined,
  }));
  const byAccessKey = new Map<string, FunctionRole>();
  for (const fn of functions) {
    const roleArn = resolver.resolve(
      fn.stackName,
      resolver.resource(fn.stackName, fn.logicalId).Properties?.['Role'],
    );
    const role = roles.find((candidate) => candidate.arn === roleArn);
    if (!role)
      throw new TemplateError(
        `${fn.stackName}/${fn.logicalId}: its role ${String(roleArn)} is not in the template`,
      );
    const where = `${role.stackName}/${role.logicalId}`;
    const properties = role.resource.Properties ?? {};
    const inline = ((properties['Policies'] ?? []) as { PolicyDocument?: unknown }[]).flatMap((policy) =>
      documentStatements(resolver, role.stackName, policy.PolicyDocument, where),
    );
    const managed = (list(resolver.resolve(role.stackName, properties['ManagedPolicyArns'])) ?? []).flatMap(
      (arn) => {
        const awsManaged = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
        if (awsManaged !== undefined) {
          if (LOCALLY_IRRELEVANT_MANAGED_POLICIES.has(awsManaged)) return [];
          throw new TemplateError(`${where}: the AWS managed policy ${awsManaged} is not evaluated locally`);
        }
        const policy = attachedPolicies.find((candidate) => candidate.arn === arn);
        if (!policy) throw new TemplateError(`${where}: the managed policy ${arn} is not in the template`);
        return documentStatements(
          resolver,
          policy.stackName,
          policy.resource.Properties?.['PolicyDocument'],
          arn,
        );
      },
    );
    const attached = attachedPolicies
      .filter((policy) => policy.roleNames.has(role.name))
      .flatMap((policy) =>
        documentStatements(
          resolver,
          policy.stackName,
          policy.resource.Properties?.['PolicyDocument'],
          `${policy.stackName}/${policy.logicalId}`,
        ),
      );
    const { accessKeyId, secretAccessKey } = functionCredentials(fn.stackName, fn.logicalId);
    byAccessKey.set(accessKeyId, {
      secretAccessKey,
      functionName: fn.name,
      functionLogicalId: fn.logicalId,
      roleArn: role.arn,
      statements: [...inline, ...managed, ...attached],
    });
  }
  return byAccessKey;
}
