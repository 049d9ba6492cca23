import { App, Aspects, CrossStackReferences, ReferenceStrength, type Stack, Validations } from 'aws-cdk-lib';
import { DEFAULT_CROSS_STACK_REFERENCES } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { ApiStack } from './api-stack';
import { BatchStack } from './batch-stack';
import { NotifyEveryAlarm } from './constructs/alarm-topic';
import { LogGroupsEndWithTheirStack } from './constructs/log-groups';
import type { SourceAccess } from './constructs/source-access';
import { DataflowStack } from './dataflow-stack';
import { deploymentStageOf, tagComponent, type Component, type DeploymentStage } from './deployment-stage';
import { MonitoringStack } from './monitoring-stack';
import { StorageStack } from './storage-stack';
import { StreamingStack } from './streaming-stack';

/** Stack names of a deployment without a stage; `-c stage=dev` makes them `Tributary-dev-Storage` and so on. */
export const STORAGE_STACK_NAME = 'Tributary-Storage';
export const API_STACK_NAME = 'Tributary-Api';
export const STREAMING_STACK_NAME = 'Tributary-Streaming';
export const BATCH_STACK_NAME = 'Tributary-Batch';
export const DATAFLOW_STACK_NAME = 'Tributary-Dataflows';

export interface TributaryAppProps {
  /** The app to build into; the local runtime and the tests pass one with bundling skipped. @default new App() */
  readonly app?: App;
  /** Check the app with the cdk-nag AwsSolutions and Serverless packs during synthesis. @default true */
  readonly nag?: boolean;
  /** Which buckets S3 dataflows may read and which roles they may assume. @default context `tributary:sources` */
  readonly sources?: SourceAccess;
  /** Requests one API key may make per minute. @default context `tributary:keyRateLimit`, else 12,000 */
  readonly keyRateLimit?: number;
}

export interface TributaryApp {
  readonly app: App;
  readonly storage: StorageStack;
  readonly api: ApiStack;
  readonly streaming: StreamingStack;
  readonly batch: BatchStack;
  readonly dataflows: DataflowStack;
  readonly monitoring: MonitoringStack;
  /** The deployment's stage (context `stage`) and the names it decides. */
  readonly stage: DeploymentStage;
}

/**
 * The whole system as one CDK app: the stateful storage stack, and the stateless stacks that receive its resources.
 * Only constructs; nothing is synthesized or written here.
 */
export function createTributaryApp(props: TributaryAppProps = {}): TributaryApp {
  const app = props.app ?? new App();
  const stage = deploymentStageOf(app);
  useStrongCrossStackReferences(app);
  const named = <S extends Stack>(component: Component, create: (stackName: string) => S): S => {
    const stack = create(stage.stackName(component));
    tagComponent(stack, stage, component);
    return stack;
  };
  const storage = named(
    'Storage',
    (name) =>
      new StorageStack(app, name, {
        description:
          'Tributary stateful resources: data key, buckets, ingest stream, catalog, API key and profile tables',
      }),
  );
  const batch = named(
    'Batch',
    (name) =>
      new BatchStack(app, name, {
        description:
          'Tributary file batches: the ingest-batch state machine, its worker and landing-folder file drops',
        storage,
      }),
  );
  const dataflows = named(
    'Dataflows',
    (name) =>
      new DataflowStack(app, name, {
        description:
          'Tributary dataflows: the dataflow-run state machine, its worker and the schedule dispatcher',
        storage,
        batch,
        sources: props.sources ?? sourcesFromContext(app),
        connectionSecretPrefix: stage.connectionSecretPrefix,
      }),
  );
  const api = named(
    'Api',
    (name) =>
      new ApiStack(app, name, {
        description:
          'Tributary HTTP API: API Gateway, API key authorizer, control plane, profiles, batches and dataflows',
        storage,
        batch,
        dataflows,
        ...keyRateLimitOf(props, app),
      }),
  );
  const streaming = named(
    'Streaming',
    (name) =>
      new StreamingStack(app, name, {
        description:
          'Tributary streaming: the stream consumer into the lake, quarantine, profiles and batches',
        storage,
        stageLabel: stage.label,
      }),
  );
  const monitoring = named(
    'Monitoring',
    (name) =>
      new MonitoringStack(app, name, {
        description: 'Tributary monitoring: the pipeline dashboard',
        storage,
        api,
        streaming,
        batch,
        dataflows,
      }),
  );
  Aspects.of(app).add(new NotifyEveryAlarm(storage.alarmTopic));
  Aspects.of(app).add(new LogGroupsEndWithTheirStack());
  if (props.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  }
  return { app, storage, api, streaming, batch, dataflows, monitoring, stage };
}

/**
 * The stacks reference the storage stack with CloudFormation exports (`Fn::ImportValue`), never with
 * `Fn::GetStackOutput` (CDK's "weak" references): exports resolve in every region and partition CloudFormation runs
 * in, and they keep the stateful storage stack from being deleted while another stack still uses its tables, buckets
 * or key. GetStackOutput is new, its regional availability is not documented, and it would let `cdk destroy` of the
 * storage stack leave the other stacks pointing at nothing. A context asking for another strength is refused rather
 * than ignored (docs/infrastructure.md#cross-stack-references).
 */
function useStrongCrossStackReferences(app: App): void {
  const asked: unknown = app.node.tryGetContext(DEFAULT_CROSS_STACK_REFERENCES);
  if (asked !== undefined && asked !== ReferenceStrength.STRONG) {
    throw new Error(
      `context ${DEFAULT_CROSS_STACK_REFERENCES} must be "${ReferenceStrength.STRONG}" (or unset): Tributary's stacks reference the storage stack with exports`,
    );
  }
  CrossStackReferences.of(app).consume(ReferenceStrength.STRONG);
}

/**
 * `cdk deploy -c tributary:sources='{"bucketNames":["partner-drop"],"roleNamePrefix":"tributary-source-"}'` or the
 * same object under `context` in cdk.json: the deployment names what its S3 dataflows may read.
 */
function sourcesFromContext(app: App): SourceAccess {
  const value: unknown = app.node.tryGetContext('tributary:sources');
  return value === undefined ? {} : parseSourceAccess(value, 'context tributary:sources');
}

/** Source access as JSON text or an object (the context, the local runtime's TRIBUTARY_SOURCES), checked. */
export function parseSourceAccess(value: unknown, where: string): SourceAccess {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (parsed === null || typeof parsed !== 'object') throw new Error(`${where} must be an object`);
  const { bucketNames, roleNamePrefix } = parsed as Record<string, unknown>;
  if (
    bucketNames !== undefined &&
    !(Array.isArray(bucketNames) && bucketNames.every((n) => typeof n === 'string'))
  )
    throw new Error(`${where}.bucketNames must be a list of bucket names`);
  if (roleNamePrefix !== undefined && typeof roleNamePrefix !== 'string')
    throw new Error(`${where}.roleNamePrefix must be a string`);
  return {
    ...(bucketNames ? { bucketNames } : {}),
    ...(roleNamePrefix !== undefined ? { roleNamePrefix } : {}),
  };
}

/**
 * `cdk deploy -c tributary:keyRateLimit=3000` or the same number under `context` in cdk.json: how many requests one
 * API key may make per minute before WAF answers 429 (docs/infrastructure.md).
 */
function keyRateLimitOf(props: TributaryAppProps, app: App): { keyRateLimit?: number } {
  const value: unknown = props.keyRateLimit ?? app.node.tryGetContext('tributary:keyRateLimit');
  if (value === undefined) return {};
  const limit = Number(value);
  if (!Number.isInteger(limit)) throw new Error('context tributary:keyRateLimit must be a whole number');
  return { keyRateLimit: limit };
}
