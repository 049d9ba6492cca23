/**
 * Fragments and events in the ProfilesTable (layout in core/profiles/profile-ports.ts). Every write asks DynamoDB
 * for the capacity it consumed and adds it to `writeUnitsUsed`, so the pipeline and the benchmark can report the
 * cost of a record without estimating it.
 *
 * What records hold — a fragment's history of changes, an event's body — is stored as gzipped JSON (gzip-json.ts),
 * so DynamoDB's number range and nesting limits never apply to it. Keys, times, the version and the source stay
 * plain attributes: queries, conditions and a revert's `source.batchId` read them. An item DynamoDB still refuses
 * (over 400 KB even compressed) is answered with a `StoreRefusal` (dynamo-refusals.ts), not a retryable error.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { PROFILES_KEYS } from '../config/env-names';
import type { EventRemovals, EventWrites } from '../core/profiles/events';
import {
  fragmentOf,
  normalizeTimestamp,
  type FragmentHistory,
  type FragmentRemovals,
  type FragmentWrites,
  type StoredFragment,
  type WriteResult,
} from '../core/profiles/fragments';
import {
  identityKeyOf,
  type EventPage,
  type Fragment,
  type IdentityRef,
  type LinkSource,
  type ProfileDataStore,
  type ProfileEvent,
} from '../core/profiles/profile-ports';
import { InvalidPageToken } from '../core/page';
import {
  asStartKey,
  decodeTokenJson,
  DynamoItems,
  pageTokenRefusal,
  startKeyWithin,
  type Condition,
  type Item,
  type Key,
} from './dynamo-items';
import { refusing } from './dynamo-refusals';
import { gunzipJson, gzipJson } from './gzip-json';

const { partitionKey: PK, sortKey: SK, byTime } = PROFILES_KEYS;
const EVENT_TIME = byTime.sortKey;

/** The item does not exist yet. */
const ABSENT = { expression: 'attribute_not_exists(#pk)', names: { '#pk': PK } };
/**
 * The item was stored by this batch (a missing item fails it too). It makes a revert's delete safe against a
 * concurrent write from another source landing between our decision and the delete.
 */
const storedByBatch = (batchId: string): Condition => ({
  expression: '#source.#batchId = :batchId',
  names: { '#source': 'source', '#batchId': 'batchId' },
  values: { ':batchId': batchId },
});
/** Sorts after every character a timestamp, dataset id or event id can contain: the inclusive upper bound. */
const HIGHEST = '\uffff';

export const fragmentPartition = (sandbox: string, identity: IdentityRef) =>
  `${sandbox}#fragment#${identityKeyOf(identity)}`;
export const eventPartition = (sandbox: string, identity: IdentityRef) =>
  `${sandbox}#event#${identityKeyOf(identity)}`;
const eventSort = (datasetId: string, eventId: string) => `${datasetId}#${eventId}`;
const eventTimeOf = (timestamp: string, datasetId: string, eventId: string) =>
  `${timestamp}#${datasetId}#${eventId}`;

export interface FragmentItem extends Item {
  datasetId: string;
  namespace: string;
  id: string;
  /** The fragment's `FragmentHistory`, gzipped JSON: the attributes are its fold. */
  history: Uint8Array;
  timestamp: string;
  version: string;
  source: LinkSource;
  deleted?: boolean;
}

interface EventItem extends Item {
  eventTime: string;
  datasetId: string;
  namespace: string;
  id: string;
  eventId: string;
  timestamp: string;
  /** The event record, gzipped JSON. */
  body: Uint8Array;
  source: LinkSource;
}

/** Per identity: where its timeline continues (the last key returned), or that it is exhausted. */
type TimelineCursor = Record<string, { after?: Record<string, string>; done?: true }>;

/** The fragment a stored fragment item holds (its history unpacked and folded). */
export const toFragment = (item: FragmentItem): StoredFragment =>
  fragmentOf(
    { datasetId: item.datasetId, identity: { namespace: item.namespace, id: item.id } },
    gunzipJson<FragmentHistory>(item.history),
  );

const toEvent = (item: EventItem): ProfileEvent => ({
  datasetId: item.datasetId,
  identity: { namespace: item.namespace, id: item.id },
  eventId: item.eventId,
  timestamp: item.timestamp,
  body: gunzipJson<Record<string, unknown>>(item.body),
  source: item.source,
});

const fragmentName = (fragment: Pick<Fragment, 'datasetId' | 'identity'>) =>
  `the fragment of ${identityKeyOf(fragment.identity)} in dataset ${fragment.datasetId}`;
const eventName = (event: ProfileEvent) => `event ${event.eventId} of dataset ${event.datasetId}`;

function encodeCursor(cursor: TimelineCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** One identity's place in a timeline cursor: `{done: true}` or `{after: <start key>}`, nothing else. */
function timelineState(value: unknown): TimelineCursor[string] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidPageToken();
  const { after, done, ...rest } = value as Record<string, unknown>;
  const known = Object.keys(rest).length === 0;
  if (!known || !(done === undefined || (done === true && after === undefined))) throw new InvalidPageToken();
  if (done) return { done };
  return after === undefined ? {} : { after: asStartKey(after) };
}

function decodeCursor(token: string | undefined): TimelineCursor {
  if (token === undefined) return {};
  const parsed = decodeTokenJson(token);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidPageToken();
  return Object.fromEntries(Object.entries(parsed).map(([key, state]) => [key, timelineState(state)]));
}

/** An inclusive `eventTime` range for the optional ISO bounds; an unparseable bound is the caller's error. */
function timeRange(startTime: string | undefined, endTime: string | undefined): [string, string] {
  const bound = (value: string | undefined, name: string) => {
    if (value === undefined) return undefined;
    const normalized = normalizeTimestamp(value);
    if (!normalized) throw new RangeError(`${name} is not a date-time: ${value}`);
    return normalized;
  };
  const start = bound(startTime, 'startTime');
  const end = bound(endTime, 'endTime');
  return [start ?? '', end ? `${end}#${HIGHEST}` : HIGHEST];
}

export class DynamoProfileDataStore
  implements ProfileDataStore, FragmentWrites, EventWrites, FragmentRemovals, EventRemovals
{
  private units = 0;
  private readonly items: DynamoItems;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.items = new DynamoItems(client, tableName, { onConsumed: (use) => (this.units += use.writeUnits) });
  }

  /** Write units consumed by this store's writes since it was built. */
  get writeUnitsUsed(): number {
    return this.units;
  }

  /** Every live fragment of these identities; delete tombstones are write-side state and are left out. */
  async fragmentsOf(sandbox: string, identities: readonly IdentityRef[]): Promise<Fragment[]> {
    const perIdentity = await Promise.all(
      identities.map((identity) => this.queryAll<FragmentItem>(fragmentPartition(sandbox, identity))),
    );
    return perIdentity
      .flat()
      .filter((item) => !item.deleted)
      .map((item): Fragment => {
        const { datasetId, identity, attributes, timestamp, source } = toFragment(item);
        return { datasetId, identity, attributes, timestamp, source };
      });
  }

  async getFragment(
    sandbox: string,
    datasetId: string,
    identity: IdentityRef,
  ): Promise<StoredFragment | undefined> {
    const item = await this.items.get<FragmentItem>({
      [PK]: fragmentPartition(sandbox, identity),
      [SK]: datasetId,
    });
    return item ? toFragment(item) : undefined;
  }

  async putFragment(
    sandbox: string,
    fragment: StoredFragment,
    expectedVersion: string | undefined,
  ): Promise<WriteResult> {
    const item: FragmentItem = {
      [PK]: fragmentPartition(sandbox, fragment.identity),
      [SK]: fragment.datasetId,
      datasetId: fragment.datasetId,
      namespace: fragment.identity.namespace,
      id: fragment.identity.id,
      history: gzipJson(fragment.history),
      timestamp: fragment.timestamp,
      version: fragment.version,
      source: fragment.source,
      ...(fragment.deleted ? { deleted: true } : {}),
    };
    const condition =
      expectedVersion === undefined
        ? ABSENT
        : {
            expression: '#version = :expected',
            names: { '#version': 'version' },
            values: { ':expected': expectedVersion },
          };
    return refusing(fragmentName(fragment), () => this.items.putIf(item, condition));
  }

  /** A strongly consistent read of the source alone: a replay must see the event a predecessor just stored. */
  async storedEventSource(
    sandbox: string,
    datasetId: string,
    identity: IdentityRef,
    eventId: string,
  ): Promise<LinkSource | undefined> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [PK]: eventPartition(sandbox, identity), [SK]: eventSort(datasetId, eventId) },
        ProjectionExpression: '#source',
        ExpressionAttributeNames: { '#source': 'source' },
        ConsistentRead: true,
      }),
    );
    return (out.Item as Pick<EventItem, 'source'> | undefined)?.source;
  }

  putEventIfAbsent(sandbox: string, event: ProfileEvent): Promise<WriteResult> {
    return this.putEvent(sandbox, event, ABSENT);
  }

  putEventOverBatch(sandbox: string, event: ProfileEvent, batchId: string): Promise<WriteResult> {
    return this.putEvent(sandbox, event, storedByBatch(batchId));
  }

  private putEvent(sandbox: string, event: ProfileEvent, condition: Condition): Promise<WriteResult> {
    const item: EventItem = {
      [PK]: eventPartition(sandbox, event.identity),
      [SK]: eventSort(event.datasetId, event.eventId),
      [EVENT_TIME]: eventTimeOf(event.timestamp, event.datasetId, event.eventId),
      datasetId: event.datasetId,
      namespace: event.identity.namespace,
      id: event.identity.id,
      eventId: event.eventId,
      timestamp: event.timestamp,
      body: gzipJson(event.body),
      source: event.source,
    };
    return refusing(eventName(event), () => this.items.putIf(item, condition));
  }

  async removeFragmentOfBatch(
    sandbox: string,
    datasetId: string,
    identity: IdentityRef,
    batchId: string,
  ): Promise<boolean> {
    const key = { [PK]: fragmentPartition(sandbox, identity), [SK]: datasetId };
    const outcome = await this.items.deleteIf(key, storedByBatch(batchId));
    return outcome.written;
  }

  /** One delete: the `by-time` entry is a local secondary index, which DynamoDB removes with the item. */
  async removeEventOfBatch(
    sandbox: string,
    datasetId: string,
    identity: IdentityRef,
    eventId: string,
    batchId: string,
  ): Promise<boolean> {
    const key = { [PK]: eventPartition(sandbox, identity), [SK]: eventSort(datasetId, eventId) };
    const outcome = await this.items.deleteIf(key, storedByBatch(batchId));
    return outcome.written;
  }

  /**
   * The merged timeline of several identities, newest first. Each page reads up to `limit` events of every
   * identity from the `by-time` index and keeps the newest `limit` of them; the token remembers, per identity,
   * the last event handed out, so the next page continues each timeline exactly there.
   */
  async eventsOf(
    sandbox: string,
    identities: readonly IdentityRef[],
    query: { limit: number; start?: string; startTime?: string; endTime?: string },
  ): Promise<EventPage> {
    const cursor = decodeCursor(query.start);
    // Every cursor we issue names the profile's identities; one that names none of them is of another profile.
    if (
      query.start !== undefined &&
      !identities.some((identity) => Object.hasOwn(cursor, identityKeyOf(identity)))
    )
      throw new InvalidPageToken();
    const [low, high] = timeRange(query.startTime, query.endTime);
    const timelines = await Promise.all(
      identities.map(async (identity) => {
        const key = identityKeyOf(identity);
        const state = Object.hasOwn(cursor, key) ? cursor[key]! : {};
        if (state.done) return { key, items: [] as EventItem[], more: false, state };
        const partition = eventPartition(sandbox, identity);
        const start = startKeyWithin(state.after, { name: PK, value: partition });
        const out = await this.client
          .send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: byTime.name,
              KeyConditionExpression: '#pk = :pk AND #time BETWEEN :low AND :high',
              ExpressionAttributeNames: { '#pk': PK, '#time': EVENT_TIME },
              ExpressionAttributeValues: { ':pk': partition, ':low': low, ':high': high },
              ScanIndexForward: false,
              Limit: query.limit,
              ExclusiveStartKey: start,
            }),
          )
          .catch((error: unknown) => {
            throw pageTokenRefusal(error, start);
          });
        return {
          key,
          items: (out.Items ?? []) as EventItem[],
          more: out.LastEvaluatedKey !== undefined,
          state,
        };
      }),
    );
    const newestFirst = timelines
      .flatMap((timeline) => timeline.items.map((item) => ({ key: timeline.key, item })))
      .sort((a, b) =>
        a.item.eventTime < b.item.eventTime ? 1 : a.item.eventTime > b.item.eventTime ? -1 : 0,
      )
      .slice(0, query.limit);
    const next: TimelineCursor = {};
    for (const timeline of timelines) {
      const taken = newestFirst.filter((entry) => entry.key === timeline.key);
      const last = taken.at(-1)?.item;
      if (taken.length === timeline.items.length && !timeline.more) next[timeline.key] = { done: true };
      else if (last) {
        next[timeline.key] = {
          after: { [PK]: last[PK] as string, [SK]: last[SK] as string, [EVENT_TIME]: last.eventTime },
        };
      } else next[timeline.key] = timeline.state;
    }
    const finished = Object.values(next).every((state) => state.done);
    return {
      items: newestFirst.map((entry) => toEvent(entry.item)),
      ...(finished ? {} : { next: encodeCursor(next) }),
    };
  }

  async removeAll(
    sandbox: string,
    identities: readonly IdentityRef[],
  ): Promise<{ fragments: number; events: number }> {
    let fragments = 0;
    let events = 0;
    for (const identity of identities) {
      const fragmentKeys = await this.queryKeys(fragmentPartition(sandbox, identity));
      const eventKeys = await this.queryKeys(eventPartition(sandbox, identity));
      await this.items.batchDelete([...fragmentKeys, ...eventKeys]);
      fragments += fragmentKeys.length;
      events += eventKeys.length;
    }
    return { fragments, events };
  }

  private async queryAll<T extends Item>(partition: string, projection?: string[]): Promise<T[]> {
    const items: T[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const names: Record<string, string> = { '#pk': PK };
      projection?.forEach((name, index) => (names[`#p${index}`] = name));
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':pk': partition },
          ConsistentRead: true,
          ExclusiveStartKey: start,
          ...(projection
            ? { ProjectionExpression: projection.map((_, index) => `#p${index}`).join(', ') }
            : {}),
        }),
      );
      items.push(...((out.Items ?? []) as T[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async queryKeys(partition: string): Promise<Key[]> {
    const items = await this.queryAll<Item>(partition, [PK, SK]);
    return items.map((item) => ({ [PK]: item[PK] as string, [SK]: item[SK] as string }));
  }
}
