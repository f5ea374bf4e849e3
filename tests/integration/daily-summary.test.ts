// The day's attendance summary on a real database (PGlite, and PostgreSQL when CI gives one): nothing before
// ATTENDANCE_SUMMARY_AT; at it, who checked in today (first check-in first) and who did not, once a day however often
// it ticks and however many servers share the database; and through a real outbox to a chat receiver as one line.
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { DailySummary, SUMMARY_LISTED } from '../../src/server/attendance/daily-summary.js';
import { silentLogger } from '../../src/server/log.js';
import { MEMORY, openStore, rawDrizzle } from '../../src/server/store/db.js';
import type { OutboxEvent } from '../../src/server/store/outbox-repo.js';
import type { Store } from '../../src/server/store/types.js';
import { testOutbound } from '../helpers/outbound.js';
import { describeEachDatabase } from '../helpers/server.js';
import { startReceiver, until, type Receiver } from '../helpers/webhook-receiver.js';

// Server-local times (the summary's day and time are the server's: TZ).
const local = (h: number, m: number, day = 7) => new Date(2026, 11, day, h, m).getTime();

describeEachDatabase('daily attendance summary on $name', (target) => {
  let store: Store;
  let receiver: Receiver;
  const people: Record<string, string> = {};

  beforeAll(async () => {
    const env = await target.freshEnv();
    store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.DATABASE_URL ? env.DATA_DIR! : MEMORY });
  }, 120_000);
  afterAll(() => store.close());
  beforeEach(async () => {
    await rawDrizzle(store).execute('truncate webhooks, outbox_events, outbox_deliveries, attendance_summaries, check_ins, people cascade');
    for (const name of ['Ada Lovelace', 'Bob Smith', 'Cy Young']) {
      const made = await store.people.create(name);
      if (!made.ok) throw new Error('person not made');
      people[name] = made.value.id;
    }
    const checkIn = (name: string, at: number, camera = 'door') =>
      store.checkIns.record({ personId: people[name]!, at: new Date(at), score: 0.9, camera, cooldownMs: 60_000 });
    await checkIn('Bob Smith', local(9, 10));
    await checkIn('Ada Lovelace', local(8, 59));
    await checkIn('Ada Lovelace', local(12, 0), 'hall');
    await checkIn('Cy Young', local(18, 30, 6)); // yesterday: not today's
    receiver = await startReceiver(() => '');
  });
  afterEach(() => receiver.close());

  let reads = 0;
  const summary = (clock: () => number, sent: OutboxEvent[]) =>
    new DailySummary({
      // Counts the day's reads (they scan the people): once the day is sent, no server reads it again.
      repo: { ...store.attendanceSummary, day: (...args) => (reads++, store.attendanceSummary.day(...args)) },
      enqueue: async (ev) => sent.push(ev),
      clock,
      at: '17:30',
      log: silentLogger,
    });

  it('sends nothing before its time, then one summary of the day, once, whichever server ticks', async () => {
    let now = local(17, 29);
    const sent: OutboxEvent[] = [];
    const a = summary(() => now, sent);
    const b = summary(() => now, sent); // a second server on the same database
    expect(await a.tick()).toBe(false);
    now = local(17, 30);
    expect(await Promise.all([a.tick(), b.tick()])).toEqual(expect.arrayContaining([true, false]));
    expect(await a.tick()).toBe(false);
    now = local(23, 59);
    const readsWhenSent = reads;
    expect(await b.tick()).toBe(false);
    expect(await summary(() => now, sent).tick()).toBe(false); // a server started after it went out
    expect(reads).toBe(readsWhenSent);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual({
      type: 'attendance.summary',
      payload: {
        at: new Date(local(17, 30)).toISOString(),
        date: '2026-12-07',
        people: 3,
        checkedInCount: 2,
        notCheckedInCount: 1,
        checkedIn: [
          { id: people['Ada Lovelace'], name: 'Ada Lovelace', firstAt: new Date(local(8, 59)).toISOString() },
          { id: people['Bob Smith'], name: 'Bob Smith', firstAt: new Date(local(9, 10)).toISOString() },
        ],
        notCheckedIn: [{ id: people['Cy Young'], name: 'Cy Young' }],
        listed: SUMMARY_LISTED,
      },
    });
    // The next day has its own summary.
    now = local(17, 45, 8);
    expect(await a.tick()).toBe(true);
    expect(sent[1]!.payload).toMatchObject({ date: '2026-12-08', checkedInCount: 0, notCheckedInCount: 3 });
  });

  it('reaches a chat that takes it as one line, and a webhook that names cameras not at all', async () => {
    const base = `http://127.0.0.1:${receiver.port}`;
    const summaryChat = (name: string, path: string, cameras?: string[]) =>
      store.integrations.createWebhook({
        name,
        url: `${base}${path}`,
        format: 'slack',
        secret: 'x'.repeat(16),
        eventTypes: ['attendance.summary'],
        cameras,
        enabled: true,
      });
    await summaryChat('office', '/office/T/B/x');
    await summaryChat('door only', '/door/T/B/x', ['door']);
    const now = local(18, 0);
    const outbound = testOutbound(store, { clock: () => now, limits: { maxPending: 100, maxAttempts: 5 } });
    await outbound.start();
    try {
      const daily = new DailySummary({
        repo: store.attendanceSummary,
        enqueue: (ev) => outbound.enqueue(ev),
        clock: () => now,
        at: '17:30',
        log: silentLogger,
      });
      expect(await daily.tick()).toBe(true);
      await until(() => receiver.received.length === 1, 10_000, 'the summary');
      expect(receiver.received[0]!.path).toBe('/office/T/B/x');
      expect(receiver.received[0]!.body.text).toMatch(/^Attendance on 2026-12-07 at \d\d:\d\d: 2 of 3 checked in\. Not checked in: Cy Young\.$/);
    } finally {
      await outbound.close();
    }
  });
});
