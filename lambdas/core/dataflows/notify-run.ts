/**
 * Tells the world a run ended: an EventBridge event for every run, and a POST to the flow's webhook when it has
 * one, each carrying Experience Platform's event code (`sources_flow_run_success` / `sources_flow_run_failed`) and
 * the run as the API answers it. A delivery that fails is recorded on the run and never changes the run's outcome.
 * Each run is notified once: a repeated step finds the deliveries recorded. A webhook is signed with the flow's
 * secret, read from the SecretStore for this delivery only; a webhook without one (set before webhooks were signed)
 * is not sent unsigned: its delivery fails, saying how to make one.
 */
import { changeRun, DataflowStateError } from './dataflow-changes';
import { FINAL_RUN_STATUSES, type RunNotification } from './dataflow-types';
import { runForStep } from './run-context';
import { runEvent } from './run-view';
import type { RunStep, RunWorkerDeps } from './run-worker-ports';

const UNSIGNED_WEBHOOK =
  'the webhook has no signing secret and is not sent unsigned; PATCH the dataflow with notifications.rotateSecret: true to make one';

async function deliver(
  channel: RunNotification['channel'],
  now: () => Date,
  send: () => Promise<{ readonly attempts: number }>,
): Promise<RunNotification> {
  try {
    const { attempts } = await send();
    return { channel, delivered: true, attempts, at: now().toISOString() };
  } catch (error) {
    const attempts = (error as { attempts?: unknown }).attempts;
    return {
      channel,
      delivered: false,
      attempts: typeof attempts === 'number' ? attempts : 1,
      at: now().toISOString(),
      error: error instanceof Error ? `${error.name}: ${error.message}` : 'the delivery failed',
    };
  }
}

/** The channels delivered to, and those whose delivery failed (the worker logs them). */
export interface NotifyOutcome {
  readonly delivered: RunNotification['channel'][];
  readonly failed: RunNotification['channel'][];
}

const outcomeOf = (notifications: readonly RunNotification[]): NotifyOutcome => ({
  delivered: notifications.filter((notification) => notification.delivered).map(({ channel }) => channel),
  failed: notifications.filter((notification) => !notification.delivered).map(({ channel }) => channel),
});

export async function notifyRun(deps: RunWorkerDeps, step: RunStep): Promise<NotifyOutcome> {
  const run = await runForStep(deps, step);
  if (!FINAL_RUN_STATUSES.includes(run.status)) {
    throw new DataflowStateError(`run ${run.id} is ${run.status}; only an ended run is notified`);
  }
  if (run.notifications) return outcomeOf(run.notifications);
  const flow = await deps.flows.get(run.sandbox, run.dataflowId);
  const event = runEvent(run, flow);
  const notifications = [
    await deliver('eventbridge', deps.now, async () => {
      await deps.events.publish(event);
      return { attempts: 1 };
    }),
  ];
  const webhookUrl = flow?.notifications?.webhookUrl;
  const secretRef = flow?.notifications?.secretRef;
  if (webhookUrl) {
    notifications.push(
      await deliver('webhook', deps.now, async () => {
        if (secretRef === undefined) throw new Error(UNSIGNED_WEBHOOK);
        const secret = await deps.webhookSecrets.read(secretRef);
        return deps.webhooks.post(webhookUrl, event, { secret });
      }),
    );
  }
  await changeRun(deps.runs, step, deps.now, (current) =>
    current.notifications ? undefined : { notifications },
  );
  return outcomeOf(notifications);
}
