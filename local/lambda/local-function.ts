/**
 * The functions of the template that the local runtime runs: each AWS::Lambda::Function names its handler module
 * in Metadata (`tributary:handler`, project-relative, and `tributary:handler-export`), which the house function
 * construct sets, so the runtime imports the very source file that is bundled for Lambda.
 */
import { CREDENTIAL_VARIABLES, functionCredentialsEnvironment } from '../iam/function-credentials';
import { resourcesOfType } from '../template/cloudformation';
import { TemplateError, type TemplateResolver } from '../template/intrinsics';

export const HANDLER_METADATA = 'tributary:handler';
export const HANDLER_EXPORT_METADATA = 'tributary:handler-export';

/** Lambda's defaults when the template sets none. */
const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MEMORY_MB = 128;

export interface LocalFunction {
  readonly stackName: string;
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** Project-relative path of the handler module. */
  readonly entry: string;
  readonly exportName: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * Every function of the template, except CDK's deploy-time helpers (the providers behind custom resources, such
 * as the bucket-notifications handler), which have nothing to do at run time. Any other function must carry the
 * handler metadata.
 */
export function readFunctions(resolver: TemplateResolver): LocalFunction[] {
  const serviceTokens = new Set(
    resolver.stacks.flatMap(({ stackName, template }) =>
      Object.values(template.Resources ?? {})
        .filter(
          (resource) =>
            resource.Type.startsWith('Custom::') || resource.Type === 'AWS::CloudFormation::CustomResource',
        )
        .map((resource) => resolver.resolve(stackName, resource.Properties?.['ServiceToken'])),
    ),
  );
  return resourcesOfType(resolver.stacks, 'AWS::Lambda::Function').flatMap(
    ({ stackName, logicalId, resource }) => {
      const arn = resolver.getAtt(stackName, logicalId, 'Arn') as string;
      if (serviceTokens.has(arn)) return [];
      const entry = resource.Metadata?.[HANDLER_METADATA];
      if (typeof entry !== 'string') {
        throw new TemplateError(
          `${stackName}/${logicalId}: the function has no '${HANDLER_METADATA}' metadata, so the local runtime cannot ` +
            'tell which handler module to run; create it with the house function construct',
        );
      }
      const properties = resource.Properties ?? {};
      const exportName = resource.Metadata?.[HANDLER_EXPORT_METADATA];
      const variables = resolver.resolve(
        stackName,
        (properties['Environment'] as { Variables?: unknown } | undefined)?.Variables,
      );
      return [
        {
          stackName,
          logicalId,
          name: resolver.physicalName(stackName, logicalId),
          arn,
          entry,
          exportName: typeof exportName === 'string' ? exportName : 'handler',
          timeoutSeconds: Number(
            resolver.resolve(stackName, properties['Timeout']) ?? DEFAULT_TIMEOUT_SECONDS,
          ),
          memoryMb: Number(resolver.resolve(stackName, properties['MemorySize']) ?? DEFAULT_MEMORY_MB),
          environment: {
            ...Object.fromEntries(
              Object.entries((variables ?? {}) as Record<string, unknown>).map(([key, value]) => [
                key,
                String(value),
              ]),
            ),
            // Lambda's own: the role's credentials, by which the local endpoints tell the function apart.
            ...functionCredentialsEnvironment(stackName, logicalId),
          },
        },
      ];
    },
  );
}

/**
 * Variables that Lambda and Powertools scope to one function and read when a handler module is loaded: they are
 * set for each module while it is imported rather than merged, so each function's logger keeps its service name.
 */
export const PER_FUNCTION_VARIABLES = new Set([
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_FUNCTION_NAME',
]);

/** Options of the Lambda runtime's process launch (e.g. `--enable-source-maps`): nothing to do in a running process. */
const LAUNCH_ONLY_VARIABLES = new Set(['NODE_OPTIONS']);

/**
 * Credentials are per function too, but not set while a module is imported: the SDK clients the handlers share in
 * one process read them when first used, so the shared process keeps the runtime's own (unrestricted) credentials;
 * a function running with only its own environment signs with its own and is held to its role.
 *
 * All functions share one process, hence one environment: the merge fails when two functions give one variable
 * different values (environment names are designed to be unique per resource, so a clash is a bug in the app).
 */
export function mergeEnvironments(functions: readonly LocalFunction[]): Record<string, string> {
  const merged: Record<string, string> = {};
  const setBy: Record<string, string> = {};
  const clashes: string[] = [];
  for (const fn of functions) {
    for (const [key, value] of Object.entries(fn.environment)) {
      if (PER_FUNCTION_VARIABLES.has(key) || LAUNCH_ONLY_VARIABLES.has(key) || CREDENTIAL_VARIABLES.has(key))
        continue;
      const previous = merged[key];
      if (previous !== undefined && previous !== value) {
        clashes.push(`${key}: ${setBy[key]} sets '${previous}', ${fn.logicalId} sets '${value}'`);
        continue;
      }
      merged[key] = value;
      setBy[key] = fn.logicalId;
    }
  }
  if (clashes.length > 0) {
    throw new TemplateError(
      `functions set one environment variable to different values, which one local process cannot honour:\n  ${clashes.join('\n  ')}`,
    );
  }
  return merged;
}
