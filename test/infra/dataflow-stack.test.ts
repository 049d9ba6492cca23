import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/env-names';
import { DATAFLOW_ROUTES } from '../../lambdas/http/route-table';
import {
  CONNECTION_SECRET_PREFIX,
  DATAFLOW_RUN_DEFINITION,
  DATAFLOW_WORKER_TIMEOUT,
} from '../../lib/dataflow-stack';
import { createTributaryApp } from '../../lib/tributary-app';
import { logicalIdOf, synthesizeTributary, testApp, type SynthesizedTributary } from './synthesized-app';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

const variablesOf = (resource: Resource): Record<string, unknown> =>
  (resource.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;

describe('dataflow stack', () => {
  let tributary: SynthesizedTributary;
  let resources: Record<string, Resource>;
  let apiResources: Record<string, Resource>;

  beforeAll(() => {
    tributary = synthesizeTributary({ nag: false });
    resources = Template.fromStack(tributary.dataflows).toJSON().Resources as Record<string, Resource>;
    apiResources = tributary.apiTemplate.toJSON().Resources as Record<string, Resource>;
  });
  afterAll(() => tributary.dispose());

  const ofType = (type: string, from = resources) =>
    Object.entries(from).filter(([, resource]) => resource.Type === type);

  const policyOf = (roleLogicalId: string, from = resources): string =>
    JSON.stringify(
      ofType('AWS::IAM::Policy', from).find(
        ([, policy]) =>
          JSON.stringify(policy.Properties['Roles']) === JSON.stringify([{ Ref: roleLogicalId }]),
      )?.[1].Properties['PolicyDocument'],
    );

  it('deploys the dataflow-run definition file as written, with the worker substituted', () => {
    // Prepare
    const written = JSON.parse(readFileSync(DATAFLOW_RUN_DEFINITION, 'utf8')) as Record<string, unknown>;

    // Act
    const [[, machine]] = ofType('AWS::StepFunctions::StateMachine') as [[string, Resource]];
    const definition = JSON.stringify(machine.Properties['DefinitionString']);

    // Assess
    expect(machine.Properties['DefinitionSubstitutions']).toEqual({
      DataflowWorkerFunctionArn: { 'Fn::GetAtt': [logicalIdOf(tributary.dataflows.worker), 'Arn'] },
    });
    for (const state of Object.keys(written['States'] as Record<string, unknown>)) {
      expect(definition).toContain(state);
    }
    expect(machine.Properties['LoggingConfiguration']).toMatchObject({ IncludeExecutionData: false });
  });

  it('invokes the scheduler function every minute through EventBridge Scheduler, without retrying old ticks', () => {
    // Act
    const [[, schedule]] = ofType('AWS::Scheduler::Schedule') as [[string, Resource]];

    // Assess
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [logicalIdOf(tributary.dataflows.scheduler), 'Arn'] },
        Input: JSON.stringify({ source: 'tributary.scheduler' }),
        RetryPolicy: { MaximumRetryAttempts: 0 },
      },
    });
    const variables = variablesOf(resources[logicalIdOf(tributary.dataflows.scheduler)] as Resource);
    expect(variables[ENV.dataflowRunStateMachine]).toEqual({
      Ref: logicalIdOf(tributary.dataflows.dataflowRun),
    });
  });

  it('gives the worker its tables, the landing bucket, the batch workflow, read-only secrets and the event bus', () => {
    // Act
    const worker = resources[logicalIdOf(tributary.dataflows.worker)] as Resource;
    const variables = variablesOf(worker);
    const document = policyOf(logicalIdOf(tributary.dataflows.worker.executionRole));

    // Assess
    expect(worker.Properties['Timeout']).toBe(DATAFLOW_WORKER_TIMEOUT.toSeconds());
    expect(Object.keys(variables)).toEqual(
      expect.arrayContaining([
        ENV.catalogTable,
        ENV.batchesTable,
        ENV.landingBucket,
        ENV.ingestBatchStateMachine,
        ENV.dataflowEventBus,
        ENV.connectionSecretPrefix,
        ENV.batchMaxFiles,
        ENV.batchMaxBytes,
      ]),
    );
    expect(variables[ENV.connectionSecretPrefix]).toBe(CONNECTION_SECRET_PREFIX);
    expect(variables[ENV.httpSourceAllowPrivateHosts]).toBeUndefined();
    expect(variables[ENV.webhookAllowPlainHttp]).toBeUndefined();
    expect(document).toContain('secretsmanager:GetSecretValue');
    expect(document).not.toContain('secretsmanager:CreateSecret');
    expect(document).toContain(`:secret:${CONNECTION_SECRET_PREFIX}*`);
    expect(document).toContain('events:PutEvents');
    expect(document).toContain('sts:AssumeRole');
    expect(document).toContain(':role/tributary-source-*');
  });

  it('serves every dataflow route from the dataflows function, which manages connection secrets', () => {
    // Act
    const fn = apiResources[logicalIdOf(tributary.api.dataflowsFunction)] as Resource;
    const document = policyOf(logicalIdOf(tributary.api.dataflowsFunction.executionRole), apiResources);
    const methods = ofType('AWS::ApiGateway::Method', apiResources).filter(([, method]) =>
      JSON.stringify(method.Properties['Integration']).includes(logicalIdOf(tributary.api.dataflowsFunction)),
    );

    // Assess
    expect(methods).toHaveLength(DATAFLOW_ROUTES.length);
    expect(Object.keys(variablesOf(fn))).toEqual(
      expect.arrayContaining([
        ENV.catalogTable,
        ENV.batchesTable,
        ENV.dataflowRunStateMachine,
        ENV.connectionSecretPrefix,
        ENV.connectionSecretKey,
      ]),
    );
    for (const action of ['CreateSecret', 'PutSecretValue', 'DeleteSecret', 'GetSecretValue']) {
      expect(document).toContain(`secretsmanager:${action}`);
    }
  });

  it('grants reading the source buckets the deployment names, and stays nag-clean with them', () => {
    // Prepare
    const { app, dispose } = testApp();

    // Act
    const named = createTributaryApp({ app, nag: false, sources: { bucketNames: ['partner-drop'] } });
    const document = JSON.stringify(Template.fromStack(named.dataflows).toJSON());
    const report = new AwsSolutionsChecks().validateScope(named.dataflows);
    dispose();

    // Assess
    expect(document).toContain(':s3:::partner-drop/*');
    expect(document).toContain('s3:ListBucket');
    expect(report.violations).toEqual([]);
  });

  it('alarms on failed runs and on a failing scheduler', () => {
    // Act
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => JSON.stringify(alarm.Properties));

    // Assess
    expect(alarms.some((alarm) => alarm.includes('ExecutionsFailed'))).toBe(true);
    expect(alarms.some((alarm) => alarm.includes('Errors'))).toBe(true);
  });
});
