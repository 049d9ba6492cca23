/**
 * The dataflow worker's composition root: the flow and run stores, the connections and source readers, the file
 * batch parts a run's batch is made with (the batches API's), the landing bucket its files are copied into, the
 * ingest-batch executions it watches, and the run notifications (EventBridge bus, webhooks).
 */
import { ENV } from '../config/env-names';
import { eventBridge, requiredEnv, s3, stepFunctions } from '../adapters/aws-clients';
import { EventBridgeRunEvents } from '../adapters/eventbridge-run-notifier';
import { S3LandingUploads } from '../adapters/s3-landing-uploads';
import { SfnExecutions } from '../adapters/sfn-executions';
import type { WorkflowInput } from '../core/batches/ingest/ingest-ports';
import type { RunWorkerDeps } from '../core/dataflows/run-worker-ports';
import { FetchWebhookSender } from '../core/dataflows/webhook-sender';
import { batchGuardrailsFromEnvironment } from './batch-guardrails';
import { dataflowPartsFromEnvironment } from './dataflow-parts';
import { fileBatchPartsFromEnvironment } from './file-batches';

export function dataflowWorkerFromEnvironment(): RunWorkerDeps {
  const parts = dataflowPartsFromEnvironment();
  const batchParts = fileBatchPartsFromEnvironment();
  return {
    flows: parts.flows,
    runs: parts.runs,
    connections: {
      get: (sandbox, id) => parts.connectionStore.get(sandbox, id),
      authOf: (connection) => parts.connections.authOf(connection),
    },
    sourceAccess: parts.sourceAccess,
    s3Source: parts.s3Source,
    httpSource: parts.httpSource,
    fileBatches: batchParts.fileBatches,
    batches: batchParts.batches,
    batchFiles: batchParts.files,
    landing: new S3LandingUploads(s3(), requiredEnv(ENV.landingBucket)),
    batchExecutions: new SfnExecutions<WorkflowInput>(
      stepFunctions(),
      requiredEnv(ENV.ingestBatchStateMachine),
    ),
    events: new EventBridgeRunEvents(eventBridge(), requiredEnv(ENV.dataflowEventBus)),
    webhooks: new FetchWebhookSender({
      allowPrivateHosts: parts.allowPrivateHosts,
      allowPlainHttp: parts.allowPlainHttpWebhooks,
    }),
    webhookSecrets: parts.secrets,
    guardrails: batchGuardrailsFromEnvironment(),
    now: parts.now,
  };
}
