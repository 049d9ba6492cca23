/**
 * Producers of streaming traffic for the load and kill tests: each posts batches of valid, uniquely identified page
 * views to `/collection/batch/{inletId}` one request after another until told to stop (or until the runtime is
 * gone), and writes down what was sent, what was accepted (a transaction id for the message) and every other answer.
 * The lake must then hold every accepted message once, and nothing that was never sent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { envelope, STREAM_EVENT_SCHEMA } from '../support/streaming-messages';

const SCHEMA_ID = STREAM_EVENT_SCHEMA.schema.$id;
/** A fixed day, so every lake file of a run is in one date folder. */
const BASE_TIME = Date.UTC(2024, 5, 1);
/** People the events are spread over (partition keys, so every shard gets traffic). */
const PEOPLE = 200;

export interface TrafficOptions {
  readonly url: string;
  readonly inletId: string;
  readonly datasetId: string;
  /** Prefix of every `_id` of this run, so runs and rounds never collide. */
  readonly runId: string;
  readonly producers: number;
  readonly messagesPerRequest: number;
  /** Pause between one producer's requests: a bounded rate instead of a flood that only measures the 2-core box. */
  readonly pauseMs: number;
  /** Requests after which the producers stop by themselves (a fixed count). @default no bound */
  readonly maxRequests?: number;
  /** Envelopes carry the producer's own message id (`header.msgId`, the entity's `_id`), as resending producers do. */
  readonly msgIds?: boolean;
}

export interface TrafficTally {
  /** Every `_id` put in a request body (whether or not an answer came). */
  readonly sent: Set<string>;
  /** `_id`s the runtime answered with a transaction id. */
  readonly accepted: Set<string>;
  /** Requests by answer: the HTTP status, or `network` when the connection failed. */
  readonly answers: Map<string, number>;
  /** Milliseconds each answered request took. */
  readonly latenciesMs: number[];
  /**
   * Messages to send again, as a producer keeps them: each request the runtime's death cut (no answer), and the
   * messages an answer refused.
   */
  readonly cut: unknown[][];
  requests: number;
}

export interface RunningTraffic {
  readonly tally: TrafficTally;
  /** Resolves once the producers have stopped; `stop` asks them to, after their request in flight. */
  stop(): Promise<TrafficTally>;
  /** Resolves when every producer has stopped by itself (the runtime went away, or the count was reached). */
  readonly done: Promise<TrafficTally>;
}

/** What a producer posts for one entity: an envelope, with its own message id when it has them. */
const messageOf = (options: TrafficOptions, entity: { _id: string }): unknown => {
  const message = envelope(options.datasetId, SCHEMA_ID, entity) as { header: Record<string, unknown> };
  return options.msgIds ? { ...message, header: { ...message.header, msgId: entity._id } } : message;
};

const post = (options: Pick<TrafficOptions, 'url' | 'inletId'>, messages: readonly unknown[]) =>
  fetch(`${options.url}/collection/batch/${options.inletId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages }),
  });

/**
 * Sends the requests the kill cut again, as a producer that got no answer does, to the runtime at `url`: each must
 * now be acknowledged whole (the ids it acknowledges join `accepted`). Answers how many messages were sent again.
 */
export async function resendCut(
  target: Pick<TrafficOptions, 'url' | 'inletId'>,
  tally: TrafficTally,
): Promise<number> {
  let resent = 0;
  for (const messages of tally.cut.splice(0)) {
    const response = await post(target, messages);
    const body = (await response.json()) as { responses?: ({ xactionId?: string } | undefined)[] };
    if (response.status !== 207) throw new Error(`a resent request answered ${response.status}`);
    messages.forEach((message, index) => {
      if (!body.responses?.[index]?.xactionId) throw new Error('a resent message was not acknowledged');
      const { _id } = (message as { body: { xdmEntity: { _id: string } } }).body.xdmEntity;
      tally.accepted.add(_id);
    });
    resent += messages.length;
  }
  return resent;
}

const count = (map: Map<string, number>, key: string): void => {
  map.set(key, (map.get(key) ?? 0) + 1);
};

export function startTraffic(options: TrafficOptions): RunningTraffic {
  const tally: TrafficTally = {
    sent: new Set(),
    accepted: new Set(),
    answers: new Map(),
    latenciesMs: [],
    cut: [],
    requests: 0,
  };
  let stopping = false;
  let serial = 0;
  const nextEntity = () => {
    serial += 1;
    return {
      _id: `${options.runId}-${serial}`,
      timestamp: new Date(BASE_TIME + serial).toISOString(),
      email: `person${serial % PEOPLE}@example.com`,
      page: `/load/${serial % 50}`,
      durationMs: serial % 60_000,
    };
  };

  async function produce(): Promise<void> {
    while (!stopping && tally.requests < (options.maxRequests ?? Infinity)) {
      const entities = Array.from({ length: options.messagesPerRequest }, nextEntity);
      for (const entity of entities) tally.sent.add(entity._id);
      tally.requests += 1;
      const started = performance.now();
      const messages = entities.map((entity) => messageOf(options, entity));
      let response: Response;
      let body: unknown;
      try {
        response = await post(options, messages);
        body = await response.json();
      } catch {
        // The runtime is gone (killed): nothing of this request was acknowledged, and no other will be.
        count(tally.answers, 'network');
        tally.cut.push(messages);
        return;
      }
      tally.latenciesMs.push(performance.now() - started);
      count(tally.answers, String(response.status));
      const results = (body as { responses?: ({ xactionId?: string } | undefined)[] }).responses ?? [];
      const refused = messages.filter((_, index) => !results[index]?.xactionId);
      entities.forEach((entity, index) => {
        if (results[index]?.xactionId) tally.accepted.add(entity._id);
      });
      // What the answer refused (a 503 for the stream, say) is sent again like a cut request.
      if (refused.length > 0) tally.cut.push(refused);
      if (options.pauseMs > 0) await sleep(options.pauseMs);
    }
  }

  const done = Promise.all(Array.from({ length: options.producers }, produce)).then(() => tally);
  return {
    tally,
    done,
    async stop() {
      stopping = true;
      return done;
    },
  };
}

/** The p-th percentile (0..100) of the values, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
