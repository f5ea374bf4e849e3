// Enrolment that always ends and never takes attendance, on a real socket with real models: the time limit (saved with
// enough views, else `timeout` naming the gate to fix), pose skipping, one steady hint, welcome's gallery size, and the
// enrolment session recording neither check-ins nor unknown sightings. Also "already checked in" on a return visit.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/server/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { PROTOCOL_VERSION } from '../../src/shared/protocol.js';
import { sharedAnalyzer, testConfig } from '../helpers/server.js';
import { TestClient, fixture } from '../helpers/ws-client.js';

const T0 = new Date(2030, 0, 15, 9, 0, 0).getTime();

describe('enrolment flow', () => {
  let server: RunningServer;
  let now = T0;

  beforeAll(async () => {
    const env = {
      ENROL_TIMEOUT_MS: '15000',
      ENROL_MIN_SAMPLES: '2',
      ENROL_POSE_SKIP_MS: '400',
      UNKNOWN_SIGHTING_AFTER_MS: '1000',
      CHECKIN_COOLDOWN_MS: '600000',
      // The test moves its clock by minutes between frames sent milliseconds apart; the tracker rightly runs on the
      // receive clock then, and would answer most frames by prediction. This suite is about enrolment and attendance.
      DETECT_INTERVAL_MS: '0',
    };
    server = await startServer(testConfig(env), { log: silentLogger, analyzer: await sharedAnalyzer(), clock: () => now });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('ends at the time limit as `timeout`, naming the gate that refused most views', async () => {
    const c = await TestClient.connect(server.url);
    expect(c.messages[0]).toMatchObject({ type: 'welcome', gallery: { people: 0, faces: 0 } });
    c.sendJson({ type: 'enrol.start', name: 'Nobody Single', samples: 3 });
    expect(await c.next((m) => m.type === 'enrol.started')).toMatchObject({ timeoutMs: 15000 });
    const frames = ['_group/two_people.jpg', '_group/obama_and_biden.jpg'];
    // Frames as fast as they are answered, until the 15 s limit ends the enrolment (well before 40 s).
    const t0 = Date.now();
    for (let i = 0; !c.messages.some((m) => m.type === 'enrol.cancelled'); i++) {
      expect(Date.now() - t0).toBeLessThan(40_000);
      await c.frame(fixture(frames[i % 2]!));
    }
    const progress = c.messages.filter((m) => m.type === 'enrol.progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const m of progress) expect(m).toMatchObject({ accepted: false, code: 'multiple_faces', hint: { code: 'multiple_faces' } });
    const end = c.messages.find((m) => m.type === 'enrol.cancelled');
    expect(end).toMatchObject({
      code: 'timeout',
      mostRefused: 'multiple_faces',
      reason: expect.stringMatching(/time limit of 15 s reached with 0 of 3 views/),
    });
    c.close();
  }, 60_000);

  it('saves an enrolment that has ENROL_MIN_SAMPLES views when time runs out, and skips a pose nobody turns to', async () => {
    const c = await TestClient.connect(server.url, { hello: false });
    c.sendJson({ type: 'hello', protocol: PROTOCOL_VERSION, camera: 'desk', attendance: false });
    await c.next((m) => m.type === 'welcome');
    c.sendJson({ type: 'enrol.start', name: 'Guido van Rossum', samples: 3 });
    await c.next((m) => m.type === 'enrol.started');
    // Two frontal photos only: he never turns left or right, so the plan waits for a pose that does not come.
    // Frames as fast as they are answered until the 15 s limit ends it: bounded by time, not by a frame count, since
    // how many frames fit in 15 s depends on how fast the models run.
    const t0 = Date.now();
    for (let i = 0; !c.messages.some((m) => m.type === 'enrol.done' || m.type === 'enrol.cancelled'); i++) {
      expect(Date.now() - t0).toBeLessThan(25_000);
      await c.frame(fixture(i % 2 ? 'Guido_van_Rossum/3.jpg' : 'Guido_van_Rossum/1.jpg'));
    }
    const refusals = c.messages.flatMap((m) => (m.type === 'enrol.progress' && !m.accepted ? [m.code] : []));
    expect(refusals).toContain('pose_done');
    const skipped = c.messages.flatMap((m) => (m.type === 'enrol.progress' ? (m.poses?.skipped ?? []) : []));
    expect(skipped).toContain('left');
    // The skipped pose's slot went to a second frontal view; the time limit then saved the two views it had.
    const done = c.messages.find((m) => m.type === 'enrol.done');
    expect(done).toMatchObject({ name: 'Guido van Rossum', created: true, faces: 2 });
    // Each view is stored as the wide chip (vision/chip-geometry.ts), so the face can be re-embedded for any model.
    const faces = await server.store.faces.listForPerson((done as { personId: string }).personId);
    expect(faces).toHaveLength(2);
    for (const f of faces) expect((await sharp((await server.store.faces.crop(f.id))!).metadata()).width).toBe(220);
    c.close();
  }, 40_000);

  it('never records check-ins or sightings from an enrolment session, while a camera does', async () => {
    await server.checkins!.whenIdle();
    await server.sightings.whenIdle();
    const before = (await server.store.checkIns.since(new Date(0))).length;
    // A session that enrolled someone (default hello) keeps streaming them: no check-in, and a stranger no sighting.
    const enroller = await TestClient.connect(server.url, { camera: 'enrol desk' });
    enroller.sendJson({ type: 'enrol.start', name: 'Paul Allen', samples: 1 });
    const done = enroller.next((m) => m.type === 'enrol.done');
    await enroller.frame(fixture('Paul_Allen/1.jpg'));
    await done;
    // Paul, then a stranger, each for a while (one after the other: two photos cut in turn at one spot are one track).
    for (const photo of ['Paul_Allen/2.jpg', 'Barack_Obama/2.jpg']) {
      for (let i = 0; i < 4; i++) {
        now += 600;
        await enroller.frame(fixture(photo), now); // the camera's clock is the test's
      }
    }
    await server.checkins!.whenIdle();
    await server.sightings.whenIdle();
    expect((await server.store.checkIns.since(new Date(0))).length).toBe(before);
    expect(await server.store.sightings.count()).toBe(0);
    enroller.close();

    // The same faces on an attendance camera: Paul checks in, the unknown face becomes a sighting.
    const door = await TestClient.connect(server.url, { camera: 'door' });
    expect(door.messages[0]).toMatchObject({ type: 'welcome', gallery: { people: server.gallery.stats().people, faces: server.gallery.stats().faces } });
    expect(server.gallery.stats().people).toBeGreaterThan(0);
    for (const photo of ['Paul_Allen/2.jpg', 'Barack_Obama/2.jpg']) {
      for (let i = 0; i < 6; i++) {
        now += 600;
        await door.frame(fixture(photo), now);
      }
    }
    await server.checkins!.whenIdle();
    await server.sightings.whenIdle();
    expect((await server.store.checkIns.since(new Date(0))).map((r) => [r.name, r.camera])).toContainEqual(['Paul Allen', 'door']);
    expect(await server.store.sightings.count()).toBeGreaterThan(0);
    door.close();
  }, 60_000);

  it('tells the camera and kiosks "already checked in" when a checked-in person comes back inside the cooldown', async () => {
    const kiosk = await TestClient.connect(server.url, { camera: 'lobby', kiosk: true });
    const door = await TestClient.connect(server.url, { camera: 'door' });
    // Paul checked in at the door in the test before; he stays in view: no notice while he stays.
    now += 5_000;
    await door.frame(fixture('Paul_Allen/2.jpg'));
    await server.checkins!.whenIdle();
    expect(door.messages.some((m) => m.type === 'checkin.already')).toBe(false);
    // He leaves and comes back five minutes later, still inside the 10-minute cooldown.
    now += 5 * 60_000;
    const toldDoor = door.next((m) => m.type === 'checkin.already');
    const toldKiosk = kiosk.next((m) => m.type === 'checkin.already');
    // A photo of him that matches his enrolled face: a face below the threshold is never named, so never told anything.
    await door.frame(fixture('Paul_Allen/2.jpg'));
    const msg = await toldDoor;
    expect(msg).toMatchObject({ camera: 'door', checkin: { name: 'Paul Allen', camera: 'door' } });
    expect(msg.type === 'checkin.already' && now - msg.checkin.at).toBeGreaterThanOrEqual(5 * 60_000);
    expect(await toldKiosk).toMatchObject({ checkin: { name: 'Paul Allen' } });
    kiosk.close();
    door.close();
  }, 30_000);
});

describe('an enrolment that stops getting new views', () => {
  it('is saved ENROL_STALL_MS after its last view once it has ENROL_MIN_SAMPLES, not at the time limit', async () => {
    const env = { ENROL_TIMEOUT_MS: '60000', ENROL_MIN_SAMPLES: '1', ENROL_STALL_MS: '800', ENROL_POSES: 'any' };
    const server = await startServer(testConfig(env), { log: silentLogger, analyzer: await sharedAnalyzer() });
    try {
      const c = await TestClient.connect(server.url, { hello: false });
      c.sendJson({ type: 'hello', protocol: PROTOCOL_VERSION, attendance: false });
      await c.next((m) => m.type === 'welcome');
      c.sendJson({ type: 'enrol.start', name: 'Still Guido', samples: 5 });
      await c.next((m) => m.type === 'enrol.started');
      const t0 = Date.now();
      // One photo, held still: the first frame gives a view, every later one is the same view.
      while (!c.messages.some((m) => m.type === 'enrol.done' || m.type === 'enrol.cancelled')) {
        expect(Date.now() - t0).toBeLessThan(30_000); // by time: the stall is 800 ms however fast frames are answered
        await c.frame(fixture('Guido_van_Rossum/1.jpg'));
      }
      expect(c.messages.find((m) => m.type === 'enrol.done')).toMatchObject({ name: 'Still Guido', faces: 1 });
      expect(c.messages.filter((m) => m.type === 'enrol.progress' && !m.accepted).map((m) => m.type === 'enrol.progress' && m.code)).toContain('same_view');
      expect(Date.now() - t0).toBeLessThan(30_000);
      c.close();
    } finally {
      await server.close();
    }
  }, 60_000);
});
