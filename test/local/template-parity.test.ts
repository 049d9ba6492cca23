/**
 * The local runtime must run the very templates `cdk deploy` sends: the same feature flags, cross-stack references
 * and IAM policies. The reference is the CDK command line itself reading cdk.json: `cdk list --output` synthesizes
 * the app exactly as `cdk synth` does, with bundling skipped, so only the asset locations (the bundle's hash) differ.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackTemplate } from '../../local/template/cloudformation';
import { synthesizeTemplates } from '../../local/template/synthesize';
import { PROJECT_ROOT } from '../../lib/project-paths';
import { createTributaryApp } from '../../lib/tributary-app';

/** The CDK command line starts tsx, loads aws-cdk-lib and synthesizes five stacks: tens of seconds on a busy machine. */
const CLI_SYNTH_TIMEOUT_MS = 240_000;

/** Where a bundle lives: its hash differs between a bundled and an unbundled synth, nothing else may. */
const ASSET_METADATA = ['aws:asset:path', 'aws:asset:is-bundled'];
/**
 * CDK's version reporting lists the construct libraries in the app; `bin/app.ts` adds cdk-nag's checks, which the
 * local runtime leaves out (they change no resource). The CDKMetadata resource itself must still be there.
 */
const CDK_METADATA = 'AWS::CDK::Metadata';

type Template = StackTemplate['template'];

function withoutAssetLocations(template: Template): Template {
  const copy = structuredClone(template);
  for (const resource of Object.values(copy.Resources ?? {})) {
    for (const key of ASSET_METADATA) delete resource.Metadata?.[key];
    const code = resource.Properties?.['Code'] as Record<string, unknown> | undefined;
    if (resource.Type === 'AWS::Lambda::Function' && code) delete code['S3Key'];
    if (resource.Type === CDK_METADATA) delete resource.Properties?.['Analytics'];
  }
  return copy;
}

async function cliTemplates(outdir: string): Promise<Map<string, Template>> {
  const cdk = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk');
  await promisify(execFile)(cdk, ['list', '--output', outdir], {
    cwd: PROJECT_ROOT,
    timeout: CLI_SYNTH_TIMEOUT_MS,
  });
  const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const templates = new Map<string, Template>();
  for (const [stackName, artifact] of Object.entries(manifest.artifacts)) {
    const file = artifact.properties?.templateFile;
    if (artifact.type !== 'aws:cloudformation:stack' || file === undefined) continue;
    templates.set(stackName, JSON.parse(readFileSync(path.join(outdir, file), 'utf8')) as Template);
  }
  return templates;
}

describe('the templates the local runtime runs', () => {
  const outputRoot = path.join(PROJECT_ROOT, '.tmp');
  let outdir: string;
  let deployed: Map<string, Template>;
  let local: StackTemplate[];

  beforeAll(async () => {
    // Prepare
    mkdirSync(outputRoot, { recursive: true });
    outdir = mkdtempSync(path.join(outputRoot, 'cli-synth-'));
    deployed = await cliTemplates(outdir);
    // Act
    local = synthesizeTemplates((props) => createTributaryApp({ app: new App(props), nag: false }).app);
  }, CLI_SYNTH_TIMEOUT_MS);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('are the stacks `cdk synth` writes with cdk.json, and no others', () => {
    // Assess
    expect(local.map(({ stackName }) => stackName).sort()).toEqual([...deployed.keys()].sort());
  });

  it('equal what `cdk synth` writes with cdk.json in every resource, output and condition but asset locations', () => {
    // Assess
    for (const { stackName, template } of local) {
      const expected = deployed.get(stackName);
      expect(expected, stackName).toBeDefined();
      expect(withoutAssetLocations(template), stackName).toEqual(withoutAssetLocations(expected as Template));
    }
  });

  it('reference other stacks only in ways CloudFormation resolves in every region: Fn::ImportValue', () => {
    // Assess
    const weaklyReferencing = [...deployed]
      .filter(([, template]) => JSON.stringify(template).includes('Fn::GetStackOutput'))
      .map(([stackName]) => stackName);
    expect(weaklyReferencing).toEqual([]);
    expect(JSON.stringify(deployed.get('Tributary-Api'))).toContain('Fn::ImportValue');
  });
});
