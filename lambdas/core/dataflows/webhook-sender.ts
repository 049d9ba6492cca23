/**
 * Delivers run notifications to a flow's webhook: a JSON POST signed as Standard Webhooks sign them
 * (webhook-signature.ts), over https only (plain http only where `allowPlainHttp`: the local runtime, whose
 * receivers run on the developer's machine), through the outbound agent (outbound-fetch.ts) that connects only to
 * public addresses, retried a few times on a network error, a timeout, 408, 429 or a 5xx. Redirects are not
 * followed: a webhook is a fixed endpoint, and following one would need the guard again. Errors name the webhook by
 * its host only, as its path or query often is the receiver's token.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { SourceError } from '../connections/connection-types';
import { outboundFetch, sourceErrorOf } from '../connections/outbound-fetch';
import { checkOutboundUrl, type HostResolver } from '../connections/outbound-url-guard';
import type { RunEvent } from './run-view';
import type { WebhookSender } from './run-worker-ports';
import { webhookSignatureHeaders } from './webhook-signature';

/** Attempts per notification: a receiver restarting or throttling for a few seconds still gets it. */
export const WEBHOOK_ATTEMPTS = 3;
/** Per attempt: a webhook receiver only has to store the event. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Pause before the second attempt, doubled before each later one. */
export const WEBHOOK_BACKOFF_MS = 1_000;

const RETRYABLE = (status: number) => status === 408 || status === 429 || status >= 500;

export class WebhookDeliveryError extends Error {
  override readonly name = 'WebhookDeliveryError';
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message);
  }
}

export interface WebhookSenderOptions {
  readonly allowPrivateHosts: boolean;
  /** Let webhooks be plain http (the local runtime; in AWS only https is sent). */
  readonly allowPlainHttp: boolean;
  /** Default: the outbound agent's `fetch`, which connects only to checked addresses. */
  readonly fetch?: typeof fetch;
  readonly resolve?: HostResolver;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
}

/** The webhook as messages name it: its host, never its path or query (often the receiver's token). */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

export class FetchWebhookSender implements WebhookSender {
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => Date;

  constructor(private readonly options: WebhookSenderOptions) {
    this.fetch =
      options.fetch ??
      outboundFetch({
        allowPrivateHosts: options.allowPrivateHosts,
        ...(options.resolve ? { resolve: options.resolve } : {}),
      });
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.now = options.now ?? (() => new Date());
  }

  async post(
    url: string,
    event: RunEvent,
    signing: { readonly secret: string },
  ): Promise<{ attempts: number }> {
    const where = hostOf(url);
    if (url.startsWith('http:') && !this.options.allowPlainHttp) {
      throw new WebhookDeliveryError(
        `the webhook at ${where} is plain http; webhooks are sent over https only`,
        0,
      );
    }
    try {
      await checkOutboundUrl(url, this.options.allowPrivateHosts, this.options.resolve);
    } catch (error) {
      if (error instanceof SourceError) throw new WebhookDeliveryError(error.message, 0);
      throw error;
    }
    const body = JSON.stringify(event);
    let failure = '';
    for (let attempt = 1; attempt <= WEBHOOK_ATTEMPTS; attempt += 1) {
      if (attempt > 1) await this.sleep(WEBHOOK_BACKOFF_MS * 2 ** (attempt - 2));
      try {
        const response = await this.fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-tributary-event': event.eventCode,
            // The run is notified once: its id names the message on every attempt.
            ...webhookSignatureHeaders(signing.secret, event.run.id, this.now(), body),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
        });
        await response.body?.cancel();
        if (response.status >= 200 && response.status < 300) return { attempts: attempt };
        failure = `POST to ${where} answered ${response.status}`;
        if (!RETRYABLE(response.status)) throw new WebhookDeliveryError(failure, attempt);
      } catch (error) {
        if (error instanceof WebhookDeliveryError) throw error;
        // The agent refused the address it resolved: another attempt would be refused too.
        const refused = sourceErrorOf(error);
        if (refused) throw new WebhookDeliveryError(refused.message, attempt);
        const timedOut = (error as { name?: unknown }).name === 'TimeoutError';
        failure = timedOut
          ? `POST to ${where} took more than ${WEBHOOK_TIMEOUT_MS} ms`
          : `POST to ${where} failed`;
      }
    }
    throw new WebhookDeliveryError(`${failure} (after ${WEBHOOK_ATTEMPTS} attempts)`, WEBHOOK_ATTEMPTS);
  }
}
