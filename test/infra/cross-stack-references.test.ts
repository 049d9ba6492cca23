import { App } from 'aws-cdk-lib';
import { DEFAULT_CROSS_STACK_REFERENCES } from 'aws-cdk-lib/cx-api';
import { describe, expect, it } from 'vitest';
import { createTributaryApp } from '../../lib/tributary-app';

describe('cross-stack references', () => {
  it('a deployment asking for weak (Fn::GetStackOutput) cross-stack references is refused, not ignored', () => {
    // Prepare
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [], [DEFAULT_CROSS_STACK_REFERENCES]: 'weak' },
    });

    // Act
    const create = (): unknown => createTributaryApp({ app, nag: false });

    // Assess
    expect(create).toThrow(/defaultCrossStackReferences must be "strong"/);
  });
});
