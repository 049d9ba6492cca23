import type { App } from 'aws-cdk-lib';
import { CfnResource, Stack, TagManager } from 'aws-cdk-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/env-names';
import { COMPONENT_TAG, STAGE_TAG, UNSTAGED_TAG_VALUE } from '../../lib/deployment-stage';
import { synthesizeTributary, type SynthesizedTributary } from './synthesized-app';

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/**
 * Literal name properties whose names are scoped inside another resource or are not unique in AWS at all: they may
 * repeat between deployments. Every other literal `…Name` property names something an account holds once.
 */
const NAMES_SCOPED_ELSEWHERE: ReadonlySet<string> = new Set([
  'AWS::IAM::Policy PolicyName', // an inline policy of one role
  'AWS::ApiGateway::Stage StageName', // a stage of one REST API
  'AWS::ApiGateway::Authorizer Name', // an authorizer of one REST API
  'AWS::ApiGateway::RestApi Name', // a label: REST APIs are told apart by their generated ids
  'AWS::CloudWatch::Alarm MetricName', // the metric watched, not a name of the alarm
]);

const stacksOf = (tributary: SynthesizedTributary): Stack[] =>
  tributary.app.node.findAll().filter((construct): construct is Stack => Stack.isStack(construct));

/** The resources of `stack`'s template, from the app's one synthesis (the CDK caches the assembly). */
const resourcesOf = (stack: Stack): Record<string, Resource> =>
  (
    (stack.node.root as App).synth().getStackByName(stack.stackName).template as {
      Resources: Record<string, Resource>;
    }
  ).Resources;

/** Tags as CloudFormation receives them: a list of `{ Key, Value }` or, for some types, a map. */
function renderedTags(value: unknown): Record<string, unknown> {
  if (Array.isArray(value))
    return Object.fromEntries(
      (value as Array<{ Key: string; Value: unknown }>).map((tag) => [tag.Key, tag.Value]),
    );
  return (value ?? {}) as Record<string, unknown>;
}

/** The names a deployment holds once per account and region: stacks, literal resource names, secret prefixes. */
function accountScopedNames(deployment: SynthesizedTributary): { names: string[]; secretPrefixes: string[] } {
  const names: string[] = [];
  const secretPrefixes = new Set<string>();
  for (const stack of stacksOf(deployment)) {
    names.push(stack.stackName);
    for (const resource of Object.values(resourcesOf(stack))) {
      for (const [property, value] of Object.entries(resource.Properties ?? {})) {
        const scoped = NAMES_SCOPED_ELSEWHERE.has(`${resource.Type} ${property}`);
        if (property.endsWith('Name') && typeof value === 'string' && !scoped) names.push(value);
      }
      const variables = (resource.Properties?.['Environment'] as { Variables?: Record<string, unknown> })
        ?.Variables;
      const prefix = variables?.[ENV.connectionSecretPrefix];
      if (typeof prefix === 'string') secretPrefixes.add(prefix);
    }
  }
  return { names, secretPrefixes: [...secretPrefixes] };
}

describe('deployment stages', () => {
  let disposables: SynthesizedTributary[] = [];
  afterEach(() => {
    for (const disposable of disposables) disposable.dispose();
    disposables = [];
  });
  const synthesized = (context: Record<string, unknown>): SynthesizedTributary => {
    const deployment = synthesizeTributary({ nag: false, context });
    disposables.push(deployment);
    return deployment;
  };

  it('-c stage=test names every stack Tributary-test-*', () => {
    // Act
    const deployment = synthesized({ stage: 'test' });

    // Assess
    expect(
      stacksOf(deployment)
        .map((stack) => stack.stackName)
        .sort(),
    ).toEqual([
      'Tributary-test-Api',
      'Tributary-test-Batch',
      'Tributary-test-Dataflows',
      'Tributary-test-Monitoring',
      'Tributary-test-Storage',
      'Tributary-test-Streaming',
    ]);
  });

  it('without a stage the stacks keep the names of a single deployment', () => {
    // Act
    const deployment = synthesized({});

    // Assess
    expect(
      stacksOf(deployment)
        .map((stack) => stack.stackName)
        .sort(),
    ).toEqual([
      'Tributary-Api',
      'Tributary-Batch',
      'Tributary-Dataflows',
      'Tributary-Monitoring',
      'Tributary-Storage',
      'Tributary-Streaming',
    ]);
  });

  it('-c stage=test tags every taggable resource with tributary:stage and its tributary:component', () => {
    // Prepare
    const deployment = synthesized({ stage: 'test' });
    const components = new Map<Stack, string>([
      [deployment.storage, 'storage'],
      [deployment.api, 'api'],
      [deployment.streaming, 'streaming'],
      [deployment.batch, 'batch'],
      [deployment.dataflows, 'dataflows'],
      [deployment.monitoring, 'monitoring'],
    ]);

    // Act
    const untagged: string[] = [];
    let taggable = 0;
    for (const [stack, component] of components) {
      const resources = resourcesOf(stack);
      for (const construct of stack.node.findAll()) {
        if (!(construct instanceof CfnResource) || !TagManager.isTaggable(construct)) continue;
        if (Stack.of(construct) !== stack) continue;
        taggable += 1;
        const logicalId = stack.getLogicalId(construct);
        // The L1 property (`tags`, `tagsRaw`…) renders as its capitalised CloudFormation name.
        const name = construct.tags.tagPropertyName.replace(/^./, (first) => first.toUpperCase());
        const tags = renderedTags(resources[logicalId]?.Properties?.[name.replace(/Raw$/, '')]);
        if (tags[STAGE_TAG] !== 'test' || tags[COMPONENT_TAG] !== component)
          untagged.push(`${stack.stackName}/${logicalId} (${construct.cfnResourceType})`);
      }
    }

    // Assess
    expect(taggable).toBeGreaterThan(50);
    expect(untagged).toEqual([]);
  });

  it('two stages and the unstaged deployment share no stack name, resource name or secret prefix in one account', () => {
    // Prepare
    const deployments = [
      synthesized({}),
      synthesized({ stage: 'blue' }),
      // A stage named like a part of the unstaged names must not fall under them either.
      synthesized({ stage: 'connections' }),
    ];

    // Act
    const named = deployments.map(accountScopedNames);

    // Assess
    const allNames = named.flatMap(({ names }) => names);
    expect(allNames.length).toBeGreaterThan(named.length * 5);
    expect(allNames.filter((name, index) => allNames.indexOf(name) !== index)).toEqual([]);
    const prefixes = named.flatMap(({ secretPrefixes }) => secretPrefixes);
    expect(prefixes).toHaveLength(3);
    for (const prefix of prefixes)
      expect(prefixes.filter((other) => other.startsWith(prefix))).toEqual([prefix]);
  });

  it(`refuses a stage that is not a short lower-case word, or is "${UNSTAGED_TAG_VALUE}"`, () => {
    for (const stage of ['Prod', 'dev_1', '-dev', 'a-very-long-stage-name', UNSTAGED_TAG_VALUE])
      expect(() => synthesized({ stage }), stage).toThrow(/context stage/);
  });
});
