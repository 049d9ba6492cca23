/**
 * One AWS JSON 1.1 endpoint for the two services dataflows reach besides storage: Secrets Manager (connection
 * secrets and the template's own, in `<data>/secrets.json`) and EventBridge PutEvents (flow-run notifications, in `<data>/events.jsonl`).
 * Point clients at it with AWS_ENDPOINT_URL_SECRETS_MANAGER and AWS_ENDPOINT_URL_EVENTBRIDGE.
 */
import type { RuntimeLog } from '../runtime-log';
import { startAwsJsonServer, type RunningAwsJsonServer } from './aws-json-server';
import { eventBridgeOperations } from './event-bridge';
import { SecretStore } from './secret-store';
import { secretsManagerOperations } from './secrets-manager';
import { ensureTemplateSecrets, type TemplateSecret } from './template-secrets';

export interface SecretsAndEventsOptions {
  readonly dataDir: string;
  readonly log: RuntimeLog;
  readonly region: string;
  readonly account: string;
  /** Listen on this port (0 or absent: a free one), so a restart keeps the endpoint clients already hold. */
  readonly port?: number;
  /** The template's own secrets, created when absent (template-secrets.ts). @default none */
  readonly templateSecrets?: readonly TemplateSecret[];
}

/** The SDK's endpoint variables for the two services: both name this one endpoint. */
export function secretsAndEventsEnvironment(url: string): Record<string, string> {
  return { AWS_ENDPOINT_URL_SECRETS_MANAGER: url, AWS_ENDPOINT_URL_EVENTBRIDGE: url };
}

export function startSecretsAndEvents(options: SecretsAndEventsOptions): Promise<RunningAwsJsonServer> {
  const { dataDir, log, region, account } = options;
  const store = new SecretStore(dataDir);
  ensureTemplateSecrets(store, options.templateSecrets ?? []);
  return startAwsJsonServer({
    services: {
      secretsmanager: secretsManagerOperations({ store, region, account }),
      AWSEvents: eventBridgeOperations({ dataDir, log }),
    },
    log,
    ...(options.port === undefined ? {} : { port: options.port }),
  });
}
