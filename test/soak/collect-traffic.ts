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
  requests: number;
}

export interface RunningTraffic {
  readonly tally: TrafficTally;
  /** Resolves once the producers have stopped; `stop` asks them to, after their request in flight. */
  stop(): Promise<TrafficTally>;
  /** Resolves when every producer has stopped by itself (the runtime went away, or the count was reached). */
  readonly done: Promise<TrafficTally>;
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
      let response: Response;
      let body: unknown;
      try {
        response = await fetch(`${options.url}/collection/batch/${options.inletId}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            messages: entities.map((entity) => envelope(options.datasetId, SCHEMA_ID, entity)),
          }),
        });
        body = await response.json();
      } catch {
        // The runtime is gone (killed): nothing of this request was acknowledged, and no other will be.
        count(tally.answers, 'network');
        return;
      }
      tally.latenciesMs.push(performance.now() - started);
      count(tally.answers, String(response.status));
      const results = (body as { responses?: ({ xactionId?: string } | undefined)[] }).responses ?? [];
      entities.forEach((entity, index) => {
        if (results[index]?.xactionId) tally.accepted.add(entity._id);
      });
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
