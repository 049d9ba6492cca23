/**
 * Webhooks as an attacker sees them: a receiver cannot tell a run notification from a forged one unless it is
 * signed, a plain-http webhook crosses the network in the clear, and a signing secret that answers show is no
 * secret. The dataflow routes run over in-memory stores; deliveries are checked with an independent Standard
 * Webhooks verification (HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}", keyed with the base64 after
 * `whsec_`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Dataflow } from '../../lambdas/core/dataflows/dataflow-types';
import { FlowRunService } from '../../lambdas/core/dataflows/flow-runs';
import { runEvent } from '../../lambdas/core/dataflows/run-view';
import { FetchWebhookSender } from '../../lambdas/core/dataflows/webhook-sender';
import { dataflowRoutes } from '../../lambdas/http/routes/dataflow-routes';
import { MemorySecretStore } from '../unit/connections/memory-connections';
import { apiRequest, routeOf, thrownBy } from '../support/api-requests';
import {
  DATASET_ID,
  dataflowServiceOf,
  dataflowWorld,
  endedRun,
  S3_CONNECTION_ID,
  type DataflowWorld,
} from '../support/dataflow-world';

const HOOK = 'https://hooks.example.com/services/T0/B0/tok-5b9e';
const PUBLIC_ANSWER = [{ address: '93.184.216.34', family: 4 }];

interface Delivery {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Whether the delivery carries a valid Standard Webhooks signature made with `secret`. */
function verifies(delivery: Delivery, secret: string): boolean {
  const id = delivery.headers['webhook-id'];
  const timestamp = delivery.headers['webhook-timestamp'];
  const signatures = delivery.headers['webhook-signature'];
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${delivery.body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, signature = ''] = entry.split(',');
    const given = Buffer.from(signature, 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe('webhook deliveries', () => {
  let world: DataflowWorld;
  let secrets: MemorySecretStore;
  let deliveries: Delivery[];

  const routesOf = (allowPlainHttpWebhooks: boolean) =>
    dataflowRoutes({
      dataflows: dataflowServiceOf(world, { secrets, allowPlainHttpWebhooks }),
      runs: new FlowRunService(world.startDeps),
    });
  const call = (
    key: Parameters<typeof routeOf>[1],
    overrides: Parameters<typeof apiRequest>[0],
    allowPlainHttpWebhooks = false,
  ) => routeOf(routesOf(allowPlainHttpWebhooks), key)(apiRequest(overrides));
  const createFlow = (webhookUrl: string, allowPlainHttp = false) =>
    call(
      'POST /dataflows',
      {
        method: 'POST',
        body: {
          name: 'people',
          connectionId: S3_CONNECTION_ID,
          datasetId: DATASET_ID,
          notifications: { webhookUrl },
        },
      },
      allowPlainHttp,
    );
  const sender = (allowPlainHttp = false) =>
    new FetchWebhookSender({
      allowPrivateHosts: false,
      allowPlainHttp,
      resolve: async () => PUBLIC_ANSWER,
      fetch: async (_input, init) => {
        deliveries.push({
          headers: Object.fromEntries(new Headers(init?.headers).entries()),
          body: init?.body as string,
        });
        return new Response(null, { status: 204 });
      },
    });
  /** Delivers a run of the stored flow as the worker does: with the secret its notifications name. */
  const deliver = async (flow: Dataflow) => {
    const secret = await secrets.read(flow.notifications!.secretRef!);
    await sender().post(flow.notifications!.webhookUrl!, runEvent(endedRun({ id: 'run-7' }), flow), {
      secret,
    });
  };

  beforeEach(() => {
    world = dataflowWorld();
    secrets = new MemorySecretStore();
    deliveries = [];
  });

  it('a flow with a webhook answers its signing secret once; every delivery verifies with it', async () => {
    // Act
    const created = await createFlow(HOOK);
    const { id, notifications } = created.body as { id: string; notifications: { signingSecret: string } };
    const read = await call('GET /dataflows/{dataflowId}', { pathParameters: { dataflowId: id } });
    const listed = await call('GET /dataflows', {});
    await deliver(world.flows.stored(id));

    // Assess
    expect(notifications.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(JSON.stringify([read.body, listed.body])).not.toContain(notifications.signingSecret);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.headers['webhook-id']).toBe('run-7');
    expect(verifies(deliveries[0]!, notifications.signingSecret)).toBe(true);
    expect(
      verifies(
        { ...deliveries[0]!, body: deliveries[0]!.body.replace('run-7', 'run-8') },
        notifications.signingSecret,
      ),
    ).toBe(false);
  });

  it('rotating the secret answers the new one once; deliveries verify with it, no longer with the old', async () => {
    // Prepare
    const created = await createFlow(HOOK);
    const { id, notifications } = created.body as { id: string; notifications: { signingSecret: string } };

    // Act
    const rotated = await call('PATCH /dataflows/{dataflowId}', {
      method: 'PATCH',
      pathParameters: { dataflowId: id },
      body: { notifications: { webhookUrl: 'https://hooks.example.com/REDACTED', rotateSecret: true } },
    });
    await deliver(world.flows.stored(id));

    // Assess
    const secret = (rotated.body as { notifications: { signingSecret: string } }).notifications.signingSecret;
    expect(secret).not.toBe(notifications.signingSecret);
    expect(world.flows.stored(id).notifications?.webhookUrl).toBe(HOOK);
    expect(verifies(deliveries[0]!, secret)).toBe(true);
    expect(verifies(deliveries[0]!, notifications.signingSecret)).toBe(false);
  });

  it('removing the webhook, or the flow, deletes its secret', async () => {
    // Prepare
    const ids = await Promise.all([createFlow(HOOK), createFlow(HOOK)]).then((answers) =>
      answers.map((answer) => (answer.body as { id: string }).id),
    );
    const secretRefs = ids.map((id) => world.flows.stored(id).notifications?.secretRef);

    // Act
    await call('PATCH /dataflows/{dataflowId}', {
      method: 'PATCH',
      pathParameters: { dataflowId: ids[0]! },
      body: { notifications: null },
    });
    await call('DELETE /dataflows/{dataflowId}', {
      method: 'DELETE',
      pathParameters: { dataflowId: ids[1]! },
    });

    // Assess
    expect(secretRefs.every((ref) => ref !== undefined)).toBe(true);
    expect(new Set(secretRefs).size).toBe(2);
    expect(secretRefs.filter((ref) => secrets.values.has(ref!))).toEqual([]);
  });

  it('a plain-http webhook is refused outside the local runtime, by the API and by the sender', async () => {
    // Act
    const refused = await thrownBy(createFlow('http://hooks.example.com/runs'));
    const local = await createFlow('http://127.0.0.1:4999/runs', true);
    const sent = await thrownBy(
      sender().post('http://hooks.example.com/runs', runEvent(endedRun(), undefined), {
        secret: 'whsec_AAAA',
      }),
    );

    // Assess
    expect(refused).toMatchObject({ status: 400 });
    expect((refused?.violations as { pointer: string }[]).map((v) => v.pointer)).toEqual([
      '/notifications/webhookUrl',
    ]);
    expect(local.status).toBe(201);
    expect(sent).toMatchObject({ name: 'WebhookDeliveryError', attempts: 0 });
    expect(deliveries).toEqual([]);
  });
});
