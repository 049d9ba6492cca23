/**
 * Synthesizes the CDK app in this process and returns every stack's template. Bundling is skipped (the local
 * runtime imports the handler sources directly) and so is the built-in CloudFormation validation, which alone
 * costs seconds; the CI synth keeps both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, AppProps } from 'aws-cdk-lib';
import type { StackTemplate } from './cloudformation';

/** Builds the app from the given props; it must pass them to `new App(props)`. */
export type AppFactory = (props: AppProps) => App;

export const LOCAL_SYNTH_PROPS: AppProps = {
  context: { 'aws:cdk:bundling-stacks': [] },
  builtinCloudFormationValidation: false,
};

export function synthesizeTemplates(appFactory: AppFactory): StackTemplate[] {
  const outdir = mkdtempSync(join(tmpdir(), 'tributary-cdk-'));
  try {
    const app = appFactory({ ...LOCAL_SYNTH_PROPS, outdir });
    const assembly = app.synth();
    return assembly.stacksRecursively.map((stack) => ({
      stackName: stack.stackName,
      template: stack.template as StackTemplate['template'],
    }));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
