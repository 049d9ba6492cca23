/**
 * The identity policies of each function's role, read from the template as IAM would attach them: AWS::IAM::Policy
 * and AWS::IAM::ManagedPolicy resources naming the role, the role's inline Policies and its ManagedPolicyArns.
 * Policy documents are resolved (intrinsics → local ARNs) by the runtime's template resolver.
 */
import type { LocalFunction } from '../lambda/local-function';
import { resourcesOfType } from '../template/cloudformation';
import { TemplateError, type TemplateResolver } from '../template/intrinsics';
import { functionCredentials } from './function-credentials';
import type { PolicyStatement } from './policy-evaluator';
import { list, policyDocumentStatements } from './policy-document';
import { trustStatementsOf, type TrustStatement } from './trust-policy';

/**
 * AWS managed policies that grant only what no local endpoint serves (CloudWatch Logs, X-Ray): attached, they add
 * nothing to evaluate locally. Any other AWS managed policy is refused, as its content is not known here.
 */
const LOCALLY_IRRELEVANT_MANAGED_POLICIES = new Set([
  'service-role/AWSLambdaBasicExecutionRole',
  'AWSXRayDaemonWriteAccess',
  'service-role/AWSLambdaVPCAccessExecutionRole',
  'service-role/AmazonAPIGatewayPushToCloudWatchLogs',
]);

export interface FunctionRole {
  readonly functionName: string;
  readonly functionLogicalId: string;
  /** The secret of the function's access key, for the endpoints that check signatures. */
  readonly secretAccessKey: string;
  readonly role: TemplateRole;
}

const documentStatements = (
  resolver: TemplateResolver,
  stackName: string,
  document: unknown,
  where: string,
) => policyDocumentStatements(resolver.resolve(stackName, document), where);

/** A role of the template: its identity policies, its trust policy and its tags (which trust conditions read). */
export interface TemplateRole {
  readonly arn: string;
  readonly name: string;
  readonly statements: readonly PolicyStatement[];
  readonly trust: readonly TrustStatement[];
  readonly tags: Readonly<Record<string, string>>;
}

/** Every role of the template, by ARN, with the policies IAM would attach to it. */
export function readRoles(resolver: TemplateResolver): Map<string, TemplateRole> {
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
  const roles = new Map<string, TemplateRole>();
  for (const { stackName, logicalId, resource } of resourcesOfType(resolver.stacks, 'AWS::IAM::Role')) {
    const arn = String(resolver.getAtt(stackName, logicalId, 'Arn'));
    const name = resolver.physicalName(stackName, logicalId);
    const where = `${stackName}/${logicalId}`;
    const properties = resource.Properties ?? {};
    const inline = ((properties['Policies'] ?? []) as { PolicyDocument?: unknown }[]).flatMap((policy) =>
      documentStatements(resolver, stackName, policy.PolicyDocument, where),
    );
    const managed = (list(resolver.resolve(stackName, properties['ManagedPolicyArns'])) ?? []).flatMap(
      (policyArn) => {
        const awsManaged = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(policyArn)?.[1];
        if (awsManaged !== undefined) {
          if (LOCALLY_IRRELEVANT_MANAGED_POLICIES.has(awsManaged)) return [];
          throw new TemplateError(`${where}: the AWS managed policy ${awsManaged} is not evaluated locally`);
        }
        const policy = attachedPolicies.find((candidate) => candidate.arn === policyArn);
        if (!policy)
          throw new TemplateError(`${where}: the managed policy ${policyArn} is not in the template`);
        return documentStatements(
          resolver,
          policy.stackName,
          policy.resource.Properties?.['PolicyDocument'],
          policyArn,
        );
      },
    );
    const attached = attachedPolicies
      .filter((policy) => policy.roleNames.has(name))
      .flatMap((policy) =>
        documentStatements(
          resolver,
          policy.stackName,
          policy.resource.Properties?.['PolicyDocument'],
          `${policy.stackName}/${policy.logicalId}`,
        ),
      );
    const tags = (resolver.resolve(stackName, properties['Tags']) ?? []) as { Key: string; Value: string }[];
    roles.set(arn, {
      arn,
      name,
      statements: [...inline, ...managed, ...attached],
      trust: trustStatementsOf(resolver.resolve(stackName, properties['AssumeRolePolicyDocument']), where),
      tags: Object.fromEntries(tags.map((tag) => [String(tag.Key), String(tag.Value)])),
    });
  }
  return roles;
}

/** The role of each function, keyed by the access key id its credentials carry. */
export function readFunctionRoles(
  roles: ReadonlyMap<string, TemplateRole>,
  resolver: TemplateResolver,
  functions: readonly LocalFunction[],
): Map<string, FunctionRole> {
  const byAccessKey = new Map<string, FunctionRole>();
  for (const fn of functions) {
    const roleArn = resolver.resolve(
      fn.stackName,
      resolver.resource(fn.stackName, fn.logicalId).Properties?.['Role'],
    );
    const role = roles.get(String(roleArn));
    if (!role)
      throw new TemplateError(
        `${fn.stackName}/${fn.logicalId}: its role ${String(roleArn)} is not in the template`,
      );
    const { accessKeyId, secretAccessKey } = functionCredentials(fn.stackName, fn.logicalId);
    byAccessKey.set(accessKeyId, {
      secretAccessKey,
      functionName: fn.name,
      functionLogicalId: fn.logicalId,
      role,
    });
  }
  return byAccessKey;
}
