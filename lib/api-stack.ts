import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  type CfnAuthorizer,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  type RequestValidator,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { API_KEY_USE_ATTRIBUTES, ENV } from '../lambdas/config/env-names';
import { DEFAULT_PROFILE_GUARDRAILS } from '../lambdas/core/profiles/profile-ports';
import {
  BATCH_ROUTES,
  COLLECTION_ROUTES,
  CONTROL_PLANE_ROUTES,
  DATAFLOW_ROUTES,
  FILE_MEDIA_TYPES,
  PROFILE_ROUTES,
  type RouteDefinition,
} from '../lambdas/http/route-table';
import { AUTH_CONTEXT } from '../lambdas/http/api-types';
import { addProblemGatewayResponses } from './constructs/problem-gateway-responses';
import { DEFAULT_KEY_RATE_LIMIT, KeyRateLimits } from './constructs/key-rate-limits';
import { TributaryFunction } from './constructs/tributary-function';
import { acknowledgeGrantWildcards } from './constructs/grant-wildcards';
import { ON_FAILURE_PREFIX } from '../lambdas/core/streaming/on-failure-record';
import type { BatchStack } from './batch-stack';
import type { DataflowStack } from './dataflow-stack';
import type { TributaryStorage } from './storage-stack';

/**
 * The stage is part of every URL, so it names the API version rather than an environment: environments are
 * separate deployments, and `prod` already names the default sandbox.
 */
export const API_STAGE_NAME = 'v1';

/**
 * Stage-wide steady rate and burst (requests per second). The account's 10,000 rps / 5,000 burst is shared by every
 * API in the region; this leaves headroom for the others, matches Experience Platform's published 1,000 batched
 * requests per second, and bounds what a runaway producer can cost.
 */
export const STAGE_RATE_LIMIT = 1_000;
export const STAGE_BURST_LIMIT = 2_000;

/**
 * Routes that reach outside (a connection's source) or start a workflow: each call costs seconds of a function and
 * a source's patience, so they get their own low ceiling within the stage's. Ten a second is far above any human or
 * scheduler use and keeps a runaway client from hammering a partner's API through us.
 */
export const COSTLY_ROUTE_RATE_LIMIT = 10;
export const COSTLY_ROUTE_BURST_LIMIT = 20;
export const COSTLY_ROUTES = [
  'POST /connections/{connectionId}/test',
  'GET /connections/{connectionId}/explore',
  'POST /dataflows/{dataflowId}/runs',
  'POST /dataflows/{dataflowId}/runs/{runId}',
] as const;

/** Access logs answer "who called what"; those questions come within a quarter. */
const ACCESS_LOG_RETENTION = RetentionDays.THREE_MONTHS;

/** Execution logs hold only errors (bodies are never logged); a month covers incident investigation. */
const EXECUTION_LOG_RETENTION = RetentionDays.ONE_MONTH;

/** A key check is one or two reads; failing fast beats holding the caller when DynamoDB is unreachable. */
const AUTHORIZER_TIMEOUT = Duration.seconds(5);
/** A whole-file PUT holds up to API Gateway's 10 MB body twice (base64 and bytes) while it is stored. */
const BATCHES_MEMORY_MB = 1024;

/** Connection tests and explores wait on an outside source; API Gateway's integration timeout is 29 s. */
const DATAFLOWS_TIMEOUT = Duration.seconds(25);

/** Uploaded files arrive as bytes; everything else (JSON) stays text for the handlers. */

export interface ApiStackProps extends StackProps {
  readonly storage: TributaryStorage;
  /** The batch stack: the batches function starts its ingest-batch state machine. */
  readonly batch: Pick<BatchStack, 'ingestBatch'>;
  /** The dataflow stack: the dataflows function starts dataflow-run executions and reads sources as its worker does. */
  readonly dataflows: Pick<DataflowStack, 'dataflowRun' | 'sourceReader' | 'connectionSecretPrefix'>;
  /** Requests one API key may make per minute (constructs/key-rate-limits.ts). @default DEFAULT_KEY_RATE_LIMIT */
  readonly keyRateLimit?: number;
}

/**
 * Why each keyless route is public, for its cdk-nag acknowledgement (AwsSolutions-APIG4); a keyless route without
 * a reason here fails synthesis.
 */
const PUBLIC_ROUTE_REASONS: Readonly<Record<string, string>> = {
  'GET /health': 'it answers liveness probes and holds no data.',
  'POST /collection/{inletId}':
    'inlets created with authenticated: false take no key (Experience Platform semantics); the collect function ' +
    'checks the key (ingest scope) itself for authenticated inlets, and an inlet id is 256 random bits.',
  'POST /collection/batch/{inletId}':
    'inlets created with authenticated: false take no key (Experience Platform semantics); the collect function ' +
    'checks the key (ingest scope) itself for authenticated inlets, and an inlet id is 256 random bits.',
};

/**
 * The HTTP API: API Gateway REST API, the API key authorizer, and the control-plane, profiles, collect and batches
 * functions.
 */
export class ApiStack extends Stack {
  readonly api: RestApi;
  readonly authorizerFunction: TributaryFunction;
  readonly controlPlaneFunction: TributaryFunction;
  readonly profilesFunction: TributaryFunction;
  readonly collectFunction: TributaryFunction;
  readonly batchesFunction: TributaryFunction;
  readonly dataflowsFunction: TributaryFunction;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { storage } = props;

    this.authorizerFunction = new TributaryFunction(this, 'AuthorizerFunction', {
      handlerPath: 'lambdas/handlers/authorizer.ts',
      description: 'Checks the API key and the scope and sandbox it grants',
      logKey: storage.dataKey,
      timeout: AUTHORIZER_TIMEOUT,
    })
      .bindTable(storage.apiKeysTable, 'read', ENV.apiKeysTable)
      .bindTable(storage.catalogTable, 'read', ENV.catalogTable);
    // Its one write: a key's last-use time (hourly at most), an UpdateItem naming only these attributes and asking
    // for nothing back, so the authorizer can neither change a key's hash, scopes or sandbox nor read through it.
    this.authorizerFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [storage.apiKeysTable.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...API_KEY_USE_ATTRIBUTES] },
          StringEquals: { 'dynamodb:ReturnValues': 'NONE' },
        },
      }),
    );
    storage.apiKeysTable.encryptionKey?.grantEncryptDecrypt(this.authorizerFunction);
    this.authorizerFunction.acknowledgeKeyUse();

    this.controlPlaneFunction = new TributaryFunction(this, 'ControlPlaneFunction', {
      handlerPath: 'lambdas/handlers/control-plane.ts',
      description: 'Sandboxes, API keys, schemas, namespaces, datasets and inlets',
      logKey: storage.dataKey,
    })
      .bindTable(storage.catalogTable, 'readWrite', ENV.catalogTable)
      .bindTable(storage.apiKeysTable, 'readWrite', ENV.apiKeysTable);
    // It grants sandboxes their sources within the deployment's bounds; it reads none itself.
    props.dataflows.sourceReader.describeTo(this.controlPlaneFunction);

    this.profilesFunction = new TributaryFunction(this, 'ProfilesFunction', {
      handlerPath: 'lambdas/handlers/profiles.ts',
      description: 'Profile lookups, timelines, identity graphs, privacy deletes and merge policies',
      logKey: storage.dataKey,
    })
      .bindTable(storage.profilesTable, 'readWrite', ENV.profilesTable)
      .bindIdentityHashing(storage.identityHashing)
      // Merge policies live in the catalog (written here); namespaces and datasets are read from it.
      .bindTable(storage.catalogTable, 'readWrite', ENV.catalogTable);
    // The read side checks the graph cap; the values are the deployment's to change, defaults as documented.
    this.profilesFunction.addEnvironment(
      ENV.profileMaxIdentitiesPerGraph,
      String(DEFAULT_PROFILE_GUARDRAILS.maxIdentitiesPerGraph),
    );
    this.profilesFunction.addEnvironment(
      ENV.profileMaxIdentitiesPerRecord,
      String(DEFAULT_PROFILE_GUARDRAILS.maxIdentitiesPerRecord),
    );

    this.collectFunction = new TributaryFunction(this, 'CollectFunction', {
      handlerPath: 'lambdas/handlers/collect.ts',
      description: 'Streaming collection: checks messages of inlets and writes them to the ingest stream',
      logKey: storage.dataKey,
    })
      .bindStream(storage.ingestStream, 'write', ENV.ingestStream)
      // Partition keys are the primary identity as the profile store keys it (hashed where the deployment hashes).
      .bindIdentityHashing(storage.identityHashing)
      // How far each request put on each shard, per streaming window: streaming batches close by it.
      .bindTable(storage.batchesTable, 'update', ENV.batchesTable)
      // Inlets, datasets, schemas and namespaces are only read; keys of authenticated inlets likewise.
      .bindTable(storage.catalogTable, 'read', ENV.catalogTable)
      .bindTable(storage.apiKeysTable, 'read', ENV.apiKeysTable);

    this.batchesFunction = new TributaryFunction(this, 'BatchesFunction', {
      handlerPath: 'lambdas/handlers/batches-api.ts',
      description:
        'File batches (create, upload, complete, revert) and the batch catalog, failed records, replays',
      logKey: storage.dataKey,
      // A whole-file PUT carries up to API Gateway's 10 MB; the function holds it once in memory.
      memorySize: BATCHES_MEMORY_MB,
    })
      .bindTable(storage.batchesTable, 'readWrite', ENV.batchesTable)
      .bindTable(storage.catalogTable, 'read', ENV.catalogTable)
      // Uploaded files and their parts are written to the landing bucket, and read for previews.
      .bindBucket(storage.landingBucket, 'readWrite', ENV.landingBucket)
      .bindBucket(storage.quarantineBucket, 'read', ENV.quarantineBucket)
      .bindStream(storage.ingestStream, 'write', ENV.ingestStream)
      .bindStateMachine(props.batch.ingestBatch, ENV.ingestBatchStateMachine);
    // A redrive deletes an on-failure object once every sandbox's part of it is redriven; nothing else.
    this.batchesFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:DeleteObject'],
        resources: [storage.quarantineBucket.arnForObjects(`${ON_FAILURE_PREFIX}*`)],
      }),
    );
    acknowledgeGrantWildcards(this.batchesFunction.executionRole, {
      resources: [{ arn: storage.quarantineBucket.bucketArn, suffix: `/${ON_FAILURE_PREFIX}*` }],
      reason:
        'Deleting the on-failure objects Lambda writes under their fixed prefix, whose names it chooses.',
    });

    this.dataflowsFunction = new TributaryFunction(this, 'DataflowsFunction', {
      handlerPath: 'lambdas/handlers/dataflows-api.ts',
      description: 'Source connections (secrets in Secrets Manager), dataflows, schedules and flow runs',
      logKey: storage.dataKey,
      // Testing or exploring a connection waits on the source (retries with backoff) within API Gateway's 29 s.
      timeout: DATAFLOWS_TIMEOUT,
    })
      .bindTable(storage.catalogTable, 'readWrite', ENV.catalogTable)
      // Flow runs are kept with the batches they fed.
      .bindTable(storage.batchesTable, 'readWrite', ENV.batchesTable)
      .bindStateMachine(props.dataflows.dataflowRun, ENV.dataflowRunStateMachine)
      .bindSecrets(props.dataflows.connectionSecretPrefix, storage.dataKey, 'manage');
    // Testing and exploring a connection read its source as the pulls do: through the sandbox's reader session.
    props.dataflows.sourceReader.grantReading(this.dataflowsFunction);
    for (const fn of [
      this.authorizerFunction,
      this.controlPlaneFunction,
      this.profilesFunction,
      this.collectFunction,
      this.batchesFunction,
      this.dataflowsFunction,
    ]) {
      fn.acknowledgeNoDeadLetterQueue(
        'Invoked only synchronously by API Gateway: a failure is answered to the caller as a problem, and ' +
          'nothing is queued for a later retry.',
      );
    }

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: ACCESS_LOG_RETENTION,
      encryptionKey: storage.dataKey,
    });
    this.api = new RestApi(this, 'TributaryApi', {
      description: 'Tributary HTTP API',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      binaryMediaTypes: [...FILE_MEDIA_TYPES],
      // Stage logging needs the account-level CloudWatch role; the role is retained because it is account-wide.
      cloudWatchRole: true,
      deployOptions: {
        stageName: API_STAGE_NAME,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        // Request and response bodies carry customer data; they never go to the execution logs.
        dataTraceEnabled: false,
        throttlingRateLimit: STAGE_RATE_LIMIT,
        throttlingBurstLimit: STAGE_BURST_LIMIT,
        methodOptions: Object.fromEntries(
          COSTLY_ROUTES.map((route) => {
            const [method, resource] = route.split(' ') as [string, string];
            return [
              `${resource}/${method}`,
              {
                throttlingRateLimit: COSTLY_ROUTE_RATE_LIMIT,
                throttlingBurstLimit: COSTLY_ROUTE_BURST_LIMIT,
              },
            ];
          }),
        ),
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: ACCESS_LOG_FORMAT,
      },
    });
    this.adoptExecutionLogGroup(storage.dataKey);
    addProblemGatewayResponses(this.api);

    const authorizer = new RequestAuthorizer(this, 'ApiKeyAuthorizer', {
      handler: this.authorizerFunction,
      // The key comes in `Authorization: Bearer` or in `x-api-key`, so no single identity source exists and
      // API Gateway cannot cache by one. Caching is off; the authorizer decides on every request, which also
      // makes a revoked key stop working at once.
      identitySources: [],
      resultsCacheTtl: Duration.seconds(0),
    });
    // With caching off no identity source is needed; an empty one is not a valid value.
    (authorizer.node.defaultChild as CfnAuthorizer).addPropertyDeletionOverride('IdentitySource');

    const validator = this.api.addRequestValidator('RequestValidator', {
      // Bodies have no gateway model: the handlers validate them against JSON Schema and answer violations with
      // field pointers, which a gateway model cannot. The validator enforces the declared path parameters.
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    this.addRoutes(CONTROL_PLANE_ROUTES, this.controlPlaneFunction, authorizer, validator);
    this.addRoutes(PROFILE_ROUTES, this.profilesFunction, authorizer, validator);
    this.addRoutes(COLLECTION_ROUTES, this.collectFunction, authorizer, validator);
    this.addRoutes(BATCH_ROUTES, this.batchesFunction, authorizer, validator);
    this.addRoutes(DATAFLOW_ROUTES, this.dataflowsFunction, authorizer, validator);

    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          "API Gateway's account-level logging role: AWS documents this managed policy for it, and AWS keeps it in " +
          'step with what API Gateway needs to write access and execution logs.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Callers are machines holding API keys (Authorization: Bearer or x-api-key), checked by a Lambda REQUEST ' +
          'authorizer against hashed keys; there are no Cognito users.',
      },
    );
    new KeyRateLimits(this, 'KeyRateLimits', {
      stageArn: this.api.deploymentStage.stageArn,
      limit: props.keyRateLimit ?? DEFAULT_KEY_RATE_LIMIT,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the Tributary HTTP API' });
  }

  /** One API Gateway method per route, all proxied to `handler`; routes with scope `none` take no key. */
  private addRoutes(
    routes: readonly RouteDefinition[],
    handler: TributaryFunction,
    authorizer: RequestAuthorizer,
    validator: RequestValidator,
  ): void {
    // One invoke permission for the whole API instead of one per method keeps the function policy small.
    const integration = new LambdaIntegration(handler, { proxy: true, scopePermissionToMethod: false });
    for (const route of routes) {
      const method = this.api.root.resourceForPath(route.resource).addMethod(route.method, integration, {
        requestValidator: validator,
        requestParameters: pathParameters(route.resource),
        ...(route.scope === 'none'
          ? { authorizationType: AuthorizationType.NONE }
          : { authorizationType: AuthorizationType.CUSTOM, authorizer }),
      });
      if (route.scope === 'none') {
        const reason = PUBLIC_ROUTE_REASONS[`${route.method} ${route.resource}`];
        if (!reason)
          throw new Error(`${route.method} ${route.resource} takes no key but has no stated reason`);
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.resource} is public by design: ${reason}`,
        });
      }
    }
  }

  /**
   * API Gateway creates the execution log group on first use, without retention or encryption. Creating it first,
   * under the name API Gateway will use, gives it both.
   */
  private adoptExecutionLogGroup(encryptionKey: IKey): void {
    const executionLogs = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${API_STAGE_NAME}`,
      retention: EXECUTION_LOG_RETENTION,
      encryptionKey,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);
  }
}

const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: AccessLogField.contextRequestId(),
    traceId: AccessLogField.contextXrayTraceId(),
    ip: AccessLogField.contextIdentitySourceIp(),
    requestTimeEpoch: AccessLogField.contextRequestTimeEpoch(),
    method: AccessLogField.contextHttpMethod(),
    resource: AccessLogField.contextResourcePath(),
    path: AccessLogField.contextPath(),
    status: AccessLogField.contextStatus(),
    responseLength: AccessLogField.contextResponseLength(),
    responseLatency: AccessLogField.contextResponseLatency(),
    integrationLatency: AccessLogField.contextIntegrationLatency(),
    // The key's id, never the key: who called, without a secret in the logs.
    keyId: AccessLogField.contextAuthorizer(AUTH_CONTEXT.keyId),
    authorizerError: AccessLogField.contextAuthorizerError(),
    errorType: AccessLogField.contextErrorResponseType(),
    error: AccessLogField.contextErrorMessage(),
  }),
);

function pathParameters(resource: string): Record<string, boolean> {
  return Object.fromEntries(
    [...resource.matchAll(/\{(\w+)\}/g)].map(([, name]) => [`method.request.path.${name}`, true]),
  );
}
