// The outbox on a real database (PGlite, and PostgreSQL when CI gives one) with a real HTTP receiver: what is queued for
// whom, a check-in and its event in one transaction, the full outbox, and delivery through a receiver that fails for a
// while: every event arrives once, signed, in order, and a failing receiver is probed, not flooded.
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { CheckInService } from '../../src/server/attendance/checkins.js';
import { createLocalBus } from '../../src/server/events/local-bus.js';
import { silentLogger } from '../../src/server/log.js';
import { testEvent } from '../../src/server/outbound/event-types.js';
import type { Outbound, OutboundLimits } from '../../src/server/outbound/outbound.js';
import { MEMORY, openStore, rawDrizzle } from '../../src/server/store/db.js';
import type { Store } from '../../src/server/store/types.js';
import { testOutbound } from '../helpers/outbound.js';
import { describeEachDatabase } from '../helpers/server.js';
import { startReceiver, until, type Receiver } from '../helpers/webhook-receiver.js';

const SECRET = 'test-secret-0123456789';
describeEachDatabase('outbox on $name', (target) => {
  let store: Store;
  let receiver: Receiver;
  let outbound: Outbound;
  const bus = createLocalBus(silentLogger);
  let env: Record<string, string>;

  // One database per target (opening and migrating one is most of a test's time); emptied before each test.
  beforeAll(async () => {
    env = await target.freshEnv();
    store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.DATABASE_URL ? env.DATA_DIR! : MEMORY });
  }, 120_000);
  afterAll(() => store.close());
  beforeEach(async () => {
    await rawDrizzle(store).execute('truncate webhooks, outbox_events, outbox_deliveries, mqtt_settings, check_ins, people cascade');
    receiver = await startReceiver(() => SECRET);
  });
  afterEach(async () => {
    await outbound?.close();
    await receiver.close();
  });

  const makeOutbound = (limits: Partial<OutboundLimits> = {}) => testOutbound(store, { limits, bus });

  it('queues an event only for the webhooks subscribed to its type, and nothing when nobody is', async () => {
    const now = new Date();
    expect(await store.outbox.enqueue(testEvent(0, 't'), { maxPending: 10, now })).toEqual({ id: null, deliveries: 0 });
    const a = await store.integrations.createWebhook({ name: 'a', url: receiver.url, secret: SECRET, eventTypes: ['checkin'], enabled: true });
    await store.integrations.createWebhook({ name: 'b', url: receiver.url, secret: SECRET, eventTypes: ['unknown'], enabled: true });
    await store.integrations.createWebhook({ name: 'c', url: receiver.url, secret: SECRET, eventTypes: ['checkin'], enabled: false });
    const o = await store.outbox.enqueue({ type: 'checkin', payload: { at: now.toISOString() } }, { maxPending: 10, now });
    expect(o.deliveries).toBe(1);
    const stats = await store.outbox.stats();
    expect(stats).toEqual([expect.objectContaining({ webhookId: a.id, state: 'pending', n: 1 })]);
  });

  it('queues an event for a webhook that names cameras only when it comes from one of them', async () => {
    const now = new Date();
    const every = await store.integrations.createWebhook({ name: 'all', url: receiver.url, secret: SECRET, eventTypes: ['checkin'], enabled: true });
    const door = await store.integrations.createWebhook({
      name: 'door',
      url: receiver.url,
      secret: SECRET,
      eventTypes: ['checkin'],
      cameras: ['Front door', 'Gate'],
      enabled: true,
    });
    const from = async (camera: unknown) => {
      const o = await store.outbox.enqueue({ type: 'checkin', payload: { at: now.toISOString(), camera } }, { maxPending: 100, now });
      const targets: string[] = [];
      for (const hook of [every, door]) if ((await store.outbox.recent(hook.id, { limit: 50 })).some((x) => x.eventId === o.id)) targets.push(hook.id);
      return targets.sort();
    };
    expect(await from('Front door')).toEqual([every.id, door.id].sort());
    expect(await from('Gate')).toEqual([every.id, door.id].sort());
    expect(await from('front door')).toEqual([every.id]); // labels compare exactly
    expect(await from('Yard')).toEqual([every.id]);
    expect(await from(undefined)).toEqual([every.id]);
  });

  it('refuses new events when OUTBOX_MAX_PENDING deliveries wait, and writes nothing of them', async () => {
    await store.integrations.createWebhook({ name: 'a', url: receiver.url, secret: SECRET, eventTypes: ['test'], enabled: true });
    const now = new Date();
    for (let i = 0; i < 3; i++) expect((await store.outbox.enqueue(testEvent(0, 't'), { maxPending: 3, now })).deliveries).toBe(1);
    expect(await store.outbox.enqueue(testEvent(0, 't'), { maxPending: 3, now })).toEqual({ id: null, deliveries: 0, refused: 'full' });
    expect(await store.outbox.pendingCount()).toBe(3);
  });

  it("writes a check-in's event in the check-in's transaction, and none for a check-in inside the cooldown", async () => {
    const hook = await store.integrations.createWebhook({ name: 'a', url: receiver.url, secret: SECRET, eventTypes: ['checkin'], enabled: true });
    const made = await store.people.create('Ada Lovelace');
    if (!made.ok) throw new Error('person not made');
    outbound = makeOutbound();
    let t = Date.now();
    const checkins = new CheckInService({
      checkIns: store.checkIns,
      cooldownMs: 60_000,
      clock: () => t,
      log: silentLogger,
      onCheckIn: () => {},
      outbox: outbound.checkinOutbox(),
    });
    checkins.seen(made.value.id, 0.9, 'door');
    await checkins.whenIdle();
    t += 1000;
    checkins.forget();
    checkins.seen(made.value.id, 0.95, 'door'); // inside the cooldown: no check-in, so no event
    await checkins.whenIdle();
    const rows = await store.outbox.recent(hook.id, { limit: 10 });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.type).toBe('checkin');
    await outbound.start();
    await until(() => receiver.received.length === 1, 10_000, 'the check-in webhook');
    const got = receiver.received[0]!;
    expect(got.signatureOk).toBe(true);
    expect(got.idempotencyKey).toBe(got.eventId);
    expect(got.body).toMatchObject({ id: got.eventId, type: 'checkin', camera: 'door', person: { id: made.value.id, name: 'Ada Lovelace' } });
    const today = await store.checkIns.since(new Date(0));
    expect(got.body.checkinId).toBe(today[0]!.id);
  });

  it('delivers every event once, in order, after the receiver failed for a while, and probes it rather than flooding it', async () => {
    const hook = await store.integrations.createWebhook({ name: 'a', url: receiver.url, secret: SECRET, eventTypes: ['test'], enabled: true });
    receiver.status = 503;
    outbound = makeOutbound();
    await outbound.start();
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push((await outbound.enqueue(testEvent(Date.now(), `n${i}`)))!.id!);
    await until(() => receiver.requests >= 4, 10_000, 'a few failed probes');
    // 25 events waiting, but the resting receiver saw one request per backoff step, not one per event.
    const failedRequests = receiver.requests;
    expect(failedRequests).toBeLessThan(15);
    const pending = await store.outbox.recent(hook.id, { limit: 100, state: 'pending' });
    expect(pending).toHaveLength(25);
    receiver.status = 200;
    await until(() => receiver.ids().size === 25, 15_000, 'all 25 events');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.map((r) => r.eventId)).toEqual(ids);
    expect(receiver.received.every((r) => r.signatureOk)).toBe(true);
    expect(await store.outbox.pendingCount()).toBe(0);
    const done = await store.outbox.recent(hook.id, { limit: 100, state: 'delivered' });
    expect(done).toHaveLength(25);
  });

  it('gives up at once on a 4xx that is not about timing, and keeps going with the next event', async () => {
    const hook = await store.integrations.createWebhook({ name: 'a', url: receiver.url, secret: SECRET, eventTypes: ['test'], enabled: true });
    receiver.status = 410;
    outbound = makeOutbound();
    await outbound.start();
    await outbound.enqueue(testEvent(Date.now(), 'gone'));
    await until(async () => (await store.outbox.recent(hook.id, { limit: 5, state: 'failed' })).length === 1, 10_000, 'the failed delivery');
    const [failed] = await store.outbox.recent(hook.id, { limit: 5 });
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, lastStatus: 410, lastError: 'HTTP 410' });
    receiver.status = 200;
    await outbound.enqueue(testEvent(Date.now(), 'next'));
    await until(() => receiver.received.length === 1, 10_000, 'the next event');
    // An operator's retry brings the failed one back.
    expect(await store.outbox.retry(failed!.id, new Date())).toBe(true);
    await until(() => receiver.received.length === 2, 10_000, 'the retried event');
    expect(receiver.received[1]!.eventId).toBe(failed!.eventId);
  });

  // PostgreSQL only: PGlite is one process by design (the data directory is locked), so there is no second server.
  it.skipIf(target.name !== 'postgres')('shares the work between two servers on one database: each event delivered once', async () => {
    await store.integrations.createWebhook({ name: 'a', url: receiver.url, secret: SECRET, eventTypes: ['test'], enabled: true });
    const other = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR! });
    const second = testOutbound(other, { limits: { batch: 3 } }); // PostgreSQL: not single-process
    try {
      outbound = makeOutbound({ batch: 3 });
      for (let i = 0; i < 60; i++) await (i % 2 ? outbound : second).enqueue(testEvent(Date.now(), `n${i}`));
      await Promise.all([outbound.start(), second.start()]);
      await until(() => receiver.ids().size === 60, 20_000, 'all 60 events');
      await new Promise((r) => setTimeout(r, 500));
      expect(receiver.received).toHaveLength(60);
    } finally {
      await second.close();
      await other.close();
    }
  });

  it('gives up on deliveries older than OUTBOX_MAX_AGE_MS', async () => {
    const hook = await store.integrations.createWebhook({ name: 'a', url: 'http://127.0.0.1:9/', secret: SECRET, eventTypes: ['test'], enabled: true });
    outbound = makeOutbound({ maxAgeMs: 300 });
    await outbound.start();
    await outbound.enqueue(testEvent(Date.now(), 'old'));
    await until(async () => (await store.outbox.recent(hook.id, { limit: 5, state: 'failed' })).length === 1, 10_000, 'the expired delivery');
    const [row] = await store.outbox.recent(hook.id, { limit: 5 });
    expect(row!.lastError).toMatch(/OUTBOX_MAX_AGE_MS/);
  });
});
