/**
 * Faults injected into the AWS SDK clients of the local runtime's functions, which run in worker threads of their
 * own: the runtime preloads this module in each function's environment (RuntimeOptions.functionPreload), where it
 * routes every `send` of the patched client classes through the test's thread, which answers with the fault to
 * raise, if any (`serveFaults`). The round trip goes over a process-wide BroadcastChannel.
 */
import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** What the test's thread sees of a command sent in a function: its class name and its input as JSON. */
export interface RelayedCommand {
  readonly constructor: { readonly name: string };
  readonly input: unknown;
}

export type FaultLookup = (client: string, command: RelayedCommand) => Error | undefined;

interface FaultQuestion {
  readonly kind: 'question';
  readonly ask: string;
  readonly client: string;
  readonly command: string;
  readonly input: string;
}
interface FaultAnswer {
  readonly kind: 'answer';
  readonly ask: string;
  readonly error?: { readonly message: string; readonly properties: Record<string, unknown> };
}

export const FAULT_RELAY_PRELOAD = import.meta.url;
const CHANNEL = 'tributary.sdk-fault-relay';
const CLIENTS = { S3Client, DynamoDBDocumentClient, KinesisClient } as const;

/** JSON of a command's input with bodies left out: a stream cannot cross threads, and a fault never depends on it. */
const inputJson = (input: unknown): string =>
  JSON.stringify(input, (_key, value: unknown) =>
    value instanceof Uint8Array || (typeof value === 'object' && value !== null && 'pipe' in value)
      ? '[body]'
      : value,
  );

/** Test side: answers the functions' questions with the lookup's fault; returns how to stop. */
export function serveFaults(lookup: FaultLookup): () => void {
  const channel = new BroadcastChannel(CHANNEL);
  channel.unref();
  channel.onmessage = (event) => {
    const question = (event as unknown as { data: FaultQuestion | FaultAnswer }).data;
    if (question.kind !== 'question') return;
    const input = JSON.parse(question.input) as unknown;
    const error = lookup(question.client, { constructor: { name: question.command }, input });
    channel.postMessage({
      kind: 'answer',
      ask: question.ask,
      ...(error ? { error: { message: error.message, properties: { ...error, name: error.name } } } : {}),
    } satisfies FaultAnswer);
  };
  return () => channel.close();
}

/** Function side: each send first asks the test's thread for a fault. */
function relaySends(): void {
  const channel = new BroadcastChannel(CHANNEL);
  channel.unref();
  const ask = (question: FaultQuestion): Promise<FaultAnswer> =>
    new Promise((resolve) => {
      const listener = (event: Event): void => {
        const answer = (event as unknown as { data: FaultQuestion | FaultAnswer }).data;
        if (answer.kind !== 'answer' || answer.ask !== question.ask) return;
        channel.removeEventListener('message', listener);
        resolve(answer);
      };
      channel.addEventListener('message', listener);
      channel.postMessage(question);
    });
  for (const [client, type] of Object.entries(CLIENTS)) {
    const prototype = type.prototype as { send: (...args: unknown[]) => Promise<unknown> };
    const original = prototype.send;
    prototype.send = async function (this: unknown, ...args: unknown[]) {
      const command = args[0] as RelayedCommand;
      const { error } = await ask({
        kind: 'question',
        ask: randomUUID(),
        client,
        command: command.constructor.name,
        input: inputJson(command.input),
      });
      if (error) throw Object.assign(new Error(error.message), error.properties);
      return original.apply(this, args);
    };
  }
}

if (process.env['AWS_LAMBDA_FUNCTION_NAME'] !== undefined) relaySends();
