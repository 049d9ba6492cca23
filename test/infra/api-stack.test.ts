import { existsSync } from 'node:fs';
import path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoApiKeyStore } from '../../lambdas/adapters/dynamo-api-key-store';
import { API_KEY_USE_ATTRIBUTES, ENV } from '../../lambdas/config/env-names';
import { DEFAULT_PROFILE_GUARDRAILS } from '../../lambdas/core/profiles/profile-ports';
import {
  BATCH_ROUTES,
  DATAFLOW_ROUTES,
  COLLECTION_ROUTES,
  CONTROL_PLANE_ROUTES,
  PROFILE_ROUTES,
} from '../../lambdas/http/route-table';
import {
  API_STAGE_NAME,
  COSTLY_ROUTE_BURST_LIMIT,
  COSTLY_ROUTE_RATE_LIMIT,
  COSTLY_ROUTES,
  STAGE_BURST_LIMIT,
  STAGE_RATE_LIMIT,
} from '../../lib/api-stack';
import {
  DEFAULT_KEY_RATE_LIMIT,
  KEY_HEADERS,
  KEY_RATE_WINDOW_SECONDS,
} from '../../lib/constructs/key-rate-limits';
import {
  PROBLEM_GATEWAY_RESPONSES,
  THROTTLED_RETRY_AFTER_SECONDS,
} from '../../lib/constructs/problem-gateway-responses';
import {
  FUNCTION_LOG_RETENTION,
  HANDLER_METADATA,
  serviceNameOf,
} from '../../lib/constructs/tributary-function';
import { PROJECT_ROOT } from '../../lib/project-paths';
import { API_STACK_NAME } from '../../lib/tributary-app';
import { logicalIdOf, synthesizeTributary, type SynthesizedTributary } from './synthesized-app';

interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

describe('ApiStack', () => {
  let tributary: SynthesizedTributary;
  let template: Template;
  let resources: Record<string, CfnResource>;

  beforeAll(() => {
    tributary = synthesizeTributary({ nag: false });
    template = tributary.apiTemplate;
    resources = template.toJSON().Resources as Record<string, CfnResource>;
  });
  afterAll(() => tributary.dispose());

  const ofType = (type: string): Array<[string, CfnResource]> =>
    Object.entries(resources).filter(([, resource]) => resource.Type === type);

  /** What an `Fn::ImportValue` of the storage stack's export resolves to in the storage template. */
  const storageExport = (value: unknown): unknown => {
    const name = (value as { 'Fn::ImportValue': string })['Fn::ImportValue'];
    const outputs = tributary.storageTemplate.toJSON().Outputs as Record<
      string,
      { Value: unknown; Export?: { Name: string } }
    >;
    return Object.values(outputs).find((output) => output.Export?.Name === name)?.Value;
  };

  it('is named for deployment', () => {
    // Assess
    expect(tributary.api.stackName).toBe(API_STACK_NAME);
  });

  it('runs every function on nodejs22.x, arm64, traced, with source maps', () => {
    // Assess
    template.resourceCountIs('AWS::Lambda::Function', 6);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: Match.objectLike({
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: Match.anyValue(),
          POWERTOOLS_LOG_LEVEL: 'INFO',
        }),
      },
    });
  });

  it("names each function's service after its handler file, which its logger reads", () => {
    // Act
    const services = ofType('AWS::Lambda::Function').map(([, fn]) => [
      String(fn.Metadata?.[HANDLER_METADATA.entry]),
      (fn.Properties.Environment as { Variables: Record<string, string> }).Variables[
        'POWERTOOLS_SERVICE_NAME'
      ],
    ]);

    // Assess
    expect(Object.fromEntries(services)).toMatchObject({
      'lambdas/handlers/authorizer.ts': 'authorizer',
      'lambdas/handlers/batches-api.ts': 'batches-api',
      'lambdas/handlers/control-plane.ts': 'control-plane',
    });
    for (const [entry, service] of services) expect(service).toBe(serviceNameOf(entry ?? ''));
  });

  it('tells the local runtime which source file and export each function runs, and the file exists', () => {
    // Act
    const handlers = ofType('AWS::Lambda::Function').map(([, fn]) => fn.Metadata ?? {});

    // Assess
    expect(handlers.map((metadata) => metadata[HANDLER_METADATA.entry]).sort()).toEqual([
      'lambdas/handlers/authorizer.ts',
      'lambdas/handlers/batches-api.ts',
      'lambdas/handlers/collect.ts',
      'lambdas/handlers/control-plane.ts',
      'lambdas/handlers/dataflows-api.ts',
      'lambdas/handlers/profiles.ts',
    ]);
    for (const metadata of handlers) {
      expect(metadata[HANDLER_METADATA.exportName]).toBe('handler');
      expect(existsSync(path.join(PROJECT_ROOT, String(metadata[HANDLER_METADATA.entry])))).toBe(true);
    }
  });

  it('sends each function to its own encrypted log group with retention', () => {
    // Act
    const functions = ofType('AWS::Lambda::Function');

    // Assess
    for (const [, fn] of functions) {
      const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(resources[logGroupId]?.Properties.RetentionInDays).toBe(FUNCTION_LOG_RETENTION);
      expect(resources[logGroupId]?.Properties.KmsKeyId).toBeDefined();
    }
  });

  it('encrypts every log group with the data key and bounds its retention', () => {
    // Act
    const logGroups = ofType('AWS::Logs::LogGroup');

    // Assess
    expect(logGroups.length).toBeGreaterThanOrEqual(4);
    for (const [, logGroup] of logGroups) {
      expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
      expect(storageExport(logGroup.Properties.KmsKeyId)).toEqual({
        'Fn::GetAtt': [logicalIdOf(tributary.storage.dataKey), 'Arn'],
      });
    }
  });

  it('names the tables in the functions environment by their CloudFormation Ref', () => {
    // Act
    const environments = [tributary.api.authorizerFunction, tributary.api.controlPlaneFunction].map(
      (fn) =>
        (resources[logicalIdOf(fn)]?.Properties.Environment as { Variables: Record<string, unknown> })
          .Variables,
    );

    // Assess
    for (const variables of environments) {
      expect(storageExport(variables[ENV.catalogTable])).toEqual({
        Ref: logicalIdOf(tributary.storage.catalogTable),
      });
      expect(storageExport(variables[ENV.apiKeysTable])).toEqual({
        Ref: logicalIdOf(tributary.storage.apiKeysTable),
      });
    }
  });

  it('gives the authorizer reads, one UpdateItem of exactly what its key store writes, and no AWS managed policies to any function', async () => {
    // Prepare: what the authorizer's key store sends when it records a key's use
    const sent: UpdateCommand[] = [];
    const client = {
      send: async (command: UpdateCommand) => {
        sent.push(command);
        return {};
      },
    } as unknown as DynamoDBDocumentClient;
    await new DynamoApiKeyStore(client, 'keys').touch('k', '2026-01-01T00:00:00.000Z');
    const touch = sent[0]!.input;

    // Act
    const policies = ofType('AWS::IAM::Policy');
    const authorizerRole = logicalIdOf(tributary.api.authorizerFunction.role!);
    const authorizerPolicy = policies.find(
      ([, policy]) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: authorizerRole }]),
    );
    const statements = (
      authorizerPolicy?.[1].Properties.PolicyDocument as {
        Statement: { Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> }[];
      }
    ).Statement;
    const actionsOf = (statement: { Action: string | string[] }) => [statement.Action].flat();
    const writes = statements.filter((statement) =>
      actionsOf(statement).some((action) =>
        /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|PartiQL)/.test(action),
      ),
    );

    // Assess
    expect(JSON.stringify(statements)).toContain('dynamodb:GetItem');
    expect(writes).toHaveLength(1);
    expect(actionsOf(writes[0]!)).toEqual(['dynamodb:UpdateItem']);
    expect(JSON.stringify(storageExport(writes[0]!.Resource))).toContain(
      logicalIdOf(tributary.storage.apiKeysTable),
    );
    expect(writes[0]!.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...API_KEY_USE_ATTRIBUTES] },
      StringEquals: { 'dynamodb:ReturnValues': 'NONE' },
    });
    expect(sent).toHaveLength(1);
    expect(Object.values(touch.ExpressionAttributeNames ?? {}).sort()).toEqual(
      [...API_KEY_USE_ATTRIBUTES].sort(),
    );
    expect(Object.keys(touch.Key ?? {})).toEqual([API_KEY_USE_ATTRIBUTES[0]]);
    expect(touch.ReturnValues).toBe('NONE');
    for (const fn of [
      tributary.api.authorizerFunction,
      tributary.api.controlPlaneFunction,
      tributary.api.profilesFunction,
      tributary.api.collectFunction,
      tributary.api.batchesFunction,
    ]) {
      const role = resources[logicalIdOf(fn.role!)];
      expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('binds the profiles function to the profiles and catalog tables, with the graph guardrails', () => {
    // Act
    const variables = (
      resources[logicalIdOf(tributary.api.profilesFunction)]?.Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    const role = logicalIdOf(tributary.api.profilesFunction.role!);
    const policy = ofType('AWS::IAM::Policy').find(
      ([, candidate]) => JSON.stringify(candidate.Properties.Roles) === JSON.stringify([{ Ref: role }]),
    );
    const document = JSON.stringify(policy?.[1].Properties.PolicyDocument);

    // Assess
    expect(storageExport(variables[ENV.profilesTable])).toEqual({
      Ref: logicalIdOf(tributary.storage.profilesTable),
    });
    expect(storageExport(variables[ENV.catalogTable])).toEqual({
      Ref: logicalIdOf(tributary.storage.catalogTable),
    });
    expect(variables[ENV.apiKeysTable]).toBeUndefined();
    expect(variables[ENV.profileMaxIdentitiesPerGraph]).toBe(
      String(DEFAULT_PROFILE_GUARDRAILS.maxIdentitiesPerGraph),
    );
    expect(variables[ENV.profileMaxIdentitiesPerRecord]).toBe(
      String(DEFAULT_PROFILE_GUARDRAILS.maxIdentitiesPerRecord),
    );
    expect(document).toContain('dynamodb:DeleteItem');
    expect(document).toContain('dynamodb:BatchWriteItem');
  });

  it('binds the collect function to the ingest stream for writing, the catalog and key tables for reading, and the batches table for updates only', () => {
    // Act
    const variables = (
      resources[logicalIdOf(tributary.api.collectFunction)]?.Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    const role = logicalIdOf(tributary.api.collectFunction.role!);
    const policy = ofType('AWS::IAM::Policy').find(
      ([, candidate]) => JSON.stringify(candidate.Properties.Roles) === JSON.stringify([{ Ref: role }]),
    );
    const document = JSON.stringify(policy?.[1].Properties.PolicyDocument);

    // Assess
    expect(storageExport(variables[ENV.ingestStream])).toEqual({
      Ref: logicalIdOf(tributary.storage.ingestStream),
    });
    expect(storageExport(variables[ENV.catalogTable])).toEqual({
      Ref: logicalIdOf(tributary.storage.catalogTable),
    });
    expect(storageExport(variables[ENV.apiKeysTable])).toEqual({
      Ref: logicalIdOf(tributary.storage.apiKeysTable),
    });
    expect(variables[ENV.profilesTable]).toBeUndefined();
    expect(document).toContain('kinesis:PutRecords');
    expect(document).toContain('kms:GenerateDataKey*');
    expect(document).toContain('dynamodb:GetItem');
    expect(storageExport(variables[ENV.batchesTable])).toEqual({
      Ref: logicalIdOf(tributary.storage.batchesTable),
    });
    expect(document).not.toContain('kinesis:GetRecords');
    expect(document).not.toContain('dynamodb:PutItem');
    expect(document).not.toContain('dynamodb:DeleteItem');
    // The one write: raising the window's record of what it put (core/streaming/stream-progress.ts).
    expect(document).toContain('dynamodb:UpdateItem');
  });

  it('binds the batches function to its tables, the landing bucket (write), the quarantine (read), the stream and the workflow', () => {
    // Act
    const variables = (
      resources[logicalIdOf(tributary.api.batchesFunction)]?.Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    const role = logicalIdOf(tributary.api.batchesFunction.role!);
    const policy = ofType('AWS::IAM::Policy').find(
      ([, candidate]) => JSON.stringify(candidate.Properties.Roles) === JSON.stringify([{ Ref: role }]),
    );
    const document = JSON.stringify(policy?.[1].Properties.PolicyDocument);

    // Assess
    expect(storageExport(variables[ENV.batchesTable])).toEqual({
      Ref: logicalIdOf(tributary.storage.batchesTable),
    });
    expect(storageExport(variables[ENV.quarantineBucket])).toEqual({
      Ref: logicalIdOf(tributary.storage.quarantineBucket),
    });
    expect(storageExport(variables[ENV.ingestStream])).toEqual({
      Ref: logicalIdOf(tributary.storage.ingestStream),
    });
    const statements = JSON.parse(document) as {
      Statement: { Action: string | string[]; Resource: unknown }[];
    };
    const writesObjects = statements.Statement.filter((statement) =>
      ([] as string[]).concat(statement.Action).includes('s3:PutObject'),
    );
    expect(document).toContain('dynamodb:PutItem');
    expect(document).toContain('s3:GetObject*');
    // Only uploads write objects: the landing bucket; the quarantine is only read.
    expect(writesObjects).toHaveLength(1);
    expect(JSON.stringify(writesObjects[0]?.Resource)).toContain('LandingBucket');
    expect(document).toContain('kinesis:PutRecords');
    expect(document).toContain('states:StartExecution');
    expect(variables[ENV.ingestBatchStateMachine]).toBeDefined();
  });

  it('creates exactly one method per API route, keyless only where the scope is none', () => {
    // Prepare
    const [[authorizerId]] = ofType('AWS::ApiGateway::Authorizer') as [[string, CfnResource]];
    const pathOf = (resourceRef: unknown): string => {
      const logicalId = (resourceRef as { Ref?: string }).Ref;
      if (!logicalId) return '';
      const resource = resources[logicalId]!;
      return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart as string}`;
    };

    // Act
    const methods = ofType('AWS::ApiGateway::Method').map(([, method]) => ({
      key: `${method.Properties.HttpMethod as string} ${pathOf(method.Properties.ResourceId)}`,
      properties: method.Properties,
    }));

    // Assess
    const routes = [
      ...CONTROL_PLANE_ROUTES,
      ...PROFILE_ROUTES,
      ...COLLECTION_ROUTES,
      ...BATCH_ROUTES,
      ...DATAFLOW_ROUTES,
    ];
    expect(methods.map((method) => method.key).sort()).toEqual(
      routes.map((route) => `${route.method} ${route.resource}`).sort(),
    );
    for (const route of routes) {
      const method = methods.find((candidate) => candidate.key === `${route.method} ${route.resource}`)!;
      expect(method.properties.Integration).toMatchObject({
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
      });
      if (route.scope === 'none') {
        expect(method.properties.AuthorizationType).toBe('NONE');
        expect(method.properties.AuthorizerId).toBeUndefined();
      } else {
        expect(method.properties.AuthorizationType).toBe('CUSTOM');
        expect(method.properties.AuthorizerId).toEqual({ Ref: authorizerId });
      }
    }
  });

  it('asks the REQUEST authorizer on every request, with no identity source and no cache', () => {
    // Assess
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: Match.absent(),
    });
  });

  it('declares path parameters and validates requests', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      RequestParameters: { 'method.request.path.datasetId': true },
      RequestValidatorId: Match.anyValue(),
    });
  });

  it('traces, logs access and errors, and throttles the stage', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: API_STAGE_NAME,
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          ThrottlingRateLimit: STAGE_RATE_LIMIT,
          ThrottlingBurstLimit: STAGE_BURST_LIMIT,
        }),
        ...COSTLY_ROUTES.map((route) =>
          Match.objectLike({
            HttpMethod: route.split(' ')[0],
            ResourcePath: `/${route.split(' ')[1]!.replaceAll('/', '~1')}`,
            ThrottlingRateLimit: COSTLY_ROUTE_RATE_LIMIT,
            ThrottlingBurstLimit: COSTLY_ROUTE_BURST_LIMIT,
          }),
        ),
      ]),
    });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      BinaryMediaTypes: Match.arrayWith(['application/octet-stream']),
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
  });

  it('limits each API key, by either key header, with a WAF rate rule that answers 429 and Retry-After', () => {
    // Assess
    const [[aclId, acl]] = ofType('AWS::WAFv2::WebACL') as [[string, CfnResource]];
    const rules = acl.Properties['Rules'] as Record<string, unknown>[];
    expect(rules.map((rule) => (rule['Statement'] as Record<string, unknown>)['RateBasedStatement'])).toEqual(
      KEY_HEADERS.map((header) => ({
        AggregateKeyType: 'CUSTOM_KEYS',
        Limit: DEFAULT_KEY_RATE_LIMIT,
        EvaluationWindowSec: KEY_RATE_WINDOW_SECONDS,
        CustomKeys: [
          {
            Header: {
              Name: header,
              TextTransformations: [
                { Priority: 0, Type: 'LOWERCASE' },
                { Priority: 1, Type: 'COMPRESS_WHITE_SPACE' },
              ],
            },
          },
        ],
      })),
    );
    for (const rule of rules)
      expect(rule['Action']).toEqual({
        Block: {
          CustomResponse: {
            ResponseCode: 429,
            CustomResponseBodyKey: 'KeyThrottled',
            ResponseHeaders: [{ Name: 'Retry-After', Value: String(KEY_RATE_WINDOW_SECONDS) }],
          },
        },
      });
    expect(acl.Properties['DefaultAction']).toEqual({ Allow: {} });
    const [[stageId]] = ofType('AWS::ApiGateway::Stage') as [[string, CfnResource]];
    const [[, association]] = ofType('AWS::WAFv2::WebACLAssociation') as [[string, CfnResource]];
    expect(association.Properties['WebACLArn']).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(JSON.stringify(association.Properties['ResourceArn'])).toContain(`{"Ref":"${stageId}"}`);
  });

  it('answers gateway errors as problem+json with a pinned status', () => {
    // Act
    const responses = ofType('AWS::ApiGateway::GatewayResponse').map(([, response]) => response.Properties);

    // Assess
    expect(responses.map((response) => response.ResponseType).sort()).toEqual([
      'ACCESS_DENIED',
      'DEFAULT_4XX',
      'DEFAULT_5XX',
      'MISSING_AUTHENTICATION_TOKEN',
      'REQUEST_TOO_LARGE',
      'THROTTLED',
      'UNAUTHORIZED',
    ]);
    for (const spec of PROBLEM_GATEWAY_RESPONSES) {
      const response = responses.find((candidate) => candidate.ResponseType === spec.type.responseType);
      expect(response?.StatusCode).toBe(String(spec.status));
      expect(response?.ResponseParameters).toMatchObject({
        'gatewayresponse.header.Content-Type': "'application/problem+json'",
      });
      expect((response?.ResponseTemplates as Record<string, string>)['application/json']).toContain(
        `"status":${spec.status}`,
      );
    }
    expect(
      responses.find((response) => response.ResponseType === 'THROTTLED')?.ResponseParameters,
    ).toMatchObject({
      'gatewayresponse.header.Retry-After': `'${THROTTLED_RETRY_AFTER_SECONDS}'`,
    });
    expect(
      responses.find((response) => response.ResponseType === 'MISSING_AUTHENTICATION_TOKEN')?.StatusCode,
    ).toBe('404');
  });

  it('outputs the API URL', () => {
    // Assess
    template.hasOutput('ApiUrl', { Value: Match.anyValue() });
  });
});
