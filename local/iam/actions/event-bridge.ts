/**
 * EventBridge requests as IAM sees them: PutEvents is `events:PutEvents` on each event bus its entries name (by
 * name or ARN; the account's `default` bus when none), every one of which must be allowed.
 */
import type { AccessRequest } from '../policy-evaluator';
import type { ArnScope } from './dynamodb';

const DEFAULT_BUS = 'default';

export function eventBridgeAccessRequests(
  scope: ArnScope,
  operation: string,
  input: Readonly<Record<string, unknown>>,
): AccessRequest[] {
  const action = `events:${operation}`;
  const busArn = (bus: unknown): string =>
    typeof bus === 'string' && bus.startsWith('arn:')
      ? bus
      : `arn:${scope.partition}:events:${scope.region}:${scope.account}:event-bus/${typeof bus === 'string' && bus !== '' ? bus : DEFAULT_BUS}`;
  const entries = Array.isArray(input['Entries']) ? (input['Entries'] as Record<string, unknown>[]) : [];
  const buses = new Set(entries.map((entry) => busArn(entry?.['EventBusName'])));
  if (buses.size === 0) buses.add(busArn(input['EventBusName'] ?? input['Name']));
  return [...buses].map((resource) => ({ action, resource }));
}
