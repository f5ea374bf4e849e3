// Nothing lost: events queued while the webhook receiver is down, the server killed with SIGKILL, then receiver and
// server both back. Every event arrives exactly once (by its idempotency key), signed with the endpoint's secret.
import { afterAll, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { describeEachDatabase } from '../helpers/server.js';
import { startReceiver, until } from '../helpers/webhook-receiver.js';

const SECRET = 'kill-test-secret-0123456789';
const EVENTS = 10;

describeEachDatabase('outbox across kill -9 on $name', (target) => {
  const children: ChildServer[] = [];
  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill9()));
  });

  it('delivers every event once after the receiver and the killed server are both back', { timeout: 600_000 }, async () => {
    const receiver = await startReceiver(() => SECRET);
    await receiver.down();
    const env = {
      ...(await target.freshEnv()),
      OUTBOX_RETRY_BASE_MS: '200',
      OUTBOX_RETRY_MAX_MS: '1000',
      OUTBOX_POLL_MS: '100',
      OUTBOX_BATCH: '5',
      WEBHOOK_TIMEOUT_MS: '1000',
    };
    const first = await spawnServer(env);
    children.push(first);
    const post = (server: ChildServer, path: string, body?: unknown) =>
      fetch(server.url + path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const created = await post(first, '/api/v1/webhooks', { name: 'door lock', url: receiver.url, secret: SECRET, eventTypes: ['test', 'checkin'] });
    expect(created.status).toBe(201);
    const hook = (await created.json()) as { id: string; secret: string };
    const sent: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const res = await post(first, `/api/v1/webhooks/${hook.id}/test`);
      expect(res.status).toBe(202);
      sent.push(((await res.json()) as { eventId: string }).eventId);
    }
    type Delivery = { eventId: string; state: string; attempts: number; lastError: string | null };
    const deliveries = async (server: ChildServer) =>
      ((await (await fetch(`${server.url}/api/v1/webhooks/${hook.id}/deliveries?limit=100`)).json()) as { items: Delivery[] }).items;
    // The receiver is down: the first delivery has been tried and failed, and all wait.
    await until(async () => (await deliveries(first)).some((d) => d.attempts > 0 && d.lastError), 60_000, 'a failed attempt');
    expect((await deliveries(first)).every((d) => d.state === 'pending')).toBe(true);
    await first.kill9();

    await receiver.up();
    const second = await spawnServer(env);
    children.push(second);
    await until(() => receiver.ids().size === EVENTS, 120_000, `all ${EVENTS} events at the receiver`);
    await new Promise((r) => setTimeout(r, 1500)); // time for a duplicate to show up, if one were coming
    expect(receiver.received).toHaveLength(EVENTS);
    expect([...receiver.ids()].sort()).toEqual([...sent].sort());
    expect(receiver.received.every((r) => r.signatureOk && r.idempotencyKey === r.eventId && r.body.id === r.eventId && r.type === 'test')).toBe(true);
    const after = await deliveries(second);
    expect(after.filter((d) => d.state === 'delivered')).toHaveLength(EVENTS);
    const list = (await (await fetch(`${second.url}/api/v1/webhooks`)).json()) as { items: { secretHint: string; deliveries: { delivered: number } }[] };
    expect(list.items[0]!.deliveries.delivered).toBe(EVENTS);
    expect(JSON.stringify(list)).not.toContain(SECRET);
    await second.stop();
    await receiver.close();
  });
});
