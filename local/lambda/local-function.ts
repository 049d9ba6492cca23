/**
 * The functions of the template that the local runtime runs: each AWS::Lambda::Function names its handler module
 * in Metadata (`tributary:handler`, project-relative, and `tributary:handler-export`), which the house function
 * construct sets, so the runtime imports the very source file that is bundled for Lambda.
 */
import { resourcesOfType } from '../template/cloudformation';
import { TemplateError, type TemplateResolver } from '../template/intrinsics';

export const HANDLER_METADATA = 'tributary:handler';
export const HANDLER_EXPORT_METADATA = 'tributary:handler-export';

/** Lambda's defaults when the template sets none. */
const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MEMORY_MB = 128;
const DEFAULT_EPHEMERAL_STORAGE_MB = 512;

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
  /** The size of its `/tmp` (`EphemeralStorage.Size`). */
  readonly ephemeralStorageMb: number;
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
          ephemeralStorageMb: Number(
            (resolver.resolve(stackName, properties['EphemeralStorage']) as { Size?: unknown } | undefined)
              ?.Size ?? DEFAULT_EPHEMERAL_STORAGE_MB,
          ),
          environment: Object.fromEntries(
            Object.entries((variables ?? {}) as Record<string, unknown>).map(([key, value]) => [
              key,
              String(value),
            ]),
          ),
        },
      ];
    },
  );
}
