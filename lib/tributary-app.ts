import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ApiStack } from './api-stack';
import { BatchStack } from './batch-stack';
import { StorageStack } from './storage-stack';
import { StreamingStack } from './streaming-stack';

export const STORAGE_STACK_NAME = 'Tributary-Storage';
export const API_STACK_NAME = 'Tributary-Api';
export const STREAMING_STACK_NAME = 'Tributary-Streaming';
export const BATCH_STACK_NAME = 'Tributary-Batch';

export interface TributaryAppProps {
  /** The app to build into; the local runtime and the tests pass one with bundling skipped. @default new App() */
  readonly app?: App;
  /** Check the app with the cdk-nag AwsSolutions pack during synthesis. @default true */
  readonly nag?: boolean;
}

export interface TributaryApp {
  readonly app: App;
  readonly storage: StorageStack;
  readonly api: ApiStack;
  readonly streaming: StreamingStack;
  readonly batch: BatchStack;
}

/**
 * The whole system as one CDK app: the stateful storage stack, and the stateless stacks that receive its resources.
 * Only constructs; nothing is synthesized or written here.
 */
export function createTributaryApp(props: TributaryAppProps = {}): TributaryApp {
  const app = props.app ?? new App();
  const storage = new StorageStack(app, STORAGE_STACK_NAME, {
    description:
      'Tributary stateful resources: data key, buckets, ingest stream, catalog, API key and profile tables',
  });
  const batch = new BatchStack(app, BATCH_STACK_NAME, {
    description:
      'Tributary file batches: the ingest-batch state machine, its worker and landing-folder file drops',
    storage,
  });
  const api = new ApiStack(app, API_STACK_NAME, {
    description: 'Tributary HTTP API: API Gateway, API key authorizer, control plane, profiles and batches',
    storage,
    batch,
  });
  const streaming = new StreamingStack(app, STREAMING_STACK_NAME, {
    description: 'Tributary streaming: the stream consumer into the lake, quarantine, profiles and batches',
    storage,
  });
  if (props.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, storage, api, streaming, batch };
}
