/**
 * Builds the Tributary app the way the infrastructure tests need it: bundling and the built-in CloudFormation
 * validation skipped (an in-process synth takes about a second), output in a temporary folder inside the project.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { PROJECT_ROOT } from '../../lib/project-paths';
import { createTributaryApp, type TributaryApp } from '../../lib/tributary-app';

const TEST_OUTPUT_ROOT = path.join(PROJECT_ROOT, '.tmp');

export interface TestApp {
  readonly app: App;
  /** Removes the synthesized output. */
  readonly dispose: () => void;
}

/** `context` as `cdk synth -c key=value` would set it, e.g. `{ stage: 'test' }`. */
export function testApp(context: Readonly<Record<string, unknown>> = {}): TestApp {
  mkdirSync(TEST_OUTPUT_ROOT, { recursive: true });
  const outdir = mkdtempSync(path.join(TEST_OUTPUT_ROOT, 'infra-test-'));
  const app = new App({
    outdir,
    context: { ...context, 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  return { app, dispose: () => rmSync(outdir, { recursive: true, force: true }) };
}

export interface SynthesizedTributary extends TributaryApp {
  readonly storageTemplate: Template;
  readonly apiTemplate: Template;
  readonly dispose: () => void;
}

export function synthesizeTributary(options: {
  nag: boolean;
  context?: Readonly<Record<string, unknown>>;
}): SynthesizedTributary {
  const { app, dispose } = testApp(options.context);
  const tributary = createTributaryApp({ app, nag: options.nag });
  const template = (stack: Stack): Template => Template.fromStack(stack);
  return {
    ...tributary,
    storageTemplate: template(tributary.storage),
    apiTemplate: template(tributary.api),
    dispose,
  };
}

/** The logical id of a construct's CloudFormation resource in its stack's template. */
export function logicalIdOf(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}
