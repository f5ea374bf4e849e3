// Attendance check-ins end to end: once per person per cooldown with a test clock, pushed to the camera's sessions and
// to kiosks, race-free across cameras (and across server processes sharing a database), and not lost on disconnect.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CheckInService } from '../../src/server/attendance/checkins.js';
import { silentLogger } from '../../src/server/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { PROTOCOL_VERSION, type CheckIn } from '../../src/shared/protocol.js';
import { describeEachDatabase, sharedAnalyzer, testConfig } from '../helpers/server.js';
import { TestClient, fixture } from '../helpers/ws-client.js';

const MIN = 60_000;
const T0 = new Date(2030, 0, 15, 9, 0, 0).getTime();

async function camera(url: string, name: string, kiosk = false): Promise<TestClient> {
  const c = await TestClient.connect(url, { hello: false });
  c.sendJson({ type: 'hello', protocol: PROTOCOL_VERSION, camera: name, kiosk });
  await c.next((m) => m.type === 'welcome');
  return c;
}
/** The first message of a type, whether it already arrived or not. */
async function first(c: TestClient, type: 'checkins.today') {
  return c.messages.find((m) => m.type === type) ?? (await c.next((m) => m.type === type));
}
const checkinsOf = (c: TestClient): CheckIn[] => c.messages.flatMap((m) => (m.type === 'checkin' ? [m.checkin] : []));

describeEachDatabase('check-ins on $name', (target) => {
  let server: RunningServer;
  let now = T0;
  let guidoId = '';

  beforeAll(async () => {
    const env = { ...(await target.freshEnv()), CHECKIN_COOLDOWN_MS: String(10 * MIN), UNKNOWN_SIGHTING_AFTER_MS: '0' };
    server = await startServer(testConfig(env), { log: silentLogger, analyzer: await sharedAnalyzer(), clock: () => now });
    const enrol = await TestClient.connect(server.url);
    enrol.sendJson({ type: 'enrol.start', name: 'Guido van Rossum', samples: 1 });
    const done = enrol.next((m) => m.type === 'enrol.done');
    await enrol.frame(fixture('Guido_van_Rossum/1.jpg'));
    guidoId = ((await done) as { personId: string }).personId;
    enrol.close();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a person seen continuously for 25 minutes checks in at 0, 10 and 20 minutes, pushed to the camera and kiosks only', async () => {
    const door = await camera(server.url, 'door');
    const kiosk = await camera(server.url, 'lobby', true);
    const elsewhere = await camera(server.url, 'garage');
    expect(await first(kiosk, 'checkins.today')).toMatchObject({ day: '2030-01-15', checkins: [] });
    // The enrolment session's frame may already have checked Guido in at T0 (camera "test").
    await server.checkins!.whenIdle();
    const before = (await server.store.checkIns.since(new Date(0))).length;
    for (let minute = 0; minute <= 25; minute++) {
      now = T0 + minute * MIN + 1;
      const o = await door.frame(fixture('Guido_van_Rossum/3.jpg'));
      expect(o.tracks[0]).toMatchObject({ state: 'recognized', name: 'Guido van Rossum' });
      await server.checkins!.whenIdle();
    }
    const rows = await server.store.checkIns.since(new Date(0));
    const mine = rows.slice(before);
    expect(before + mine.length).toBe(3);
    expect(rows.map((r) => (r.at.getTime() - T0) / MIN).map(Math.floor)).toEqual([0, 10, 20]);
    expect(rows.every((r) => r.personId === guidoId && r.name === 'Guido van Rossum' && r.score >= 0.9)).toBe(true);
    // Attendance's "last seen" is the last sighting in each check-in's window (minutes 9, 19 and 25), not the check-in.
    const api = (await (await server.app.request('/api/v1/check-ins?limit=10')).json()) as { items: { at: string; lastSeenAt: string }[] };
    expect(api.items.map((c) => Math.floor((Date.parse(c.lastSeenAt) - T0) / MIN))).toEqual([9, 19, 25]);
    expect(api.items.every((c) => /Z$/.test(c.at) && /Z$/.test(c.lastSeenAt))).toBe(true);
    await expect.poll(() => checkinsOf(kiosk).length).toBe(3);
    expect(checkinsOf(door).map((c) => c.camera)).toEqual(mine.map(() => 'door'));
    expect(checkinsOf(elsewhere)).toEqual([]);
    // A kiosk connecting later gets the day's list at once.
    const late = await camera(server.url, 'lobby', true);
    const today = await first(late, 'checkins.today');
    expect(today.type === 'checkins.today' && today.checkins.map((c) => c.personId)).toEqual([guidoId, guidoId, guidoId]);
    for (const c of [door, kiosk, elsewhere, late]) c.close();
  });

  it('two cameras seeing the same person at the same moment make one check-in', async () => {
    now = T0 + 60 * MIN;
    const a = await camera(server.url, 'east');
    const b = await camera(server.url, 'west');
    await Promise.all([a.frame(fixture('Guido_van_Rossum/3.jpg')), b.frame(fixture('Guido_van_Rossum/5.jpg'))]);
    await server.checkins!.whenIdle();
    const rows = await server.store.checkIns.since(new Date(T0 + 59 * MIN));
    expect(rows).toHaveLength(1);
    a.close();
    b.close();
  });

  it('is race-free in the database: concurrent attempts, and separate services as if separate processes, insert once', async () => {
    const at = new Date(T0 + 120 * MIN);
    const attempts = Array.from({ length: 12 }, (_, i) =>
      server.store.checkIns.record({ personId: guidoId, at, score: 0.95, camera: `cam${i}`, cooldownMs: 10 * MIN }),
    );
    const outcomes = await Promise.all(attempts);
    expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    const services = [0, 1, 2].map(
      () => new CheckInService({ checkIns: server.store.checkIns, cooldownMs: 10 * MIN, clock: () => T0 + 140 * MIN, log: silentLogger, onCheckIn: () => {} }),
    );
    services.forEach((s, i) => s.seen(guidoId, 0.95, `proc${i}`));
    await Promise.all(services.map((s) => s.whenIdle()));
    expect(await server.store.checkIns.since(new Date(T0 + 119 * MIN))).toHaveLength(2);
  });

  it('keeps a check-in whose camera disconnects right after sending the frame', async () => {
    now = T0 + 200 * MIN;
    const gone = await camera(server.url, 'flaky');
    gone.sendFrame(fixture('Guido_van_Rossum/3.jpg'));
    gone.ws.terminate();
    await expect.poll(async () => (await server.store.checkIns.since(new Date(T0 + 199 * MIN))).map((r) => r.camera), { timeout: 15_000 }).toEqual(['flaky']);
  });

  it('writes a retried check-in at its own time even when a later one was stored meanwhile, and a repeated retry once', async () => {
    // The east camera saw Guido at 400 min while the database was down; by the time its retry runs, the west camera
    // (another server, or this one after the database came back) has stored his check-in at 405 min.
    const seen = new Date(T0 + 400 * MIN);
    const later = await server.store.checkIns.record({ personId: guidoId, at: new Date(T0 + 405 * MIN), score: 0.95, camera: 'west', cooldownMs: 10 * MIN });
    expect(later.created).toBe(true);
    const retried = await server.store.checkIns.record({ personId: guidoId, at: seen, score: 0.93, camera: 'east', cooldownMs: 10 * MIN });
    expect(retried).toMatchObject({ created: true, row: { at: seen, camera: 'east' } });
    // A retry of a write that did commit (its answer was lost) finds that row and inserts nothing.
    const again = await server.store.checkIns.record({ personId: guidoId, at: seen, score: 0.93, camera: 'east', cooldownMs: 10 * MIN });
    expect(again).toMatchObject({ created: false, lastAt: seen });
    const rows = await server.store.checkIns.since(new Date(T0 + 399 * MIN));
    expect(rows.map((r) => [(r.at.getTime() - T0) / MIN, r.camera])).toEqual([
      [400, 'east'],
      [405, 'west'],
    ]);
  });
});
