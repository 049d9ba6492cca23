import { describe, expect, it } from 'vitest';
import { MAX_PRODUCER_MESSAGE_ID_LENGTH } from '../../../lambdas/core/streaming/collect-messages';
import { collectFixture, envelope, OPEN_INLET } from './collect-fixture';

const request = (messages: unknown[]) => ({
  inletId: OPEN_INLET,
  sandboxHint: 'prod',
  presentedKey: undefined,
  syncValidation: false,
  body: { messages },
});

describe("collect: the envelope's header.msgId", () => {
  it('carries header.msgId to the stream as the producer message id, which the consumer de-duplicates by', async () => {
    // Prepare
    const fixture = await collectFixture();
    const entity = { email: 'jane@example.com', tier: 'gold' };

    // Act
    const answer = await fixture.service.collectBatch(
      request([envelope(entity, { msgId: 'order-42' }), envelope(entity)]),
    );

    // Assess
    expect(answer.responses.every((response) => 'xactionId' in response)).toBe(true);
    const [withId, without] = fixture.stream.messages();
    expect(withId?.producerMessageId).toBe('order-42');
    expect(without).not.toHaveProperty('producerMessageId');
  });

  it.each([
    ['a number', 42],
    ['empty', ''],
    ['too long', 'x'.repeat(MAX_PRODUCER_MESSAGE_ID_LENGTH + 1)],
  ])('refuses a header.msgId that is %s with a 400 naming it, never ignoring it', async (_case, msgId) => {
    // Prepare
    const fixture = await collectFixture();

    // Act
    const answer = await fixture.service.collectBatch(
      request([envelope({ email: 'jane@example.com' }, { msgId })]),
    );

    // Assess
    expect(answer.responses[0]).toMatchObject({
      kind: 'invalid',
      code: 'invalid-msg-id',
      violations: [expect.objectContaining({ pointer: '/messages/0/header/msgId' })],
    });
    expect(fixture.stream.written).toEqual([]);
  });
});
