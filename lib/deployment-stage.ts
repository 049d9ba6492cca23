import { Tags } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** `cdk deploy -c stage=dev`: the context key that names a deployment's stage. */
export const STAGE_CONTEXT = 'stage';

/**
 * A stage is a short lower-case word (letters, digits, inner hyphens): it goes into stack names, and through them
 * into every generated physical name (buckets take only lower case), whose length limits leave little room.
 */
export const STAGE_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/**
 * Generated physical names are cut at 63 or 64 characters (buckets, roles, functions) and begin with the stack name:
 * twelve characters of stage leave the component and most of the logical id readable in the console.
 */
export const MAX_STAGE_LENGTH = 12;

/** The `tributary:stage` tag of a deployment without a stage; refused as a stage name so the two never mix. */
export const UNSTAGED_TAG_VALUE = 'default';

/**
 * Connection secrets of a deployment without a stage live under this name prefix in Secrets Manager: the functions'
 * grants are confined to it, and an operator can tell Tributary's secrets from the account's others at a glance.
 */
export const CONNECTION_SECRET_PREFIX = 'tributary/connections/';

export const STAGE_TAG = 'tributary:stage';
export const COMPONENT_TAG = 'tributary:component';

/** The parts of the app, one stack each; the `tributary:component` tag names them in lower case. */
export type Component = 'Storage' | 'Api' | 'Streaming' | 'Batch' | 'Dataflows' | 'Monitoring';

/**
 * What a deployment's stage decides: stack names (and through them every physical name CloudFormation generates),
 * the names the app chooses itself, and its tags. Without a stage, the names of a single deployment per account.
 */
export interface DeploymentStage {
  /** The stage, or undefined for the unstaged deployment. */
  readonly stage: string | undefined;
  /**
   * The stage, or `default` without one: the `tributary:stage` tag and the Stage dimension of the custom metrics
   * (lambdas/config/metric-names.ts).
   */
  readonly label: string;
  /** `Tributary-<stage>-<component>`, or `Tributary-<component>` without a stage. */
  stackName(component: Component): string;
  /**
   * Where connection secrets are created at run time: `tributary-<stage>/connections/`, or `tributary/connections/`
   * without a stage. No prefix starts another, so no deployment's grant (prefix*) reaches another's secrets: under
   * `tributary/<stage>/…` a stage named `connections` would fall inside the unstaged deployment's prefix.
   */
  readonly connectionSecretPrefix: string;
}

/** The stage named by the `stage` context of `scope`'s app, checked. */
export function deploymentStageOf(scope: IConstruct): DeploymentStage {
  const value: unknown = scope.node.tryGetContext(STAGE_CONTEXT);
  return deploymentStage(value === undefined || value === '' ? undefined : checkedStage(value));
}

export function deploymentStage(stage: string | undefined): DeploymentStage {
  const infix = stage === undefined ? '' : `${stage}-`;
  return {
    stage,
    label: stage ?? UNSTAGED_TAG_VALUE,
    stackName: (component) => `Tributary-${infix}${component}`,
    connectionSecretPrefix:
      stage === undefined ? CONNECTION_SECRET_PREFIX : `tributary-${stage}/connections/`,
  };
}

/** Tags every taggable resource under `stack` with the deployment's stage and the stack's component. */
export function tagComponent(stack: IConstruct, stage: DeploymentStage, component: Component): void {
  Tags.of(stack).add(STAGE_TAG, stage.label);
  Tags.of(stack).add(COMPONENT_TAG, component.toLowerCase());
}

function checkedStage(value: unknown): string {
  const stage = String(value);
  if (!STAGE_PATTERN.test(stage) || stage.length > MAX_STAGE_LENGTH)
    throw new Error(
      `context ${STAGE_CONTEXT} must be 1 to ${MAX_STAGE_LENGTH} lower-case letters, digits and inner hyphens, ` +
        `starting with a letter (got ${JSON.stringify(stage)})`,
    );
  if (stage === UNSTAGED_TAG_VALUE)
    throw new Error(
      `context ${STAGE_CONTEXT} may not be "${UNSTAGED_TAG_VALUE}": that tags the deployment without a stage`,
    );
  return stage;
}
