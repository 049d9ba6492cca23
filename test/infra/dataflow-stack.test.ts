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
import type { IConstruct } from 'constructs';
import { SOURCE_READER_TAG } from '../../lib/constructs/source-access';
import { createTributaryApp, type TributaryApp } from '../../lib/tributary-app';
import { logicalIdOf, synthesizeTributary, testApp, type SynthesizedTributary } from './synthesized-app';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
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
    expect(document).toContain(
      JSON.stringify({
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalIdOf(tributary.dataflows.sourceReader.role), 'Arn'] },
      }),
    );
    expect(document).not.toContain(':role/tributary-source-*');
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

  describe('with source buckets named', () => {
    let named: TributaryApp;
    let dispose: () => void;
    let dataflowResources: Record<string, Resource>;
    let namedApiResources: Record<string, Resource>;

    beforeAll(() => {
      const test = testApp();
      dispose = test.dispose;
      named = createTributaryApp({ app: test.app, nag: false, sources: { bucketNames: ['partner-drop'] } });
      dataflowResources = Template.fromStack(named.dataflows).toJSON().Resources as Record<string, Resource>;
      namedApiResources = Template.fromStack(named.api).toJSON().Resources as Record<string, Resource>;
    });
    afterAll(() => dispose());

    /** The statements of the policies attached to a role. */
    const statementsOf = (role: IConstruct, from: Record<string, Resource>): Statement[] =>
      ofType('AWS::IAM::Policy', from)
        .filter(([, policy]) =>
          JSON.stringify(policy.Properties['Roles']).includes(JSON.stringify({ Ref: logicalIdOf(role) })),
        )
        .flatMap(
          ([, policy]) => (policy.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement,
        );
    const actionsOf = (statement: Statement) => [statement.Action].flat();
    const reads = (statement: Statement) =>
      statement.Effect === 'Allow' &&
      actionsOf(statement).some((action) => /^s3:(GetObject|List|\*)/.test(action));

    it('gives the worker no read of the landing bucket and none of any source: it writes its copies only', () => {
      // Act
      const statements = statementsOf(named.dataflows.worker.executionRole, dataflowResources);
      const assumes = statements.filter((statement) => actionsOf(statement).includes('sts:AssumeRole'));

      // Assess
      expect(statements.filter(reads)).toEqual([]);
      expect(JSON.stringify(statements)).not.toContain('partner-drop');
      expect(JSON.stringify(statements)).toContain('s3:PutObject');
      expect(assumes.map((statement) => statement.Resource)).toEqual([
        { 'Fn::GetAtt': [logicalIdOf(named.dataflows.sourceReader.role), 'Arn'] },
      ]);
    });

    it('gives the dataflows API function no read of any source: it tests and explores as the source reader', () => {
      // Act
      const statements = statementsOf(named.api.dataflowsFunction.executionRole, namedApiResources);

      // Assess
      expect(statements.filter(reads)).toEqual([]);
      expect(JSON.stringify(statements)).not.toContain('partner-drop');
      expect(JSON.stringify(statements)).toContain('sts:AssumeRole');
    });

    it('lets the source reader read only the named buckets and roles, denies every platform bucket, and trusts only tagged roles', () => {
      // Act
      const reader = named.dataflows.sourceReader.role;
      const statements = statementsOf(reader, dataflowResources);
      const role = dataflowResources[logicalIdOf(reader)] as Resource;
      const tagged = [named.dataflows.worker.executionRole, named.api.dataflowsFunction.executionRole].map(
        (fnRole) => ({ ...dataflowResources, ...namedApiResources })[logicalIdOf(fnRole)]?.Properties['Tags'],
      );
      const denied = JSON.stringify(statements.filter((statement) => statement.Effect === 'Deny'));

      // Assess
      expect(JSON.stringify(statements.filter(reads))).toContain(':s3:::partner-drop/*');
      expect(JSON.stringify(statements)).toContain(':role/tributary-source-*');
      for (const bucket of ['LandingBucket', 'LakeBucket', 'QuarantineBucket', 'AccessLogsBucket']) {
        expect(denied).toContain(bucket);
      }
      expect(denied).toContain('cdk-hnb659fds-assets-');
      expect(JSON.stringify(role.Properties['AssumeRolePolicyDocument'])).toContain(
        `"aws:PrincipalTag/${SOURCE_READER_TAG}":"true"`,
      );
      for (const tags of tagged) expect(tags).toContainEqual({ Key: SOURCE_READER_TAG, Value: 'true' });
    });

    it('stays nag-clean with source buckets named', () => {
      // Act
      const report = new AwsSolutionsChecks().validateScope(named.dataflows);

      // Assess
      expect(report.violations).toEqual([]);
    });
  });

  it('alarms on failed runs and on a failing scheduler', () => {
    // Act
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => JSON.stringify(alarm.Properties));

    // Assess
    expect(alarms.some((alarm) => alarm.includes('ExecutionsFailed'))).toBe(true);
    expect(alarms.some((alarm) => alarm.includes('Errors'))).toBe(true);
  });
});
