/**
 * EventBridge's PutEvents, as the real EventBridgeClient sees it: each entry is checked as AWS checks it (a bad one
 * fails alone, with ErrorCode and ErrorMessage, and counts in FailedEntryCount) and each good one is appended to
 * `<data>/events.jsonl`, where a developer or a test reads what the platform announced. No rule routes it further.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeLog } from '../runtime-log';
import { ServiceError, type Json, type JsonOperations } from '../aws-json-server';

export const EVENTS_FILE = 'events.jsonl';
/** EventBridge takes 1 to 10 entries per PutEvents call. */
const MAX_ENTRIES = 10;
const DEFAULT_BUS = 'default';

/** One line of events.jsonl. */
export interface RecordedEvent {
  readonly id: string;
  /** ISO 8601: the entry's Time, else when it was put. */
  readonly time: string;
  readonly source: string;
  readonly detailType: string;
  readonly eventBusName: string;
  readonly detail: Record<string, unknown>;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

const invalidArgument = (name: string): EntryResult => ({
  ErrorCode: 'InvalidArgument',
  ErrorMessage: `Parameter ${name} is not valid. Reason: ${name} is a required argument.`,
});

const nonEmptyText = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** The bus an entry names, by name or ARN (`arn:aws:events:<region>:<account>:event-bus/<name>`). */
function busNameOf(entry: Json): string {
  const bus = entry['EventBusName'];
  if (!nonEmptyText(bus)) return DEFAULT_BUS;
  return /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(bus)?.[1] ?? bus;
}

function detailOf(text: string): Record<string, unknown> | undefined {
  try {
    const detail: unknown = JSON.parse(text);
    return typeof detail === 'object' && detail !== null && !Array.isArray(detail)
      ? (detail as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export interface EventBridgeOptions {
  readonly dataDir: string;
  readonly log: RuntimeLog;
}

export function eventBridgeOperations({ dataDir, log }: EventBridgeOptions): JsonOperations {
  const file = join(dataDir, EVENTS_FILE);

  function put(entry: Json): EntryResult {
    const { Source: source, DetailType: detailType, Detail: detailText, Time: time } = entry;
    if (!nonEmptyText(source)) return invalidArgument('Source');
    if (!nonEmptyText(detailType)) return invalidArgument('DetailType');
    if (!nonEmptyText(detailText)) return invalidArgument('Detail');
    const detail = detailOf(detailText);
    if (!detail) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const event: RecordedEvent = {
      id: randomUUID(),
      // The JSON protocol carries timestamps as epoch seconds.
      time: new Date(typeof time === 'number' ? time * 1000 : Date.now()).toISOString(),
      source,
      detailType,
      eventBusName: busNameOf(entry),
      detail,
    };
    appendFileSync(file, `${JSON.stringify(event)}\n`);
    // Source and detail-type only: a detail may carry anything a flow run reports.
    log.info(`EventBridge event: ${source} / ${detailType}`);
    return { EventId: event.id };
  }

  return {
    PutEvents(request) {
      const entries = request['Entries'];
      if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES)
        throw new ServiceError(
          'ValidationException',
          `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
        );
      const results = entries.map((entry: unknown) =>
        typeof entry === 'object' && entry !== null ? put(entry as Json) : invalidArgument('Entry'),
      );
      return {
        FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
        Entries: results,
      };
    },
  };
}
