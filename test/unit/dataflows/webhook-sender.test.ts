/** Webhook deliveries: the outbound guard first, a few retries for what may pass, secrets kept out of messages. */
import { describe, expect, it } from 'vitest';
import { runEvent } from '../../../lambdas/core/dataflows/run-view';
import {
  FetchWebhookSender,
  WEBHOOK_ATTEMPTS,
  WEBHOOK_BACKOFF_MS,
  WebhookDeliveryError,
} from '../../../lambdas/core/dataflows/webhook-sender';
import { failureOf } from '../../support/memory-uploads';
import { dataflow, endedRun, WEBHOOK_SECRET } from '../../support/dataflow-world';

const URL_WITH_TOKEN = 'https://hooks.test/runs?token=hush';
const SIGNING = { secret: WEBHOOK_SECRET };
const SENT_AT = new Date('2026-03-02T10:05:00.000Z');
const EVENT = runEvent(endedRun(), dataflow());

/** A fetch answering the statuses in turn (an Error stands for a failed connection), recording each request. */
function scripted(answers: readonly (number | Error)[]) {
  const requests: { url: string; init: RequestInit }[] = [];
  let next = 0;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    requests.push({ url: input as string, init: init ?? {} });
    const answer = answers[Math.min(next, answers.length - 1)]!;
    next += 1;
    if (answer instanceof Error) throw answer;
    return new Response(null, { status: answer });
  };
  const sleeps: number[] = [];
  const sender = new FetchWebhookSender({
    allowPrivateHosts: true,
    allowPlainHttp: false,
    fetch,
    now: () => SENT_AT,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { sender, requests, sleeps };
}

describe('webhook deliveries', () => {
  it('POST the event as JSON, naming its code in a header', async () => {
    // Prepare
    const { sender, requests } = scripted([204]);

    // Act
    const outcome = await sender.post(URL_WITH_TOKEN, EVENT, SIGNING);

    // Assess
    expect(outcome).toEqual({ attempts: 1 });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.init).toMatchObject({
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', 'x-tributary-event': 'sources_flow_run_success' },
    });
    expect(JSON.parse(requests[0]!.init.body as string)).toEqual(JSON.parse(JSON.stringify(EVENT)));
  });

  it('retry a 5xx, a 429 or a dropped connection with a doubling pause', async () => {
    // Prepare
    const { sender, sleeps } = scripted([503, new TypeError('fetch failed'), 200]);

    // Act
    const outcome = await sender.post(URL_WITH_TOKEN, EVENT, SIGNING);

    // Assess
    expect(outcome).toEqual({ attempts: 3 });
    expect(sleeps).toEqual([WEBHOOK_BACKOFF_MS, 2 * WEBHOOK_BACKOFF_MS]);
  });

  it('give up after the last attempt, naming the URL without its query', async () => {
    // Prepare
    const { sender, requests } = scripted([500]);

    // Act
    const failure = await failureOf(sender.post(URL_WITH_TOKEN, EVENT, SIGNING));

    // Assess
    expect(failure).toBeInstanceOf(WebhookDeliveryError);
    expect(failure).toMatchObject({
      attempts: WEBHOOK_ATTEMPTS,
      message: `POST to hooks.test answered 500 (after ${WEBHOOK_ATTEMPTS} attempts)`,
    });
    expect(requests).toHaveLength(WEBHOOK_ATTEMPTS);
  });

  it('do not retry what another attempt would not change (4xx, a redirect)', async () => {
    // Prepare
    const notFound = scripted([404]);
    const redirected = scripted([302]);

    // Act
    const failures = [
      await failureOf(notFound.sender.post(URL_WITH_TOKEN, EVENT, SIGNING)),
      await failureOf(redirected.sender.post(URL_WITH_TOKEN, EVENT, SIGNING)),
    ];

    // Assess
    expect(failures.map((failure) => (failure as WebhookDeliveryError).attempts)).toEqual([1, 1]);
    expect(notFound.requests.length + redirected.requests.length).toBe(2);
  });

  it('refuse loopback and private addresses unless allowed, before any request', async () => {
    // Prepare
    const requests: string[] = [];
    const sender = new FetchWebhookSender({
      allowPrivateHosts: false,
      allowPlainHttp: true,
      fetch: async (input) => {
        requests.push(input as string);
        return new Response(null, { status: 200 });
      },
    });

    // Act
    const failure = await failureOf(sender.post('http://169.254.169.254/latest/meta-data', EVENT, SIGNING));

    // Assess
    expect(failure).toMatchObject({ name: 'WebhookDeliveryError', attempts: 0 });
    expect((failure as Error).message).toContain('169.254.169.254');
    expect(requests).toEqual([]);
  });
});
