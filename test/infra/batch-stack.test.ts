import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/env-names';
import { FILE_DROP_PREFIX } from '../../lambdas/core/batches/file-drop-key';
import { MAX_GUNZIPPED_PARQUET_BYTES } from '../../lambdas/core/files/parquet/parquet-file';
import { PLAN_CONCURRENCY } from '../../lambdas/core/batches/ingest/plan-chunks';
import { BATCH_WORKER_TIMEOUT, INGEST_BATCH_DEFINITION } from '../../lib/batch-stack';
import { logicalIdOf, synthesizeTributary, type SynthesizedTributary } from './synthesized-app';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

interface State {
  readonly Type: string;
  readonly ItemsPath?: string;
  readonly ItemReader?: unknown;
  readonly ItemProcessor?: { readonly States: States };
}
type States = Record<string, State>;

/** Every Map state of a definition, those inside Map item processors included. */
const mapsOf = (states: States): [string, State][] =>
  Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Map' ? [[name, state] as [string, State]] : []),
    ...(state.ItemProcessor ? mapsOf(state.ItemProcessor.States) : []),
  ]);

describe('batch stack', () => {
  let tributary: SynthesizedTributary;
  let template: Template;
  let resources: Record<string, Resource>;

  beforeAll(() => {
    tributary = synthesizeTributary({ nag: false });
    template = Template.fromStack(tributary.batch);
    resources = template.toJSON().Resources as Record<string, Resource>;
  });
  afterAll(() => tributary.dispose());

  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

  const policyOf = (roleLogicalId: string): string =>
    JSON.stringify(
      ofType('AWS::IAM::Policy').find(
        ([, policy]) =>
          JSON.stringify(policy.Properties['Roles']) === JSON.stringify([{ Ref: roleLogicalId }]),
      )?.[1].Properties['PolicyDocument'],
    );

  it('deploys the ingest-batch definition file as written, with the worker substituted', () => {
    // Prepare
    const written = JSON.parse(readFileSync(INGEST_BATCH_DEFINITION, 'utf8')) as Record<string, unknown>;

    // Act
    const [[, machine]] = ofType('AWS::StepFunctions::StateMachine') as [[string, Resource]];
    const definition = JSON.stringify(machine.Properties['DefinitionString']);

    // Assess
    expect(machine.Properties['DefinitionSubstitutions']).toEqual({
      BatchWorkerFunctionArn: { 'Fn::GetAtt': [logicalIdOf(tributary.batch.worker), 'Arn'] },
    });
    for (const state of Object.keys(written['States'] as Record<string, unknown>)) {
      expect(definition).toContain(state);
    }
    expect(machine.Properties['TracingConfiguration']).toEqual({ Enabled: true });
    expect(machine.Properties['LoggingConfiguration']).toMatchObject({
      Level: 'ALL',
      IncludeExecutionData: false,
    });
  });

  it('reads the chunks of a batch a page at a time, so no state carries a whole plan, and allows 25,000 files', () => {
    // Prepare
    const written = JSON.parse(readFileSync(INGEST_BATCH_DEFINITION, 'utf8')) as { States: States };

    // Act
    const maps = mapsOf(written.States);
    const worker = resources[logicalIdOf(tributary.batch.worker)] as Resource;
    const variables = (worker.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;

    // Assess
    expect(new Set(maps.map(([, map]) => map.ItemsPath))).toEqual(
      new Set(['$.cursor.chunks', '$.decision.predecessors']),
    );
    expect(maps.filter(([, map]) => map.ItemReader !== undefined)).toEqual([]);
    expect(variables[ENV.batchMaxFiles]).toBe('25000');
  });

  it('lets the state machine run its distributed Map: start itself, watch and stop its child executions', () => {
    // Act
    const document = policyOf(logicalIdOf(tributary.batch.ingestBatch.role));

    // Assess
    expect(document).toContain('lambda:InvokeFunction');
    expect(document).toContain('states:StartExecution');
    expect(document).toContain(':stateMachine:Tributary-Batch-ingest-batch');
    expect(document).toContain('states:DescribeExecution');
    expect(document).toContain(':execution:Tributary-Batch-ingest-batch/*');
  });

  it('gives the worker the time, the resources and the settings its steps need', () => {
    // Act
    const worker = resources[logicalIdOf(tributary.batch.worker)] as Resource;
    const variables = (worker.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;

    // Assess
    expect(worker.Properties['Timeout']).toBe(BATCH_WORKER_TIMEOUT.toSeconds());
    expect(Object.keys(variables)).toEqual(
      expect.arrayContaining([
        ENV.catalogTable,
        ENV.profilesTable,
        ENV.batchesTable,
        ENV.landingBucket,
        ENV.lakeBucket,
        ENV.quarantineBucket,
        ENV.batchChunkBytes,
        ENV.batchMaxFiles,
        ENV.batchMaxBytes,
        ENV.batchMaxFieldsPerRow,
      ]),
    );
    // The landing bucket is only read by the worker: files are read in place.
    const document = JSON.parse(policyOf(logicalIdOf(tributary.batch.worker.role!))) as {
      Statement: { Action: string | string[]; Resource: unknown }[];
    };
    const landingWrites = document.Statement.filter(
      (statement) =>
        JSON.stringify(statement.Resource).includes('LandingBucket') &&
        ([] as string[]).concat(statement.Action).includes('s3:PutObject'),
    );
    expect(landingWrites).toEqual([]);
  });

  it("sizes the worker's /tmp for a plan step's concurrent gunzipped Parquet files at their cap, with room left", () => {
    // Prepare
    const lambdaDefaultTmpMib = 512;
    const filesAtOnceMib = (PLAN_CONCURRENCY * MAX_GUNZIPPED_PARQUET_BYTES) / 1024 ** 2;

    // Act
    const worker = resources[logicalIdOf(tributary.batch.worker)] as Resource;
    const tmpMib = (worker.Properties['EphemeralStorage'] as { Size: number } | undefined)?.Size;

    // Assess
    expect(MAX_GUNZIPPED_PARQUET_BYTES).toBeGreaterThan((lambdaDefaultTmpMib * 1024 ** 2) / PLAN_CONCURRENCY);
    expect(tmpMib).toBeGreaterThanOrEqual(filesAtOnceMib + lambdaDefaultTmpMib);
  });

  it('names the ingest-batch state machine to the worker, which may start it (a replay starts a revert)', () => {
    // Act
    const worker = resources[logicalIdOf(tributary.batch.worker)] as Resource;
    const variables = (worker.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
    const document = policyOf(logicalIdOf(tributary.batch.worker.role!));

    // Assess
    expect(JSON.stringify(variables[ENV.ingestBatchStateMachine])).toContain(
      ':stateMachine:Tributary-Batch-ingest-batch',
    );
    expect(document).toContain('states:StartExecution');
    expect(document).toContain(':stateMachine:Tributary-Batch-ingest-batch');
    expect(document).toContain('states:DescribeExecution');
  });

  it('sends objects created under the landing prefix of the versioned landing bucket to the file-drop function, which may start the workflow', () => {
    // Act
    const [[, notifications]] = ofType('Custom::S3BucketNotifications') as [[string, Resource]];
    const configuration = notifications.Properties['NotificationConfiguration'] as {
      LambdaFunctionConfigurations: { Events: string[]; Filter: unknown; LambdaFunctionArn: unknown }[];
    };
    const fileDrop = resources[logicalIdOf(tributary.batch.fileDrop)] as Resource;

    // Assess
    expect(configuration.LambdaFunctionConfigurations).toEqual([
      {
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: FILE_DROP_PREFIX }] } },
        LambdaFunctionArn: { 'Fn::GetAtt': [logicalIdOf(tributary.batch.fileDrop), 'Arn'] },
      },
    ]);
    expect(notifications.Properties['Managed']).toBe(false);
    // Drops are read at the version their notification names: the landing bucket must keep versions.
    const storage = tributary.storageTemplate.toJSON() as { Resources: Record<string, Resource> };
    const landing = storage.Resources[logicalIdOf(tributary.storage.landingBucket)] as Resource;
    expect(landing.Properties['VersioningConfiguration']).toEqual({ Status: 'Enabled' });
    const variables = (fileDrop.Properties['Environment'] as { Variables: Record<string, unknown> })
      .Variables;
    expect(variables[ENV.ingestBatchStateMachine]).toEqual({ Ref: logicalIdOf(tributary.batch.ingestBatch) });
    expect(policyOf(logicalIdOf(tributary.batch.fileDrop.role!))).toContain('states:StartExecution');
  });

  it('alarms on failed executions', () => {
    // Act
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => JSON.stringify(alarm.Properties));

    // Assess
    expect(alarms.some((alarm) => alarm.includes('ExecutionsFailed'))).toBe(true);
  });
});
