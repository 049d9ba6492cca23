import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeTributary, type SynthesizedTributary } from './synthesized-app';

type Resources = Record<
  string,
  { Type: string; DeletionPolicy?: string; Properties?: { LoggingConfig?: { LogGroup?: unknown } } }
>;

describe('log groups on teardown', () => {
  let tributary: SynthesizedTributary;
  let stacks: [string, Resources][];

  beforeAll(() => {
    tributary = synthesizeTributary({ nag: false });
    const { storage, api, streaming, batch, dataflows } = tributary;
    stacks = [storage, api, streaming, batch, dataflows].map((stack) => [
      stack.stackName,
      Template.fromStack(stack).toJSON()['Resources'] as Resources,
    ]);
  });
  afterAll(() => tributary.dispose());

  it('cdk destroy deletes every log group the app made', () => {
    // Assess
    const retained = stacks.flatMap(([stackName, resources]) =>
      Object.entries(resources)
        .filter(
          ([, resource]) => resource.Type === 'AWS::Logs::LogGroup' && resource.DeletionPolicy !== 'Delete',
        )
        .map(([logicalId]) => `${stackName}/${logicalId}`),
    );
    expect(stacks.some(([, r]) => Object.values(r).some((x) => x.Type === 'AWS::Logs::LogGroup'))).toBe(true);
    expect(retained).toEqual([]);
  });

  it('no function logs to a group Lambda would create outside the stacks (and cdk destroy would leave)', () => {
    // Assess
    const unowned = stacks.flatMap(([stackName, resources]) =>
      Object.entries(resources)
        .filter(
          ([, resource]) =>
            resource.Type === 'AWS::Lambda::Function' &&
            resource.Properties?.LoggingConfig?.LogGroup === undefined,
        )
        .map(([logicalId]) => `${stackName}/${logicalId}`),
    );
    expect(unowned).toEqual([]);
  });
});
