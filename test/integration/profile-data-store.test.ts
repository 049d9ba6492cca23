import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoProfileDataStore } from '../../lambdas/adapters/dynamo-profile-data-store';
import { InvalidPageToken } from '../../lambdas/core/page';
import { applyChange, type FragmentChange } from '../../lambdas/core/profiles/fragments';
import type { IdentityRef, ProfileEvent } from '../../lambdas/core/profiles/profile-ports';
import { createProfilesTable } from '../support/profiles-table';
import { startProfilesEmulator, type ProfilesEmulator } from '../support/profiles-emulator';

const email: IdentityRef = { namespace: 'Email', id: 'a@b.co' };
const crm: IdentityRef = { namespace: 'CRMID', id: 'C1' };
const change = (timestamp: string, attributes: Record<string, unknown>): FragmentChange => ({
  operation: 'create',
  timestamp,
  attributes,
  source: { datasetId: 'ds1', batchId: 'b1', at: timestamp },
});
const event = (identity: IdentityRef, eventId: string, second: number, datasetId = 'ds1'): ProfileEvent => ({
  datasetId,
  identity,
  eventId,
  timestamp: `2024-05-01T00:00:${String(second).padStart(2, '0')}.000Z`,
  body: { _id: eventId, n: second },
  source: { datasetId, messageId: `m-${eventId}`, at: '2024-05-01T00:00:00.000Z' },
});

describe('DynamoDB profile data store', () => {
  let profiles: ProfilesEmulator;
  let tableCount = 0;

  beforeAll(async () => {
    profiles = await startProfilesEmulator();
  });
  afterAll(() => profiles.stop());

  async function freshStore() {
    tableCount += 1;
    const table = `profiles-${tableCount}`;
    await createProfilesTable(profiles.client, table);
    return { store: new DynamoProfileDataStore(profiles.documents, table), table };
  }

  it('writes a fragment only over the version it read, and counts the write units', async () => {
    // Prepare
    const { store } = await freshStore();
    const key = { datasetId: 'ds1', identity: email };
    const first = applyChange(undefined, change('2024-01-01T00:00:00.000Z', { tier: 'silver' }), key)!;
    const second = applyChange(first, change('2024-01-02T00:00:00.000Z', { tier: 'gold' }), key)!;

    // Act
    const created = await store.putFragment('prod', first, undefined);
    const duplicateCreate = await store.putFragment('prod', first, undefined);
    const updated = await store.putFragment('prod', second, first.version);
    const lostRace = await store.putFragment('prod', second, first.version);
    const stored = await store.getFragment('prod', 'ds1', email);

    // Assess
    expect(created).toEqual({ written: true, writeUnits: 1 });
    expect(duplicateCreate.written).toBe(false);
    expect(updated.written).toBe(true);
    expect(lostRace.written).toBe(false);
    expect(stored).toEqual(second);
    expect(store.writeUnitsUsed).toBe(4);
    expect(await store.fragmentsOf('prod', [email, crm])).toEqual([
      {
        datasetId: 'ds1',
        identity: email,
        attributes: { tier: 'gold' },
        timestamp: '2024-01-02T00:00:00.000Z',
        source: { datasetId: 'ds1', batchId: 'b1', at: '2024-01-02T00:00:00.000Z' },
      },
    ]);
  });

  it('keeps a delete tombstone out of the fragments a read sees', async () => {
    // Prepare
    const { store } = await freshStore();
    const key = { datasetId: 'ds1', identity: email };
    const live = applyChange(undefined, change('2024-01-01T00:00:00.000Z', { tier: 'gold' }), key)!;
    const tombstone = applyChange(
      live,
      { ...change('2024-01-02T00:00:00.000Z', {}), operation: 'delete' },
      key,
    )!;
    await store.putFragment('prod', live, undefined);

    // Act
    await store.putFragment('prod', tombstone, live.version);

    // Assess
    expect(await store.fragmentsOf('prod', [email])).toEqual([]);
    expect((await store.getFragment('prod', 'ds1', email))?.deleted).toBe(true);
  });

  it('stores an event once, tells whose it is, and lets only a replay of its batch replace it', async () => {
    // Prepare
    const { store } = await freshStore();
    const e1 = event(email, 'e1', 1);
    const ofBatch = (batchId: string, body: Record<string, unknown>): ProfileEvent => ({
      ...event(email, 'e2', 2),
      body,
      source: { datasetId: 'ds1', batchId, at: '2024-05-01T00:00:00.000Z' },
    });

    // Act
    const before = await store.storedEventSource('prod', 'ds1', email, 'e1');
    const first = await store.putEventIfAbsent('prod', e1);
    const again = await store.putEventIfAbsent('prod', { ...e1, body: { changed: true } });
    const after = await store.storedEventSource('prod', 'ds1', email, 'e1');
    const overStream = await store.putEventOverBatch('prod', { ...e1, body: { changed: true } }, 'P');
    await store.putEventIfAbsent('prod', ofBatch('P', { broken: true }));
    const overPredecessor = await store.putEventOverBatch('prod', ofBatch('R', { fixed: true }), 'P');
    const overReplay = await store.putEventOverBatch('prod', ofBatch('S', { other: true }), 'P');

    // Assess
    expect(before).toBeUndefined();
    expect(first.written).toBe(true);
    expect(again.written).toBe(false);
    expect(after).toEqual(e1.source);
    expect(overStream.written).toBe(false);
    expect(overPredecessor.written).toBe(true);
    expect(overReplay.written).toBe(false);
    expect((await store.eventsOf('prod', [email], { limit: 10 })).items).toEqual([
      ofBatch('R', { fixed: true }),
      e1,
    ]);
  });

  it('pages the merged timeline of several identities newest first, within time bounds', async () => {
    // Prepare
    const { store } = await freshStore();
    const seconds = { [email.id]: [1, 4, 5, 8], [crm.id]: [2, 3, 6, 7, 9] };
    for (const identity of [email, crm]) {
      for (const second of seconds[identity.id]!)
        await store.putEventIfAbsent('prod', event(identity, `${identity.id}-${second}`, second));
    }

    // Act
    const pages: number[][] = [];
    let start: string | undefined;
    do {
      const page = await store.eventsOf('prod', [email, crm], { limit: 3, ...(start ? { start } : {}) });
      pages.push(page.items.map((item) => item.body.n as number));
      start = page.next;
    } while (start);
    const bounded = await store.eventsOf('prod', [email, crm], {
      limit: 10,
      startTime: '2024-05-01T00:00:03Z',
      endTime: '2024-05-01T00:00:06.000Z',
    });

    // Assess
    expect(pages).toEqual([
      [9, 8, 7],
      [6, 5, 4],
      [3, 2, 1],
    ]);
    expect(bounded.items.map((item) => item.body.n)).toEqual([6, 5, 4, 3]);
    expect(bounded.next).toBeUndefined();
    await expect(store.eventsOf('prod', [email], { limit: 1, start: 'not-a-token' })).rejects.toBeInstanceOf(
      InvalidPageToken,
    );
  });

  it('removes every fragment and event of the identities and nothing of others', async () => {
    // Prepare
    const { store, table } = await freshStore();
    const other: IdentityRef = { namespace: 'Email', id: 'other@b.co' };
    for (const identity of [email, crm, other]) {
      const fragment = applyChange(undefined, change('2024-01-01T00:00:00.000Z', { n: 1 }), {
        datasetId: 'ds1',
        identity,
      })!;
      await store.putFragment('prod', fragment, undefined);
    }
    for (let second = 0; second < 30; second += 1)
      await store.putEventIfAbsent('prod', event(email, `e${second}`, second));
    await store.putEventIfAbsent('prod', event(other, 'o1', 1));

    // Act
    const removed = await store.removeAll('prod', [email, crm]);

    // Assess
    expect(removed).toEqual({ fragments: 2, events: 30 });
    const left = await profiles.documents.send(new ScanCommand({ TableName: table }));
    expect(left.Items?.map((item) => item.pk as string).sort()).toEqual([
      'prod#event#Email#other@b.co',
      'prod#fragment#Email#other@b.co',
    ]);
  });
});
