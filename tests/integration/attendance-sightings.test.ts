// Unknown sightings: a face unknown for UNKNOWN_SIGHTING_AFTER_MS is stored once per track with a JPEG crop and its
// embedding; an operator can promote it to a new person or attach it to one; retention prunes old and excess rows.
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLocalBus } from '../../src/server/events/local-bus.js';
import { createGalleryService, SightingError, type GalleryService } from '../../src/server/gallery/service.js';
import { silentLogger } from '../../src/server/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { WIDE_CHIP_SIZE } from '../../src/server/vision/chip-geometry.js';
import { PROTOCOL_VERSION } from '../../src/shared/protocol.js';
import { describeEachDatabase, sharedAnalyzer, testConfig } from '../helpers/server.js';
import { TestClient, fixture } from '../helpers/ws-client.js';

const T0 = Date.UTC(2030, 0, 15, 9);
const DAY = 86_400_000;

describeEachDatabase('unknown sightings on $name', (target) => {
  let server: RunningServer;
  let now = T0;
  let deps: GalleryService;

  beforeAll(async () => {
    const env = { ...(await target.freshEnv()), UNKNOWN_SIGHTING_AFTER_MS: '60000', SIGHTINGS_RETENTION_DAYS: '30', SIGHTINGS_MAX_ROWS: '5' };
    server = await startServer(testConfig(env), { log: silentLogger, analyzer: await sharedAnalyzer(), clock: () => now });
    deps = server.galleryService;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('stores a face that stays unknown for a minute, once per track', async () => {
    const cam = await TestClient.connect(server.url, { hello: false });
    cam.sendJson({ type: 'hello', protocol: PROTOCOL_VERSION, camera: 'gate' });
    await cam.next((m) => m.type === 'welcome');
    // One photo throughout: a still face. (Cutting between two photos of him jumps the box across the frame, which the
    // motion-aware tracker rightly takes for a new face.)
    for (const t of [0, 30_000, 59_000]) {
      now = T0 + t;
      await cam.frame(fixture('Paul_Allen/1.jpg'));
    }
    await server.sightings.whenIdle();
    expect(await server.store.sightings.count()).toBe(0);
    for (const t of [61_000, 90_000, 300_000]) {
      now = T0 + t;
      expect((await cam.frame(fixture('Paul_Allen/1.jpg'))).tracks[0]!.state).toBe('unknown');
    }
    await server.sightings.whenIdle();
    const list = await server.store.sightings.list();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ camera: 'gate', modelId: server.analyzer.modelId, firstSeenAt: new Date(T0), lastSeenAt: new Date(T0 + 61_000) });
    const s = (await server.store.sightings.get(list[0]!.id))!;
    expect(s.embedding).toHaveLength(server.analyzer.dims);
    expect([...s.crop!.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect(s.crop!.byteLength).toBeLessThan(20_000);
    // The wide chip an enrolment stores (issue 21): promoted to a face, it moves to any model whole.
    expect(await sharp(s.crop!).metadata()).toMatchObject({ width: WIDE_CHIP_SIZE, height: WIDE_CHIP_SIZE });
    cam.close();
  });

  it('promotes a sighting to a new person, who is then recognized; a taken name or a missing sighting is refused', async () => {
    const [s] = await server.store.sightings.list();
    await expect(deps.promoteSighting('00000000-0000-0000-0000-000000000000', 'X')).rejects.toMatchObject({ code: 'sighting_not_found' });
    const r = await deps.promoteSighting(s!.id, 'Paul Allen');
    expect(r).toMatchObject({ name: 'Paul Allen', created: true });
    expect(await sharp((await server.store.faces.crop(r.faceId))!).metadata()).toMatchObject({ width: WIDE_CHIP_SIZE, height: WIDE_CHIP_SIZE });
    expect(await server.store.sightings.count()).toBe(0);
    expect(await server.store.listPeople()).toMatchObject([{ name: 'Paul Allen', faces: 1 }]);
    const viewer = await TestClient.connect(server.url);
    expect((await viewer.frame(fixture('Paul_Allen/4.jpg'))).tracks[0]).toMatchObject({ state: 'recognized', name: 'Paul Allen' });
    viewer.close();

    const again = await server.store.sightings.insert({ ...(await sample()), bestPersonId: r.personId });
    await expect(deps.promoteSighting(again, 'Paul Allen')).rejects.toBeInstanceOf(SightingError);
    expect(await server.store.sightings.count()).toBe(1); // the refused promotion rolled back
    const attached = await deps.attachSighting(again, r.personId);
    expect(attached).toMatchObject({ personId: r.personId, created: false });
    expect(await server.store.listPeople()).toMatchObject([{ name: 'Paul Allen', faces: 2 }]);
    await expect(deps.attachSighting(again, r.personId)).rejects.toMatchObject({ code: 'sighting_not_found' });
    const other = await server.store.sightings.insert(await sample());
    await expect(deps.attachSighting(other, 'no-such-person')).rejects.toMatchObject({ code: 'person_not_found' });
    const otherModel = createGalleryService({ store: server.store, gallery: server.gallery, bus: createLocalBus(silentLogger), modelId: 'other-model' });
    await expect(otherModel.attachSighting(other, r.personId)).rejects.toMatchObject({ code: 'model_mismatch' });
  });

  it('retention deletes sightings older than the limit, then all but the newest rows', async () => {
    const sightings = server.store.sightings;
    for (const ageDays of [40, 31, 20, 10, 5, 3, 2, 1]) {
      await sightings.insert({ ...(await sample()), firstSeenAt: new Date(T0 - ageDays * DAY), lastSeenAt: new Date(T0 - ageDays * DAY) });
    }
    const before = await sightings.count();
    const deleted = await sightings.prune({ now: new Date(T0), retentionDays: 30, maxRows: 5 });
    expect(await sightings.count()).toBe(5);
    expect(deleted).toBe(before - 5);
    const kept = await sightings.list();
    expect(kept.every((k) => k.lastSeenAt.getTime() > T0 - 30 * DAY)).toBe(true);
  });

  async function sample() {
    const r = await server.analyzer.embedAll(fixture('Paul_Allen/5.jpg'), 4096 * 4096);
    if (!r.ok) throw new Error(r.message);
    return {
      firstSeenAt: new Date(now),
      lastSeenAt: new Date(now),
      camera: 'x',
      modelId: server.analyzer.modelId,
      embedding: r.faces[0]!.embedding,
      crop: null,
      bestScore: null,
      bestPersonId: null,
    };
  }
});
