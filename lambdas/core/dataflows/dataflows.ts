/**
 * Dataflows through the API: create one from a connection, a dataset and an optional mapping set (each must exist
 * in the sandbox), with an optional schedule; read, list, change (name, schedule, mapping, enabled, notifications)
 * and delete it. Enabling or rescheduling recomputes the next slot; disabling clears it. A flow cannot be deleted
 * while a run of it is going.
 *
 * A flow's webhook is https (plain http only where allowed: the local runtime) and signed with a secret of its own
 * (`whsec_…`, webhook-signature.ts), kept in the SecretStore beside the connections' secrets
 * (`<secretPrefix><sandbox>/webhooks/<flowId>`). The secret is answered once — when it is made, with the webhook or
 * by `rotateSecret` — and never again; the webhook's URL is answered by its origin only (url-redaction.ts).
 */
import { ulid } from 'ulid';
import { invalid, conflict, notFound, unprocessable, type Violation } from '../errors/domain-error';
import type { Connection, SecretStore } from '../connections/connection-types';
import { keptUrl, redactedWebhookUrl } from '../connections/url-redaction';
import type { MappingSetReferences } from '../mapping-sets/mapping-sets';
import type { MappingReference } from '../mapping/mapping-types';
import type { Page, PageRequest } from '../page';
import { changeFlow, stateChange } from './dataflow-changes';
import type {
  Dataflow,
  DataflowNotifications,
  DataflowSchedule,
  DataflowStore,
  FlowRunStore,
  RunWorkflow,
  ScheduleFrequency,
} from './dataflow-types';
import { claimAlive, failDeadRun } from './run-start';
import { MAX_SCHEDULE_INTERVAL, nextRunAtOf, parseStartTime } from './schedule';
import { newWebhookSecret } from './webhook-signature';

/** A schedule as the API takes it: Experience Platform's `scheduleParams` (epoch seconds, string numbers allowed). */
export interface ScheduleInput {
  readonly frequency: ScheduleFrequency;
  readonly interval?: number | string;
  readonly startTime?: number | string;
  readonly backfill?: boolean;
}

export interface NewDataflow {
  readonly name: string;
  readonly description?: string;
  readonly connectionId: string;
  readonly datasetId: string;
  readonly mappingSetId?: string;
  readonly mappingSetVersion?: number;
  readonly schedule?: ScheduleInput;
  readonly enabled?: boolean;
  readonly notifications?: NotificationsInput;
}

/** Notifications as the API takes them: the webhook, and (PATCH only) whether to replace its signing secret. */
export interface NotificationsInput {
  readonly webhookUrl?: string;
  readonly rotateSecret?: boolean;
}

/** A flow as create and update answer it: with its webhook's signing secret when one was just made (shown once). */
export type ChangedDataflow = Dataflow & { readonly signingSecret?: string };

/** A PATCH: `null` removes the schedule (on demand only), the mapping, or the notifications. */
export interface DataflowPatch {
  readonly name?: string;
  readonly description?: string;
  readonly enabled?: boolean;
  readonly schedule?: ScheduleInput | null;
  readonly mappingSetId?: string | null;
  readonly mappingSetVersion?: number;
  readonly notifications?: NotificationsInput | null;
}

export interface DataflowServiceDeps {
  readonly flows: DataflowStore;
  readonly runs: FlowRunStore;
  /** Only to tell whether a flow's claimed run is alive when it is deleted. */
  readonly workflow: RunWorkflow;
  readonly connections: { get(sandbox: string, id: string): Promise<Connection | undefined> };
  readonly datasets: { get(sandbox: string, id: string): Promise<unknown> };
  readonly mappingSets: MappingSetReferences;
  /** Where webhook signing secrets are kept, named `<secretPrefix><sandbox>/webhooks/<flowId>`. */
  readonly secrets: SecretStore;
  readonly secretPrefix: string;
  /** Let webhooks be plain http (the local runtime); elsewhere they must be https. */
  readonly allowPlainHttpWebhooks: boolean;
  readonly now: () => Date;
  readonly newId?: () => string;
}

const WEBHOOK_POINTER = '/notifications/webhookUrl';

const MAX_DELETE_ROUNDS = 8;

/** The schedule to store, or an `invalid` error naming every field that breaks Experience Platform's schedule rules. */
export function scheduleOf(input: ScheduleInput, now: Date, pointer = '/schedule'): DataflowSchedule {
  const violations: Violation[] = [];
  const once = input.frequency === 'once';
  let interval: number | undefined;
  if (once) {
    if (input.interval !== undefined) {
      violations.push({
        pointer: `${pointer}/interval`,
        keyword: 'not',
        message: 'a once schedule has no interval',
      });
    }
  } else if (input.interval === undefined) {
    violations.push({
      pointer: `${pointer}/interval`,
      keyword: 'required',
      message: `a ${input.frequency} schedule needs an interval`,
    });
  } else {
    interval =
      typeof input.interval === 'number'
        ? input.interval
        : /^\d+$/.test(input.interval)
          ? Number(input.interval)
          : NaN;
    if (!(Number.isInteger(interval) && interval >= 1 && interval <= MAX_SCHEDULE_INTERVAL)) {
      violations.push({
        pointer: `${pointer}/interval`,
        keyword: 'range',
        message: `interval must be an integer from 1 to ${MAX_SCHEDULE_INTERVAL}`,
      });
    }
  }
  const startTime = input.startTime === undefined ? now.toISOString() : parseStartTime(input.startTime);
  if (startTime === undefined) {
    violations.push({
      pointer: `${pointer}/startTime`,
      keyword: 'format',
      message: 'startTime must be epoch seconds or an ISO 8601 date-time with a zone',
    });
  }
  if (violations.length > 0 || startTime === undefined) {
    throw invalid(
      'invalid-schedule',
      `the schedule is invalid: ${violations.map((v) => `${v.pointer} ${v.message}`).join('; ')}`,
      violations,
    );
  }
  return {
    frequency: input.frequency,
    ...(interval === undefined ? {} : { interval }),
    startTime,
    backfill: input.backfill ?? true,
  };
}

export class DataflowService {
  private readonly newId: () => string;

  constructor(private readonly deps: DataflowServiceDeps) {
    this.newId = deps.newId ?? (() => ulid());
  }

  async create(sandbox: string, input: NewDataflow, createdBy: string): Promise<ChangedDataflow> {
    const now = this.deps.now();
    const schedule = input.schedule ? scheduleOf(input.schedule, now) : undefined;
    await this.requireReferences(sandbox, input.connectionId, input.datasetId);
    const mapping = await this.mappingOf(sandbox, input.mappingSetId, input.mappingSetVersion);
    const enabled = input.enabled ?? true;
    const nextRunAt = nextRunAtOf({ enabled, ...(schedule ? { schedule } : {}), state: {} }, now);
    const id = this.newId();
    const webhookUrl =
      input.notifications?.webhookUrl === undefined
        ? undefined
        : this.webhookUrlOf(input.notifications.webhookUrl);
    const signingSecret = webhookUrl === undefined ? undefined : newWebhookSecret();
    const secretRef =
      signingSecret === undefined
        ? undefined
        : await this.deps.secrets.create(this.secretName(sandbox, id), signingSecret);
    const flow: Dataflow = {
      id,
      sandbox,
      name: input.name,
      ...(input.description !== undefined ? { description: input.description } : {}),
      connectionId: input.connectionId,
      datasetId: input.datasetId,
      ...(mapping ? { mapping } : {}),
      ...(schedule ? { schedule } : {}),
      enabled,
      ...(input.notifications
        ? { notifications: webhookUrl === undefined ? {} : { webhookUrl, secretRef } }
        : {}),
      state: nextRunAt ? { nextRunAt } : {},
      createdAt: now.toISOString(),
      createdBy,
      updatedAt: now.toISOString(),
      revision: 1,
    };
    const created = await this.deps.flows.create(flow).catch(async (error: unknown) => {
      await this.discardSecret(secretRef);
      throw error;
    });
    if (!created) {
      await this.discardSecret(secretRef);
      throw conflict('dataflow-id-conflict', 'a dataflow with this id already exists');
    }
    return signingSecret === undefined ? flow : { ...flow, signingSecret };
  }

  async get(sandbox: string, id: string): Promise<Dataflow> {
    const flow = await this.deps.flows.get(sandbox, id);
    if (!flow) throw notFound('dataflow', id);
    return flow;
  }

  list(sandbox: string, page: PageRequest): Promise<Page<Dataflow>> {
    return this.deps.flows.list(sandbox, page);
  }

  async update(sandbox: string, id: string, patch: DataflowPatch): Promise<ChangedDataflow> {
    const now = this.deps.now();
    const schedule = patch.schedule ? scheduleOf(patch.schedule, now) : patch.schedule;
    const current = await this.get(sandbox, id);
    const mapping = await this.patchedMapping(sandbox, current, patch);
    const webhook = await this.patchedWebhook(current, patch.notifications);
    const changed = await changeFlow(this.deps.flows, sandbox, id, this.deps.now, (flow) => {
      const enabled = patch.enabled ?? flow.enabled;
      const next: Dataflow = {
        ...flow,
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        enabled,
        schedule: schedule === undefined ? flow.schedule : (schedule ?? undefined),
        mapping: mapping === undefined ? flow.mapping : (mapping ?? undefined),
        notifications: webhook === undefined ? flow.notifications : (webhook.notifications ?? undefined),
      };
      const rescheduled = schedule !== undefined || enabled !== flow.enabled;
      const nextRunAt = rescheduled ? nextRunAtOf(next, now) : flow.state.nextRunAt;
      return { ...next, ...stateChange(flow, { nextRunAt }) };
    });
    if (!changed) {
      if (webhook?.created) await this.discardSecret(webhook.notifications?.secretRef);
      throw notFound('dataflow', id);
    }
    const dropped = current.notifications?.secretRef;
    if (webhook !== undefined && dropped !== undefined && webhook.notifications?.secretRef !== dropped) {
      await this.deps.secrets.remove(dropped);
    }
    // A rotation replaces the value once the flow is written: a PATCH refused before that leaves the secret as it was.
    if (webhook?.rotated) await this.deps.secrets.update(webhook.rotated.secretRef, webhook.rotated.secret);
    const signingSecret = webhook?.rotated?.secret ?? webhook?.secret;
    return signingSecret === undefined ? changed : { ...changed, signingSecret };
  }

  async delete(sandbox: string, id: string): Promise<void> {
    for (let round = 0; round < MAX_DELETE_ROUNDS; round += 1) {
      const flow = await this.get(sandbox, id);
      const activeRunId = flow.state.activeRunId;
      if (activeRunId) {
        if (await claimAlive(this.deps, flow, activeRunId)) {
          throw conflict(
            'run-in-progress',
            `run ${activeRunId} of dataflow ${id} is in progress; delete it once it ends`,
          );
        }
        await failDeadRun(this.deps, flow, activeRunId);
      }
      // Conditional on the revision read: a run started since then makes the delete look again.
      if (await this.deps.flows.delete(sandbox, id, flow.revision)) {
        await this.deps.runs.deleteAll(sandbox, id);
        await this.discardSecret(flow.notifications?.secretRef);
        return;
      }
    }
    throw conflict('dataflow-busy', `dataflow ${id} kept changing; retry`);
  }

  /**
   * What a PATCH does to the webhook: undefined when it leaves the notifications alone. Otherwise the notifications
   * to store — the URL kept when it comes back as answered, its secret kept, made (a webhook that had none, `created`)
   * or to be replaced (`rotated`) — and the secret to answer.
   */
  private async patchedWebhook(
    flow: Dataflow,
    input: NotificationsInput | null | undefined,
  ): Promise<
    | {
        readonly notifications: DataflowNotifications | null;
        readonly secret?: string;
        readonly created?: boolean;
        readonly rotated?: { readonly secretRef: string; readonly secret: string };
      }
    | undefined
  > {
    if (input === undefined) return undefined;
    if (input?.webhookUrl === undefined) {
      if (input?.rotateSecret) {
        const message = 'rotateSecret needs the webhookUrl (send it as answered to keep it)';
        throw invalid('invalid-notifications', message, [
          { pointer: WEBHOOK_POINTER, keyword: 'required', message },
        ]);
      }
      return { notifications: input === null ? null : {} };
    }
    const webhookUrl = this.webhookUrlOf(input.webhookUrl, flow.notifications?.webhookUrl);
    const secretRef = flow.notifications?.secretRef;
    if (secretRef === undefined) {
      const secret = newWebhookSecret();
      const created = await this.deps.secrets.create(this.secretName(flow.sandbox, flow.id), secret);
      return { notifications: { webhookUrl, secretRef: created }, secret, created: true };
    }
    return {
      notifications: { webhookUrl, secretRef },
      ...(input.rotateSecret ? { rotated: { secretRef, secret: newWebhookSecret() } } : {}),
    };
  }

  /** The webhook URL to store: the stored one if sent back as answered; https unless plain http is allowed. */
  private webhookUrlOf(submitted: string, stored?: string): string {
    const url = keptUrl(submitted, stored, redactedWebhookUrl, WEBHOOK_POINTER);
    const parsed = new URL(url);
    const refuse = (message: string) =>
      invalid('invalid-webhook', `${WEBHOOK_POINTER} ${message}`, [
        { pointer: WEBHOOK_POINTER, keyword: 'format', message },
      ]);
    if (parsed.protocol !== 'https:' && !this.deps.allowPlainHttpWebhooks) {
      throw refuse('must be https: a run outcome and its signature do not cross the network in the clear');
    }
    if (parsed.username !== '' || parsed.password !== '') {
      throw refuse('must not hold credentials: deliveries are signed instead');
    }
    return url;
  }

  private secretName(sandbox: string, flowId: string): string {
    return `${this.deps.secretPrefix}${sandbox}/webhooks/${flowId}`;
  }

  /** Removes a secret no stored flow names; its failure is not reported over the failure that caused it. */
  private async discardSecret(secretRef: string | undefined): Promise<void> {
    if (secretRef === undefined) return;
    await this.deps.secrets.remove(secretRef).catch(() => undefined);
  }

  /** The ids of the sandbox's flows that read from the connection (a connection in use cannot be deleted). */
  usingConnection(sandbox: string, connectionId: string): Promise<string[]> {
    return this.deps.flows.usingConnection(sandbox, connectionId);
  }

  private async requireReferences(sandbox: string, connectionId: string, datasetId: string): Promise<void> {
    const connection = await this.deps.connections.get(sandbox, connectionId);
    if (!connection) {
      throw unprocessable('connection-not-found', `connection ${connectionId} does not exist`, [
        { pointer: '/connectionId', keyword: 'exists', message: 'no such connection in this sandbox' },
      ]);
    }
    if (!(await this.deps.datasets.get(sandbox, datasetId))) {
      throw unprocessable('dataset-not-found', `dataset ${datasetId} does not exist`, [
        { pointer: '/datasetId', keyword: 'exists', message: 'no such dataset in this sandbox' },
      ]);
    }
  }

  /** The version to pin: the one named, or the latest when only the set is named. */
  private async mappingOf(
    sandbox: string,
    mappingSetId: string | undefined,
    version: number | undefined,
  ): Promise<MappingReference | undefined> {
    if (mappingSetId === undefined) {
      if (version === undefined) return undefined;
      throw invalid('invalid-mapping', 'mappingSetVersion needs a mappingSetId', [
        { pointer: '/mappingSetVersion', keyword: 'dependentRequired', message: 'needs mappingSetId' },
      ]);
    }
    return this.deps.mappingSets.reference(sandbox, {
      mappingSetId,
      ...(version !== undefined ? { version } : {}),
    });
  }

  /** undefined: unchanged; null: removed; else the reference to pin (a version alone re-pins the current set). */
  private async patchedMapping(
    sandbox: string,
    flow: Dataflow,
    patch: DataflowPatch,
  ): Promise<MappingReference | null | undefined> {
    if (patch.mappingSetId === null) return null;
    if (patch.mappingSetId !== undefined)
      return this.mappingOf(sandbox, patch.mappingSetId, patch.mappingSetVersion);
    if (patch.mappingSetVersion === undefined) return undefined;
    return this.mappingOf(sandbox, flow.mapping?.mappingSetId, patch.mappingSetVersion);
  }
}
