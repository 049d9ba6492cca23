/**
 * Run outcomes on an EventBridge bus: source `tributary.dataflows`, detail type `Dataflow Run Succeeded` or
 * `Dataflow Run Failed`, the event (code, flow, run as the API answers it) as the detail. An entry the bus refuses
 * is an error, so the run records the delivery as failed.
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { RunEventPublisher } from '../core/dataflows/run-worker-ports';
import { RUN_EVENT_CODES, type RunEvent } from '../core/dataflows/run-view';

export const RUN_EVENT_SOURCE = 'tributary.dataflows';
export const RUN_DETAIL_TYPES = {
  [RUN_EVENT_CODES.success]: 'Dataflow Run Succeeded',
  [RUN_EVENT_CODES.failed]: 'Dataflow Run Failed',
} as const;

export class EventBridgeRunEvents implements RunEventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(event: RunEvent): Promise<void> {
    const out = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.busName,
            Source: RUN_EVENT_SOURCE,
            DetailType: RUN_DETAIL_TYPES[event.eventCode],
            Detail: JSON.stringify(event),
            Resources: [],
          },
        ],
      }),
    );
    const refused = out.Entries?.find((entry) => entry.ErrorCode);
    if ((out.FailedEntryCount ?? 0) > 0 || refused) {
      throw new Error(
        `the event bus refused the event: ${refused?.ErrorCode ?? 'unknown'} ${refused?.ErrorMessage ?? ''}`.trim(),
      );
    }
  }
}
