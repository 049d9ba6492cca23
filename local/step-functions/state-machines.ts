/**
 * The template's state machines: the definition (DefinitionString, possibly an Fn::Join, or Definition) with its
 * DefinitionSubstitutions applied, exactly as Step Functions receives it at deploy time.
 */
import { resourcesOfType } from '../template/cloudformation';
import { TemplateError, type TemplateResolver } from '../template/intrinsics';

export interface LocalStateMachine {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly definition: Record<string, unknown>;
  readonly definitionText: string;
}

function substitute(text: string, substitutions: Readonly<Record<string, unknown>>): string {
  return text.replace(/\$\{([^}]+)\}/g, (match, key: string) =>
    key in substitutions ? String(substitutions[key]) : match,
  );
}

export function readStateMachines(resolver: TemplateResolver): LocalStateMachine[] {
  return resourcesOfType(resolver.stacks, 'AWS::StepFunctions::StateMachine').map(
    ({ stackName, logicalId, resource }) => {
      const properties = resource.Properties ?? {};
      const substitutions = (resolver.resolve(stackName, properties['DefinitionSubstitutions']) ??
        {}) as Record<string, unknown>;
      let text: string;
      if (properties['DefinitionString'] !== undefined) {
        text = resolver.resolveString(
          stackName,
          properties['DefinitionString'],
          `${logicalId}.DefinitionString`,
        );
      } else if (properties['Definition'] !== undefined) {
        text = JSON.stringify(resolver.resolve(stackName, properties['Definition']));
      } else {
        throw new TemplateError(
          `${stackName}/${logicalId}: only inline state machine definitions run locally`,
        );
      }
      const definitionText = substitute(text, substitutions);
      let definition: Record<string, unknown>;
      try {
        definition = JSON.parse(definitionText) as Record<string, unknown>;
      } catch (error) {
        throw new TemplateError(
          `${stackName}/${logicalId}: the definition is not JSON: ${(error as Error).message}`,
        );
      }
      return {
        logicalId,
        name: resolver.physicalName(stackName, logicalId),
        arn: resolver.getAtt(stackName, logicalId, 'Arn') as string,
        type:
          resolver.resolve(stackName, properties['StateMachineType']) === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
        definition,
        definitionText,
      };
    },
  );
}

export interface StateDefinition {
  readonly Type?: string;
  readonly Resource?: string;
  readonly Retry?: readonly { IntervalSeconds?: number }[];
  readonly Iterator?: { States?: Record<string, StateDefinition> };
  readonly ItemProcessor?: { States?: Record<string, StateDefinition> };
  readonly Branches?: readonly { States?: Record<string, StateDefinition> }[];
}

/** Every state of the definition, nested Map and Parallel states included, by name. */
export function allStates(definition: {
  States?: Record<string, StateDefinition>;
}): [string, StateDefinition][] {
  return Object.entries(definition.States ?? {}).flatMap(([name, state]) => [
    [name, state] as [string, StateDefinition],
    ...(state.Iterator ? allStates(state.Iterator) : []),
    ...(state.ItemProcessor ? allStates(state.ItemProcessor) : []),
    ...(state.Branches ?? []).flatMap((branch) => allStates(branch)),
  ]);
}
