/**
 * Delivers run notifications to a flow's webhook: a JSON POST, after the same outbound check as HTTP sources (no
 * loopback, private or metadata addresses in AWS), retried a few times on a network error, a timeout, 408, 429 or
 * a 5xx. Redirects are not followed: a webhook is a fixed endpoint, and following one would need the guard again.
 * Errors name the URL by host and path only, as its query may hold a token.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { SourceError } from '../connections/connection-types';
import { describeUrl } from '../connections/http-source-reader';
import { checkOutboundUrl } from '../connections/outbound-url-guard';
import type { RunEvent } from './run-view';
import type { WebhookSender } from './run-worker-ports';

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
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class FetchWebhookSender implements WebhookSender {
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: WebhookSenderOptions) {
    this.fetch = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
  }

  async post(url: string, event: RunEvent): Promise<{ attempts: number }> {
    try {
      await checkOutboundUrl(url, this.options.allowPrivateHosts);
    } catch (error) {
      if (error instanceof SourceError) throw new WebhookDeliveryError(error.message, 0);
      throw error;
    }
    const where = describeUrl(url);
    const body = JSON.stringify(event);
    let failure = '';
    for (let attempt = 1; attempt <= WEBHOOK_ATTEMPTS; attempt += 1) {
      if (attempt > 1) await this.sleep(WEBHOOK_BACKOFF_MS * 2 ** (attempt - 2));
      try {
        const response = await this.fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-tributary-event': event.eventCode },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
        });
        await response.body?.cancel();
        if (response.status >= 200 && response.status < 300) return { attempts: attempt };
        failure = `POST ${where} answered ${response.status}`;
        if (!RETRYABLE(response.status)) throw new WebhookDeliveryError(failure, attempt);
      } catch (error) {
        if (error instanceof WebhookDeliveryError) throw error;
        const timedOut = (error as { name?: unknown }).name === 'TimeoutError';
        failure = timedOut ? `POST ${where} took more than ${WEBHOOK_TIMEOUT_MS} ms` : `POST ${where} failed`;
      }
    }
    throw new WebhookDeliveryError(`${failure} (after ${WEBHOOK_ATTEMPTS} attempts)`, WEBHOOK_ATTEMPTS);
  }
}
