/** The template's Kinesis event source mappings (AWS::Lambda::EventSourceMapping), with Lambda's defaults. */
import { asText, resourcesOfType } from '../template/cloudformation';
import { functionNameFromArn, TemplateError, type TemplateResolver } from '../template/intrinsics';
import { generatedId } from '../template/physical-names';
import type { StreamDefinition } from '../resources';

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

export interface KinesisEventSourceMapping {
  /** Stable across restarts: names the checkpoint file and the on-failure objects. */
  readonly id: string;
  readonly logicalId: string;
  /** The function's name (or ARN) as the template gives it. */
  readonly functionName: string;
  readonly stream: StreamDefinition;
  readonly startingPosition: StartingPosition;
  readonly startingPositionTimestamp: number | undefined;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly bisectOnError: boolean;
  /** -1: retry until the record expires, as Lambda does by default. */
  readonly maxRetryAttempts: number;
  /** -1: records never expire for the mapping. */
  readonly maxRecordAgeSeconds: number;
  readonly reportBatchItemFailures: boolean;
  /** ARN of the on-failure destination, if any. */
  readonly onFailureDestination: string | undefined;
}

/** Lambda's defaults for a Kinesis source. */
const DEFAULT_BATCH_SIZE = 100;
const UNLIMITED = -1;

export function readEventSourceMappings(
  resolver: TemplateResolver,
  streams: readonly StreamDefinition[],
): KinesisEventSourceMapping[] {
  return resourcesOfType(resolver.stacks, 'AWS::Lambda::EventSourceMapping').flatMap(
    ({ stackName, logicalId, resource }) => {
      const p = (resolver.resolve(stackName, resource.Properties) ?? {}) as Record<string, unknown>;
      const sourceArn = asText(p['EventSourceArn']);
      if (!sourceArn.includes(':kinesis:') || p['Enabled'] === false) return [];
      const stream = streams.find((candidate) => candidate.arn === sourceArn);
      if (!stream)
        throw new TemplateError(`${stackName}/${logicalId}: no stream in the template has ARN ${sourceArn}`);
      const functionName = asText(p['FunctionName']);
      const destination = (p['DestinationConfig'] as { OnFailure?: { Destination?: unknown } } | undefined)
        ?.OnFailure?.Destination;
      const number = (value: unknown, fallback: number): number =>
        value === undefined ? fallback : Number(value);
      return [
        {
          id: generatedId(`${stackName}/${logicalId}`, 32).replace(
            /^(.{8})(.{4})(.{4})(.{4})(.{12})$/,
            '$1-$2-$3-$4-$5',
          ),
          logicalId,
          functionName: functionNameFromArn(functionName) ?? functionName,
          stream,
          startingPosition: (p['StartingPosition'] ?? 'LATEST') as StartingPosition,
          startingPositionTimestamp:
            p['StartingPositionTimestamp'] === undefined ? undefined : Number(p['StartingPositionTimestamp']),
          batchSize: number(p['BatchSize'], DEFAULT_BATCH_SIZE),
          batchingWindowMs: number(p['MaximumBatchingWindowInSeconds'], 0) * 1000,
          bisectOnError: p['BisectBatchOnFunctionError'] === true,
          maxRetryAttempts: number(p['MaximumRetryAttempts'], UNLIMITED),
          maxRecordAgeSeconds: number(p['MaximumRecordAgeInSeconds'], UNLIMITED),
          reportBatchItemFailures: ((p['FunctionResponseTypes'] ?? []) as string[]).includes(
            'ReportBatchItemFailures',
          ),
          onFailureDestination: destination === undefined ? undefined : asText(destination),
        },
      ];
    },
  );
}
