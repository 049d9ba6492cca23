/**
 * Synthesizes the CDK app in this process and returns every stack's template: the very templates `cdk deploy`
 * sends, built with cdk.json's context (its feature flags decide cross-stack references and how IAM policies are
 * merged) and the context the CDK command line adds by default. Only bundling is skipped (the local runtime imports
 * the handler sources directly), which changes nothing but the functions' asset locations, and so is the built-in
 * CloudFormation validation, which alone costs seconds; the CI synth keeps both.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, AppProps } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { PROJECT_ROOT } from '../../lib/project-paths';
import type { StackTemplate } from './cloudformation';

/** Builds the app from the given props; it must pass them to `new App(props)`. */
export type AppFactory = (props: AppProps) => App;

/**
 * What `cdk synth` adds to cdk.json's context unless told otherwise (`--no-path-metadata`, `--no-asset-metadata`,
 * `--no-version-reporting`): resource paths and asset metadata, and the CDKMetadata resource.
 */
const CLI_DEFAULT_CONTEXT: Readonly<Record<string, unknown>> = {
  [cxapi.PATH_METADATA_ENABLE_CONTEXT]: true,
  [cxapi.ASSET_RESOURCE_METADATA_ENABLED_CONTEXT]: true,
  [cxapi.ANALYTICS_REPORTING_ENABLED_CONTEXT]: true,
};

/** The `context` of the project's cdk.json, read at each synthesis so an edit applies at the next start. */
function projectContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

export function localSynthProps(): AppProps {
  return {
    context: { ...projectContext(), ...CLI_DEFAULT_CONTEXT, [cxapi.BUNDLING_STACKS]: [] },
    builtinCloudFormationValidation: false,
  };
}

export function synthesizeTemplates(appFactory: AppFactory): StackTemplate[] {
  const outdir = mkdtempSync(join(tmpdir(), 'tributary-cdk-'));
  try {
    const app = appFactory({ ...localSynthProps(), outdir });
    const assembly = app.synth();
    return assembly.stacksRecursively.map((stack) => ({
      stackName: stack.stackName,
      template: stack.template as StackTemplate['template'],
    }));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
