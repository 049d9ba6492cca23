import { describe, expect, it } from 'vitest';
import { CONTENT_DEDUP_WINDOW_MS } from '../../../lambdas/core/streaming/consume-dedup';
import { consumeRecords } from '../../../lambdas/core/streaming/consume-records';
import { fakes, lakeMessageIds, quarantineLines, streamRecord, target, totals } from './consume-fakes';

const at = (minutes: number) =>
  new Date(Date.parse('2024-05-01T10:00:00.000Z') + minutes * 60_000).toISOString();

describe('de-duplication of streamed messages', () => {
  it('ingests a profile record repeated after the content window (gold → silver → gold keeps the last gold)', async () => {
    // Prepare: no producer id, so only the content de-duplicates, and only within its window
    const world = fakes({ 'ds-a': target('ds-a') });
    const later = CONTENT_DEDUP_WINDOW_MS / 60_000 + 1;
    const records = [
      streamRecord({ messageId: 'gold-1', receivedAt: at(0), record: { email: 'a@x.io', tier: 'gold' } }),
      streamRecord({ messageId: 'silver', receivedAt: at(1), record: { email: 'a@x.io', tier: 'silver' } }),
      streamRecord({ messageId: 'gold-2', receivedAt: at(later), record: { email: 'a@x.io', tier: 'gold' } }),
    ];

    // Act
    await consumeRecords(world.deps, records.slice(0, 2));
    world.clock.now = new Date(at(later + 1));
    await consumeRecords(world.deps, records.slice(2));

    // Assess
    expect(await lakeMessageIds(world.lake)).toEqual(['gold-1', 'gold-2', 'silver']);
    expect(world.applied).toEqual(['a@x.io', 'a@x.io', 'a@x.io']);
    expect(totals(world.batches)).toEqual({ output: 3, failed: 0, duplicates: 0 });
  });

  it('still counts a resend of the same content within the window as a duplicate, and again on redelivery', async () => {
    // Prepare
    const world = fakes({ 'ds-a': target('ds-a') });
    const original = streamRecord({ messageId: 'm-1', receivedAt: at(0), record: { email: 'a@x.io' } });
    const resent = streamRecord({ messageId: 'm-2', receivedAt: at(2), record: { email: 'a@x.io' } });

    // Act: the resend is consumed, then redelivered long after the window
    await consumeRecords(world.deps, [original]);
    await consumeRecords(world.deps, [resent]);
    world.clock.now = new Date(at(60 * 20));
    await consumeRecords(world.deps, [resent]);

    // Assess
    expect(await lakeMessageIds(world.lake)).toEqual(['m-1']);
    expect(totals(world.batches)).toEqual({ output: 1, failed: 0, duplicates: 1 });
  });

  it('de-duplicates by the producer id (envelope msgId, else the record _id), not by content', async () => {
    // Prepare: two different messages of equal content, and a resend of each
    const world = fakes({ 'ds-a': target('ds-a') });
    const same = { email: 'a@x.io', tier: 'gold' };
    const records = [
      streamRecord({ messageId: 'p-1', producerMessageId: 'msg-1', record: same }),
      streamRecord({ messageId: 'p-2', producerMessageId: 'msg-2', record: same }),
      streamRecord({ messageId: 'p-3', producerMessageId: 'msg-1', record: same }),
      streamRecord({ messageId: 'r-1', record: { ...same, _id: 'rec-1' } }),
      streamRecord({ messageId: 'r-2', record: { ...same, _id: 'rec-2' } }),
      streamRecord({ messageId: 'r-3', record: { ...same, _id: 'rec-1' } }),
    ];

    // Act
    await consumeRecords(world.deps, records);

    // Assess
    expect(await lakeMessageIds(world.lake)).toEqual(['p-1', 'p-2', 'r-1', 'r-2']);
    expect(totals(world.batches)).toEqual({ output: 4, failed: 0, duplicates: 2 });
  });

  it('keeps a resend a duplicate after the chunk manifest that wrote the original expired (written on the marker)', async () => {
    // Prepare
    const world = fakes({ 'ds-a': target('ds-a') });
    const original = streamRecord({ messageId: 'm-1', record: { _id: 'evt-1', email: 'a@x.io' } });
    const resent = streamRecord({ messageId: 'm-2', record: { _id: 'evt-1', email: 'a@x.io' } });
    await consumeRecords(world.deps, [original]);

    // Act: eight days on, the manifest is gone; the marker (100 days) must vouch on its own
    world.batches.expireManifests();
    await consumeRecords(world.deps, [resent]);

    // Assess
    expect(await lakeMessageIds(world.lake)).toEqual(['m-1']);
    expect(totals(world.batches)).toEqual({ output: 1, failed: 0, duplicates: 1 });
  });

  it('writes each record once when the shard is re-read with other batch boundaries (a replaced mapping)', async () => {
    // Prepare: the first mapping read the shard in batches of five
    const world = fakes({ 'ds-a': target('ds-a') });
    const records = Array.from({ length: 10 }, (_, i) =>
      streamRecord({ messageId: `m-${i}`, record: { email: `p${i}@x.io` } }),
    );
    await consumeRecords(world.deps, records.slice(0, 5));
    await consumeRecords(world.deps, records.slice(5));

    // Act: its replacement reads the same records in batches of three and seven
    await consumeRecords(world.deps, records.slice(0, 3));
    await consumeRecords(world.deps, records.slice(3));

    // Assess
    const ids = records.map((_, i) => `m-${i}`).sort();
    expect(await lakeMessageIds(world.lake)).toEqual(ids);
    expect(totals(world.batches)).toEqual({ output: 10, failed: 0, duplicates: 0 });
  });

  it('un-marks what a bisected first half no longer writes, so the second half writes it after all', async () => {
    // Prepare: the whole batch committed (and marked its markers), then the invocation failed before answering
    const world = fakes({ 'ds-a': target('ds-a') });
    const records = Array.from({ length: 6 }, (_, i) =>
      streamRecord({ messageId: `m-${i}`, record: { email: `p${i}@x.io` } }),
    );
    await consumeRecords(world.deps, records);

    // Act: Lambda bisects; the first half keeps the chunk name and overwrites the whole batch's file
    await consumeRecords(world.deps, records.slice(0, 3));
    await consumeRecords(world.deps, records.slice(3));

    // Assess
    expect(await lakeMessageIds(world.lake)).toEqual(records.map((_, i) => `m-${i}`));
    expect(totals(world.batches)).toEqual({ output: 6, failed: 0, duplicates: 0 });
  });
});

describe('records the profile store refuses', () => {
  it('keeps a refused record in the lake, explains it in the failed export and counts it as a profile error', async () => {
    // Prepare
    const world = fakes({ 'ds-a': target('ds-a') });
    world.refusedEmails.add('big@x.io');
    const records = [
      streamRecord({ messageId: 'ok', record: { email: 'a@x.io' } }),
      streamRecord({ messageId: 'refused', record: { email: 'big@x.io' } }),
      streamRecord({ messageId: 'after', record: { email: 'c@x.io' } }),
    ];

    // Act
    const response = await consumeRecords(world.deps, records);

    // Assess: nothing blocks, the record is output (not failed), and its line says why and at which stage
    expect(response.batchItemFailures).toEqual([]);
    expect(await lakeMessageIds(world.lake)).toEqual(['after', 'ok', 'refused']);
    expect(totals(world.batches)).toEqual({ output: 3, failed: 0, duplicates: 0 });
    const [chunk] = world.batches.allChunks();
    expect(chunk?.profileErrors).toEqual({ 'profile-record-too-large': 1 });
    expect(quarantineLines(world.quarantine)).toEqual([
      expect.objectContaining({
        messageId: 'refused',
        stage: 'profile',
        code: 'profile-record-too-large',
        record: { email: 'big@x.io' },
        violations: [{ pointer: '', keyword: 'profile', message: 'the item exceeds 400 KB' }],
      }),
    ]);
  });
});
