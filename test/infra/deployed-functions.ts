/**
 * The app's functions as deployed: their environments and role policies as the templates have them, and what each
 * handler's bundle holds (its import graph as esbuild bundles it for Lambda), so an infrastructure test finds every
 * function that runs a given module (reads a variable, emits metrics) from the code itself.
 */
import path from 'node:path';
import { build } from 'esbuild';
import { type App, Stack } from 'aws-cdk-lib';
import { TributaryFunction } from '../../lib/constructs/tributary-function';
import { PROJECT_ROOT } from '../../lib/project-paths';
import type { SynthesizedTributary } from './synthesized-app';

export interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
}
export interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

export const functionsOf = (tributary: SynthesizedTributary): TributaryFunction[] =>
  tributary.app.node.findAll().filter((node): node is TributaryFunction => node instanceof TributaryFunction);

export const templateOf = (stack: Stack): Record<string, Resource> =>
  (
    (stack.node.root as App).synth().getStackByName(stack.stackName).template as {
      Resources: Record<string, Resource>;
    }
  ).Resources;

/** The function's environment variables and the statements of its role's policies, as its template has them. */
export function deployedFunction(fn: TributaryFunction): {
  variables: Record<string, unknown>;
  statements: Statement[];
} {
  const stack = Stack.of(fn);
  const resources = templateOf(stack);
  const functionId = stack.getLogicalId(fn.node.defaultChild as never);
  const roleId = stack.getLogicalId(fn.executionRole.node.defaultChild as never);
  const environment = resources[functionId]?.Properties['Environment'] as
    { Variables?: Record<string, unknown> } | undefined;
  const variables = environment?.Variables ?? {};
  const statements = Object.values(resources)
    .filter(
      (resource) =>
        resource.Type === 'AWS::IAM::Policy' &&
        JSON.stringify(resource.Properties['Roles']) === JSON.stringify([{ Ref: roleId }]),
    )
    .flatMap((policy) => (policy.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
  return { variables, statements };
}

/** Whether `handlerPath`'s bundle includes `modulePath` (both project-relative). */
export async function handlerImports(handlerPath: string, modulePath: string): Promise<boolean> {
  const result = await build({
    entryPoints: [path.join(PROJECT_ROOT, handlerPath)],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs).includes(modulePath);
}
