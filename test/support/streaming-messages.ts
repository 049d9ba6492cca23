/**
 * A seeded generator of streaming traffic for the end-to-end and fault tests: XDM envelopes of an event dataset and a
 * profile dataset, mixed with schema violations, producer duplicates, envelope errors and oversized messages, with
 * what each message must become (lake, quarantine, profile, rejection) written down beside it.
 */

/** The event schema the streaming tests register: Email is the primary identity (a descriptor on `/email`). */
export const STREAM_EVENT_SCHEMA = {
  title: 'Stream page view',
  class: 'event',
  schema: {
    $id: 'https://example.com/schemas/stream-page-view',
    type: 'object',
    properties: {
      _id: { type: 'string' },
      timestamp: { type: 'string', format: 'date-time' },
      email: { type: 'string' },
      page: { type: 'string' },
      durationMs: { type: 'integer', minimum: 0 },
    },
    required: ['_id', 'timestamp', 'email'],
  },
  identities: [{ path: '/email', namespace: 'Email', primary: true }],
} as const;

/** The profile schema of the streaming tests: a record keyed by Email, with a unique CRM id to find it by. */
export const STREAM_PROFILE_SCHEMA = {
  title: 'Stream member',
  class: 'profile',
  schema: {
    $id: 'https://example.com/schemas/stream-member',
    type: 'object',
    properties: {
      email: { type: 'string' },
      crmId: { type: 'string' },
      timestamp: { type: 'string', format: 'date-time' },
      loyalty: { type: 'object', properties: { points: { type: 'integer' } } },
    },
    required: ['email', 'crmId'],
  },
  identities: [
    { path: '/email', namespace: 'Email', primary: true },
    { path: '/crmId', namespace: 'CRMID' },
  ],
} as const;

/** The profile store keeps events of at most 10 KB (DESIGN §6); larger ones still go to the lake. */
export const PROFILE_EVENT_LIMIT_BYTES = 10 * 1024;
/** A collection request may carry at most 1 MB (Experience Platform's limit, DESIGN §4). */
export const REQUEST_LIMIT_BYTES = 1024 * 1024;

export type MessageKind =
  | 'event'
  | 'large-event'
  | 'duplicate-event'
  | 'wrong-type'
  | 'missing-required'
  | 'profile'
  | 'profile-missing-required'
  | 'no-entity';

export interface PlannedMessage {
  readonly kind: MessageKind;
  /** The envelope as posted. */
  readonly message: unknown;
  /** `_id` of an event, `crmId` of a profile record: how the test finds the record again. */
  readonly key?: string;
  readonly email?: string;
  readonly datasetId: string;
  /** For quarantined kinds: the pointer and keyword of the violation the consumer must report. */
  readonly violation?: { readonly pointer: string; readonly keyword: string };
}

export interface PlannedRequest {
  readonly messages: readonly PlannedMessage[];
}

export interface TrafficPlan {
  readonly requests: readonly PlannedRequest[];
  /** Every message of every request, in posting order. */
  readonly all: readonly PlannedMessage[];
  /** What the batches of each dataset must count once everything is consumed. */
  readonly expected: Readonly<Record<string, ExpectedCounts>>;
}

export interface ExpectedCounts {
  /** Messages accepted onto the stream for the dataset: output + failed + duplicates. */
  readonly input: number;
  readonly output: number;
  readonly failed: number;
  readonly duplicates: number;
}

export interface TrafficOptions {
  readonly seed: number;
  readonly total: number;
  readonly eventDatasetId: string;
  readonly profileDatasetId: string;
  readonly schemaIds: { readonly event: string; readonly profile: string };
  /** Messages per collection request. */
  readonly perRequest: number;
  /** Distinct people the events belong to (each one's events share a shard: the partition key is the identity). */
  readonly people: number;
  readonly shares: Readonly<Record<Exclude<MessageKind, 'event' | 'profile'>, number>> & {
    readonly profile: number;
  };
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; the same seed always gives the same traffic. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function envelope(datasetId: string, schemaId: string, entity: unknown): unknown {
  return {
    header: {
      schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' },
      datasetId,
      source: { name: 'streaming-e2e' },
    },
    body: {
      xdmMeta: { schemaRef: { id: schemaId, contentType: 'application/vnd.adobe.xed-full+json;version=1' } },
      xdmEntity: entity,
    },
  };
}

/** A copy of `value` without `field`. */
function without<T extends object>(value: T, field: keyof T): Partial<T> {
  const copy: Partial<T> = { ...value };
  delete copy[field];
  return copy;
}

/** Bytes of a JSON value as the profile store measures them. */
export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * Plans `total` messages. Kinds are shuffled over the whole run; a duplicate is a byte-identical copy of an
 * earlier valid event (same `_id`), always posted in a later request than its original.
 */
export function planTraffic(options: TrafficOptions): TrafficPlan {
  const random = seededRandom(options.seed);
  const pick = (n: number) => Math.floor(random() * n);
  const { eventDatasetId: events, profileDatasetId: profiles, schemaIds } = options;
  const kinds: MessageKind[] = [];
  for (const [kind, count] of Object.entries(options.shares) as [MessageKind, number][])
    for (let i = 0; i < count; i += 1) kinds.push(kind);
  const eventsCount = options.total - kinds.length;
  if (eventsCount <= 0) throw new Error('the shares leave no room for valid events');
  for (let i = 0; i < eventsCount; i += 1) kinds.push('event');
  // Fisher–Yates with the seeded generator; duplicates are placed afterwards, so they are taken out here.
  const duplicates = kinds.filter((kind) => kind === 'duplicate-event').length;
  const shuffled = kinds.filter((kind) => kind !== 'duplicate-event');
  for (let i = shuffled.length - 1; i > 0; i -= 1) {
    const j = pick(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }

  const base = Date.UTC(2024, 5, 1);
  let serial = 0;
  const person = () => `person${pick(options.people)}@example.com`;
  const eventEntity = (extra: Record<string, unknown> = {}) => {
    serial += 1;
    const email = person();
    return {
      entity: {
        _id: `evt-${options.seed}-${serial}`,
        timestamp: new Date(base + serial * 1000).toISOString(),
        email,
        page: `/page/${pick(50)}`,
        durationMs: pick(60_000),
        ...extra,
      },
      email,
    };
  };

  const make = (kind: MessageKind): PlannedMessage => {
    switch (kind) {
      case 'event':
      case 'large-event': {
        const padding =
          kind === 'large-event' ? { page: `/long/${'x'.repeat(PROFILE_EVENT_LIMIT_BYTES)}` } : {};
        const { entity, email } = eventEntity(padding);
        return {
          kind,
          message: envelope(events, schemaIds.event, entity),
          key: entity._id,
          email,
          datasetId: events,
        };
      }
      case 'wrong-type': {
        const { entity, email } = eventEntity({ durationMs: 'a while' });
        return {
          kind,
          message: envelope(events, schemaIds.event, entity),
          key: entity._id,
          email,
          datasetId: events,
          violation: { pointer: '/durationMs', keyword: 'type' },
        };
      }
      case 'missing-required': {
        const { entity, email } = eventEntity();
        return {
          kind,
          message: envelope(events, schemaIds.event, without(entity, 'timestamp')),
          key: entity._id,
          email,
          datasetId: events,
          violation: { pointer: '/timestamp', keyword: 'required' },
        };
      }
      case 'profile':
      case 'profile-missing-required': {
        serial += 1;
        const email = `member${serial}@example.com`;
        const crmId = `crm-${options.seed}-${serial}`;
        const record = {
          email,
          crmId,
          timestamp: new Date(base + serial * 1000).toISOString(),
          loyalty: { points: pick(10_000) },
        };
        if (kind === 'profile')
          return {
            kind,
            message: envelope(profiles, schemaIds.profile, record),
            key: crmId,
            email,
            datasetId: profiles,
          };
        return {
          kind,
          message: envelope(profiles, schemaIds.profile, without(record, 'email')),
          key: crmId,
          datasetId: profiles,
          violation: { pointer: '/email', keyword: 'required' },
        };
      }
      case 'no-entity': {
        const { header } = envelope(events, schemaIds.event, {}) as { header: unknown };
        return {
          kind,
          message: { header, body: { xdmMeta: { schemaRef: { id: schemaIds.event } } } },
          datasetId: events,
        };
      }
      case 'duplicate-event':
        throw new Error('duplicates are copies of planned events');
    }
  };

  const ordered = shuffled.map(make);
  const requests: PlannedMessage[][] = [];
  for (let i = 0; i < ordered.length; i += options.perRequest)
    requests.push(ordered.slice(i, i + options.perRequest));
  // Each duplicate copies a valid event of an earlier request into a later one.
  const copied = new Set<string>();
  for (let d = 0; d < duplicates; d += 1) {
    const target = 1 + pick(requests.length - 1);
    const candidates = requests
      .slice(0, target)
      .flat()
      .filter((message) => message.kind === 'event' && !copied.has(message.key!));
    const original = candidates[pick(candidates.length)];
    if (!original) throw new Error('no event left to duplicate');
    copied.add(original.key!);
    const request = requests[target]!;
    request.splice(pick(request.length + 1), 0, { ...original, kind: 'duplicate-event' });
  }

  const all = requests.flat();
  const count = (datasetId: string, ...of: MessageKind[]) =>
    all.filter((message) => message.datasetId === datasetId && of.includes(message.kind)).length;
  const expectedFor = (datasetId: string): ExpectedCounts => {
    const output = count(datasetId, 'event', 'large-event', 'profile');
    const failed = count(datasetId, 'wrong-type', 'missing-required', 'profile-missing-required');
    const duplicatesOf = count(datasetId, 'duplicate-event');
    return { input: output + failed + duplicatesOf, output, failed, duplicates: duplicatesOf };
  };
  return {
    requests: requests.map((messages) => ({ messages })),
    all,
    expected: { [events]: expectedFor(events), [profiles]: expectedFor(profiles) },
  };
}

/** Kinds the consumer writes to the lake; `duplicate-event` is the second copy and must not be written again. */
export const LAKE_KINDS: readonly MessageKind[] = ['event', 'large-event', 'profile'];
export const QUARANTINE_KINDS: readonly MessageKind[] = [
  'wrong-type',
  'missing-required',
  'profile-missing-required',
];
/** Rejected by the collect function itself: answered with a status code in the 207 body, never streamed. */
export const REJECTED_KINDS: readonly MessageKind[] = ['no-entity'];

/** A message whose envelope alone is over the 1 MB request limit. */
export function oversizedMessage(datasetId: string, schemaId: string): unknown {
  return envelope(datasetId, schemaId, {
    _id: 'evt-oversized',
    timestamp: '2024-06-01T00:00:00Z',
    email: 'oversized@example.com',
    page: 'x'.repeat(REQUEST_LIMIT_BYTES),
  });
}

/** Multiset of strings as a sorted [value, count] list: equal multisets give equal lists, and diffs read well. */
export function multiset(values: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return new Map([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
