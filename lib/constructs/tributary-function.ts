import path from 'node:path';
import { ArnFormat, Duration, type Size, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ENV } from '../../lambdas/config/env-names';
import type { IdentityHashingSetting } from '../identity-hashing';
import { PROJECT_ROOT } from '../project-paths';
import { acknowledgeGrantWildcards } from './grant-wildcards';

/**
 * CloudFormation metadata keys on every function, read by the local runtime: which source file holds the handler
 * (project-relative, so the runtime imports the TypeScript source Lambda's bundle was built from) and its export.
 */
export const HANDLER_METADATA = {
  entry: 'tributary:handler',
  exportName: 'tributary:handler-export',
} as const;

/** The handler export every file under `lambdas/handlers/` provides. */
const HANDLER_EXPORT = 'handler';

/**
 * The function's service name in its logs: its handler file's name (`authorizer`, `batch-worker`, …), so a log search
 * by service finds one function's lines. Set here only: the handlers' logger reads it (adapters/handler-shell.ts).
 */
export function serviceNameOf(handlerPath: string): string {
  return path.basename(handlerPath, path.extname(handlerPath));
}

/** INFO keeps one structured line per request; raise per deployment with POWERTOOLS_LOG_LEVEL=DEBUG to diagnose. */
const LOG_LEVEL = 'INFO';

/** A month covers incident investigation; lineage of the data itself lives in the catalog, not in logs. */
export const FUNCTION_LOG_RETENTION = RetentionDays.ONE_MONTH;

/**
 * API handlers are I/O bound (DynamoDB round trips, small JSON). 512 MB buys about a third of a vCPU, which keeps
 * cold starts of the minified ESM bundle short without paying for idle CPU; CPU-bound functions (file parsing)
 * set their own.
 */
export const DEFAULT_MEMORY_MB = 512;

/**
 * Well under API Gateway's 29 s integration timeout, so a stuck downstream call ends as a function error the API
 * reports as a problem, not as a gateway timeout, while leaving room for the SDK's retries with backoff.
 */
export const DEFAULT_TIMEOUT = Duration.seconds(10);

/** esbuild target matching the runtime below. */
const ESBUILD_TARGET = 'node22';

/**
 * ESM bundles have no `require`; some CommonJS dependencies call it for Node built-ins. The shim gives them one,
 * as Powertools for AWS Lambda documents for ESM bundles.
 */
const CJS_REQUIRE_SHIM =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export type ResourceEnvName = Exclude<(typeof ENV)[keyof typeof ENV], typeof ENV.s3ForcePathStyle>;
/** `update`: UpdateItem only, for a function that only raises marks and counters, reading nothing. */
export type TableAccess = 'read' | 'update' | 'readWrite';
/** `readWrite` includes deletes: moving an object between prefixes is a copy and a delete. */
export type BucketAccess = 'read' | 'write' | 'readWrite';
export type StreamAccess = 'read' | 'write';

/** The wildcard KMS actions CDK grants to write through a customer-managed key (on that key's ARN only). */
const KMS_WRITE_ACTIONS = ['kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/** The wildcard action families of CDK's bucket grants, per access level. */
const BUCKET_WILDCARD_ACTIONS: Readonly<Record<BucketAccess, readonly string[]>> = {
  read: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'],
  write: ['s3:Abort*'],
  readWrite: ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'],
};

export interface TributaryFunctionProps {
  /** Project-relative path of the handler file, e.g. `lambdas/handlers/control-plane.ts`. */
  readonly handlerPath: string;
  readonly description: string;
  /** The customer-managed key that encrypts the function's log group. */
  readonly logKey: IKey;
  /** @default DEFAULT_MEMORY_MB */
  readonly memorySize?: number;
  /** @default DEFAULT_TIMEOUT */
  readonly timeout?: Duration;
  /** Room in `/tmp`. @default Lambda's 512 MiB */
  readonly ephemeralStorageSize?: Size;
  /**
   * Where Lambda puts an asynchronous event it gave up on. Without one the function must say why it needs none
   * (`acknowledgeNoDeadLetterQueue`), or the Serverless nag pack fails the app.
   */
  readonly deadLetterQueue?: IQueue;
}

/** The ARN prefix of a state machine's executions (`...:execution:<name>`); append `:<execution name>` or `:*`. */
export function executionsArnOf(machine: StateMachine): string {
  return Stack.of(machine).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: machine.stateMachineName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * The house Lambda function: Node.js 22 on Graviton, X-Ray tracing, an encrypted log group with retention, an ESM
 * bundle with source maps, and a role holding only what its binders grant. Resources are attached with
 * `bindTable` / `bindBucket` / `bindStream`, which set the environment variable naming the resource and grant
 * the matching least-privilege access (including the KMS key) in one call.
 */
export class TributaryFunction extends NodejsFunction {
  readonly handlerPath: string;
  /** The function's own role; grants made outside the binders acknowledge their wildcards on it. */
  readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: TributaryFunctionProps) {
    // Own role instead of the default one: AWSLambdaBasicExecutionRole would allow writing to every log group.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: FUNCTION_LOG_RETENTION,
      encryptionKey: props.logKey,
    });
    super(scope, id, {
      entry: path.join(PROJECT_ROOT, props.handlerPath),
      handler: HANDLER_EXPORT,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: props.timeout ?? DEFAULT_TIMEOUT,
      ...(props.ephemeralStorageSize ? { ephemeralStorageSize: props.ephemeralStorageSize } : {}),
      tracing: Tracing.ACTIVE,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      role,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: serviceNameOf(props.handlerPath),
        POWERTOOLS_LOG_LEVEL: LOG_LEVEL,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: ESBUILD_TARGET,
        minify: true,
        sourceMap: true,
        // Stack traces map to file and line without shipping the sources in the bundle.
        sourcesContent: false,
        mainFields: ['module', 'main'],
        banner: CJS_REQUIRE_SHIM,
        // The SDK versions the tests ran against, not whichever the runtime image happens to carry.
        bundleAwsSDK: true,
      },
    });
    this.handlerPath = props.handlerPath;
    this.executionRole = role;
    logGroup.grantWrite(role);

    const cfnFunction = this.node.defaultChild as CfnFunction;
    cfnFunction.addMetadata(HANDLER_METADATA.entry, props.handlerPath);
    cfnFunction.addMetadata(HANDLER_METADATA.exportName, HANDLER_EXPORT);

    const runtimeReason =
      'Pinned to nodejs22.x: middy 6, Powertools 2.35 and the pinned AWS SDK are tested on Node 20 and 22, ' +
      'and the local runtime runs the same code on them; a runtime upgrade is a tested change, not a default.';
    Validations.of(this).acknowledge(
      { id: 'AwsSolutions-L1', reason: runtimeReason },
      { id: 'Serverless-LambdaLatestVersion', reason: runtimeReason },
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level scoping.',
    });
  }

  /**
   * For a function nothing invokes asynchronously (API Gateway, Step Functions and event source mappings invoke
   * synchronously and handle failures themselves), or whose lost events need no redelivery: says which, instead
   * of a dead-letter queue that would never receive anything useful.
   */
  acknowledgeNoDeadLetterQueue(reason: string): this {
    Validations.of(this).acknowledge({ id: 'Serverless-LambdaDLQ', reason });
    return this;
  }

  /** Names `table` in `envName` and grants read, update or read-write item access, including the table's key. */
  bindTable(table: ITable, access: TableAccess, envName: ResourceEnvName): this {
    this.addEnvironment(envName, table.tableName);
    if (access === 'read') table.grantReadData(this);
    else if (access === 'update') {
      table.grant(this, 'dynamodb:UpdateItem');
      table.encryptionKey?.grantEncryptDecrypt(this);
    } else table.grantReadWriteData(this);
    acknowledgeGrantWildcards(this.executionRole, {
      resources: [{ arn: table.tableArn, suffix: '/index/*' }],
      reason: 'Queries through the secondary indexes of this one table: index/* is confined to its ARN.',
    });
    if (access !== 'read') this.acknowledgeKeyUse();
    return this;
  }

  /** Names `bucket` in `envName` and grants object access, including the bucket's key. */
  bindBucket(bucket: IBucket, access: BucketAccess, envName: ResourceEnvName): this {
    this.addEnvironment(envName, bucket.bucketName);
    if (access === 'read') bucket.grantRead(this);
    else if (access === 'write') bucket.grantPut(this);
    else bucket.grantReadWrite(this);
    acknowledgeGrantWildcards(this.executionRole, {
      actions: BUCKET_WILDCARD_ACTIONS[access],
      resources: [{ arn: bucket.bucketArn, suffix: '/*' }],
      reason:
        "CDK's object grant on this one bucket: <bucket ARN>/* names only its objects, and the action families " +
        '(object versions, listing, multipart abort) are what reading, writing or moving objects needs.',
    });
    if (access !== 'read') this.acknowledgeKeyUse();
    return this;
  }

  /** Names `stream` in `envName` and grants reading or writing records, including the stream's key. */
  bindStream(stream: IStream, access: StreamAccess, envName: ResourceEnvName): this {
    this.addEnvironment(envName, stream.streamName);
    if (access === 'read') stream.grantRead(this);
    else {
      stream.grantWrite(this);
      this.acknowledgeKeyUse();
    }
    return this;
  }

  /**
   * Names `machine` in `envName` and grants starting its executions and describing them (to tell whether an
   * execution the function started earlier still runs).
   */
  bindStateMachine(machine: StateMachine, envName: ResourceEnvName): this {
    this.addEnvironment(envName, machine.stateMachineArn);
    machine.grantStartExecution(this);
    return this.allowDescribingExecutions(executionsArnOf(machine));
  }

  /**
   * As bindStateMachine, for the state machine whose definition names this very function (the batch worker's own
   * workflow): its ARN is built from its name, as a reference to the machine would make a dependency cycle.
   */
  bindStateMachineNamed(stateMachineName: string, envName: ResourceEnvName): this {
    const stack = Stack.of(this);
    const arnOf = (resource: string): string =>
      stack.formatArn({
        service: 'states',
        resource,
        resourceName: stateMachineName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const machineArn = arnOf('stateMachine');
    this.addEnvironment(envName, machineArn);
    this.addToRolePolicy(
      new PolicyStatement({ actions: ['states:StartExecution'], resources: [machineArn] }),
    );
    return this.allowDescribingExecutions(arnOf('execution'));
  }

  private allowDescribingExecutions(executions: string): this {
    this.addToRolePolicy(
      new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [`${executions}:*`] }),
    );
    acknowledgeGrantWildcards(this.executionRole, {
      resources: [{ arn: executions, suffix: ':*' }],
      reason:
        'Describing the executions of this one state machine: execution names are chosen at start time.',
    });
    return this;
  }

  /**
   * Names the secrets under `namePrefix` (and the key that encrypts them) in the connection-secret variables and
   * grants reading them, or — `manage` — creating, rotating and deleting them too. Secrets Manager encrypts with the
   * key on the caller's behalf, so the caller holds the matching key permissions.
   */
  bindSecrets(namePrefix: string, key: IKey, access: 'read' | 'manage'): this {
    this.addEnvironment(ENV.connectionSecretPrefix, namePrefix);
    this.addEnvironment(ENV.connectionSecretKey, key.keyArn);
    const secrets = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: namePrefix,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const actions =
      access === 'read'
        ? ['secretsmanager:GetSecretValue']
        : [
            'secretsmanager:CreateSecret',
            'secretsmanager:DescribeSecret',
            'secretsmanager:GetSecretValue',
            'secretsmanager:PutSecretValue',
            'secretsmanager:UpdateSecret',
            'secretsmanager:DeleteSecret',
            'secretsmanager:TagResource',
          ];
    this.addToRolePolicy(new PolicyStatement({ actions, resources: [`${secrets}*`] }));
    if (access === 'read') key.grantDecrypt(this);
    else key.grantEncryptDecrypt(this);
    acknowledgeGrantWildcards(this.executionRole, {
      resources: [{ arn: secrets, suffix: '*' }],
      reason:
        'Connection secrets are created at run time, one per connection, under this one name prefix; Secrets ' +
        'Manager appends a random suffix to every secret ARN, so the prefix is the narrowest resource there is.',
    });
    if (access === 'manage') this.acknowledgeKeyUse();
    return this;
  }

  /**
   * Gives the function the deployment's identity hashing (lib/identity-hashing.ts): the hashed namespaces, the secret
   * keying them, and reading that one secret (GetSecretValue only) and decrypting it. Every function that writes or
   * looks up identities calls it with the same setting, or undefined when nothing is hashed: a writer and a reader
   * hashing differently would split every profile.
   */
  bindIdentityHashing(hashing: IdentityHashingSetting | undefined): this {
    if (!hashing) return this;
    this.addEnvironment(ENV.identityHashedNamespaces, hashing.namespaces.join(','));
    this.addEnvironment(ENV.identityHashSecretArn, hashing.secret.secretArn);
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [hashing.secret.secretArn],
      }),
    );
    hashing.key?.grantDecrypt(this);
    return this;
  }

  /**
   * For a function that emits custom metrics (lambdas/adapters/embedded-metrics.ts): the deployment's stage, their
   * Stage dimension, which the alarms and the dashboard name (`StreamingStack.customMetric`).
   */
  emitsMetricsOf(stageLabel: string): this {
    this.addEnvironment(ENV.deploymentStage, stageLabel);
    return this;
  }

  /** Acknowledges writing through the data key: the binders call it, and so does a grant made beside them. */
  acknowledgeKeyUse(): void {
    acknowledgeGrantWildcards(this.executionRole, {
      actions: KMS_WRITE_ACTIONS,
      reason:
        'Writing through the customer-managed data key: kms:GenerateDataKey* and kms:ReEncrypt* are granted on ' +
        'that one key ARN only.',
    });
  }
}
