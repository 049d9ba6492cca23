/**
 * One AWS JSON 1.1 endpoint for the two services dataflows reach besides storage: Secrets Manager (connection
 * secrets and the template's own, in `<data>/secrets.json`) and EventBridge PutEvents (flow-run notifications, in `<data>/events.jsonl`).
 * Point clients at it with AWS_ENDPOINT_URL_SECRETS_MANAGER and AWS_ENDPOINT_URL_EVENTBRIDGE.
 */
import { startAwsJsonServer, type Json, type RunningAwsJsonServer } from '../aws-json-server';
import { eventBridgeAccessRequests } from '../iam/actions/event-bridge';
import { secretsManagerAccessRequests } from '../iam/actions/secrets-manager';
import type { RoleAccess } from '../iam/role-access';
import type { RuntimeLog } from '../runtime-log';
import { LOCAL_PARTITION } from '../template/cloudformation';
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
  /** Holds each function's calls to its role. @default no check */
  readonly access?: RoleAccess;
  /** The template's own secrets, created when absent (template-secrets.ts). @default none */
  readonly templateSecrets?: readonly TemplateSecret[];
}

const SECRETS_MANAGER = 'secretsmanager';
const EVENT_BRIDGE = 'AWSEvents';

/** The SDK's endpoint variables for the two services: both name this one endpoint. */
export function secretsAndEventsEnvironment(url: string): Record<string, string> {
  return { AWS_ENDPOINT_URL_SECRETS_MANAGER: url, AWS_ENDPOINT_URL_EVENTBRIDGE: url };
}

export function startSecretsAndEvents(options: SecretsAndEventsOptions): Promise<RunningAwsJsonServer> {
  const { dataDir, log, region, account } = options;
  const store = new SecretStore(dataDir);
  ensureTemplateSecrets(store, options.templateSecrets ?? []);
  const scope = { partition: LOCAL_PARTITION, region, account };
  const requestsOf = (service: string, operation: string, input: Json) =>
    service === SECRETS_MANAGER
      ? secretsManagerAccessRequests(scope, operation, input, (id) => store.find(id))
      : eventBridgeAccessRequests(scope, operation, input);
  return startAwsJsonServer({
    services: {
      [SECRETS_MANAGER]: secretsManagerOperations({ store, region, account }),
      [EVENT_BRIDGE]: eventBridgeOperations({ dataDir, log }),
    },
    log,
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.access ? { access: { roles: options.access, requestsOf } } : {}),
  });
}
