/**
 * Signed webhooks, as the Standard Webhooks specification has them: each delivery carries `webhook-id` (the same
 * on every attempt, for the receiver to drop repeats), `webhook-timestamp` (Unix seconds of the attempt, for the
 * receiver to refuse replays) and `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed
 * with the flow's signing secret `whsec_<base64>`. Receivers verify with any Standard Webhooks library.
 */
import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
/** Key bytes of a new secret: the specification asks for 24 to 64; 32 is SHA-256's block-sized sweet spot. */
const SECRET_BYTES = 32;

/** A new signing secret, `whsec_` and 32 random bytes in base64. */
export const newWebhookSecret = (): string =>
  `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;

/** The headers that sign `body` for delivery `id` at `at`. */
export function webhookSignatureHeaders(
  secret: string,
  id: string,
  at: Date,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const key = Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
