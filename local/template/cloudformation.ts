/** The parts of a synthesized CloudFormation template that the local runtime reads. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly Condition?: string;
}

export interface CfnOutput {
  readonly Value: unknown;
  readonly Export?: { readonly Name: unknown };
}

export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, CfnOutput>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  readonly Parameters?: Record<string, { readonly Default?: unknown }>;
}

export interface StackTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
}

/** A resource together with the stack it was declared in (logical ids are unique only within a stack). */
export interface ResourceRef {
  readonly stackName: string;
  readonly logicalId: string;
  readonly resource: CfnResource;
}

/** The fake account the local runtime pretends to be in: ARNs are well formed, and obviously not real. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_PARTITION = 'aws';
export const LOCAL_URL_SUFFIX = 'amazonaws.com';

export function resourcesOfType(stacks: readonly StackTemplate[], type: string): ResourceRef[] {
  return stacks.flatMap(({ stackName, template }) =>
    Object.entries(template.Resources ?? {})
      .filter(([, resource]) => resource.Type === type)
      .map(([logicalId, resource]) => ({ stackName, logicalId, resource })),
  );
}

/** A resolved template value as text: strings, numbers and booleans as they are, anything else the fallback. */
export function asText(value: unknown, fallback = ''): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fallback;
}
