/**
 * A Kinesis record's payload back into a StreamMessage; anything else is undecodable and goes to the quarantine
 * with its raw bytes, never a crash.
 */
import type { StreamMessage } from './stream-message';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const STRING_FIELDS = ['sandbox', 'inletId', 'datasetId', 'schemaId', 'messageId', 'receivedAt'] as const;

export type Decoded =
  | { readonly ok: true; readonly message: StreamMessage }
  | { readonly ok: false; readonly reason: string; readonly sandbox?: string };

export function decodeStreamMessage(data: Buffer): Decoded {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!isObject(parsed)) return { ok: false, reason: 'not a JSON object' };
  const sandbox = typeof parsed['sandbox'] === 'string' ? { sandbox: parsed['sandbox'] } : {};
  if (parsed['v'] !== 1)
    return { ok: false, reason: `unknown message version ${String(parsed['v'])}`, ...sandbox };
  const missing = STRING_FIELDS.filter((field) => typeof parsed[field] !== 'string' || parsed[field] === '');
  if (missing.length > 0) return { ok: false, reason: `missing ${missing.join(', ')}`, ...sandbox };
  if (Number.isNaN(new Date(parsed['receivedAt'] as string).getTime())) {
    return { ok: false, reason: 'receivedAt is not a date-time', ...sandbox };
  }
  if (!('record' in parsed)) return { ok: false, reason: 'missing record', ...sandbox };
  return { ok: true, message: parsed as unknown as StreamMessage };
}
