// The gallery service on a real store (in-memory PGlite) and the in-process bus: each write lands in the database and
// the index, emits `changed` once and announces how the gallery changed; a change another server announces is applied.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BusEvent } from '../../src/server/events/bus.js';
import { createLocalBus, type LocalBus } from '../../src/server/events/local-bus.js';
import { createGallery, type Gallery } from '../../src/server/gallery/gallery.js';
import { createGalleryService, type GalleryService } from '../../src/server/gallery/service.js';
import { createJsIndex } from '../../src/server/gallery/vector-index.js';
import { silentLogger } from '../../src/server/log.js';
import { MEMORY, openStore } from '../../src/server/store/db.js';
import type { Store } from '../../src/server/store/types.js';

const MODEL = 'model-s';
const DIMS = 8;
const unit = (i: number) => Float32Array.from({ length: DIMS }, (_, k) => (k === i ? 1 : 0));
/** 0.8 along axis `a`, 0.6 along `b`: a unit vector no axis vector comes within 0.99 of. */
const mix = (a: number, b: number) => Float32Array.from({ length: DIMS }, (_, k) => (k === a ? 0.8 : k === b ? 0.6 : 0));

describe('the gallery service', () => {
  let store: Store;
  let gallery: Gallery;
  let bus: LocalBus;
  let service: GalleryService;
  const announced: BusEvent[] = [];
  const changed: number[] = [];

  beforeAll(async () => {
    store = await openStore({ dataDir: MEMORY });
    gallery = await createGallery({ store, modelId: MODEL, dims: DIMS, indexFactory: createJsIndex, changeHead: () => store.changes.head() });
    bus = createLocalBus(silentLogger);
    bus.on('gallery.changed', (e, origin) => void (origin.remote || announced.push(e)));
    service = createGalleryService({ store, gallery, bus, modelId: MODEL });
    service.onChanged((s) => void changed.push(s.faces));
  }, 60_000);
  afterAll(async () => {
    service?.close();
    await store?.close();
  });

  it('enrols into the store and the index, and says so once', async () => {
    const r = await service.enrol('Ada Lovelace', [{ embedding: unit(0) }, { embedding: unit(1) }]);
    expect(r).toMatchObject({ name: 'Ada Lovelace', created: true });
    expect((await store.listFaceTemplates(MODEL)).map((t) => t.faceId).sort()).toEqual([...r.faceIds].sort());
    expect(gallery.identify(unit(1), 0.99)?.personId).toBe(r.personId);
    expect(changed).toEqual([2]);
    expect(announced).toEqual([{ type: 'gallery.changed', seq: 1 }]);
  });

  it('keeps quiet enrolments quiet until announce(), which can stay on this server', async () => {
    announced.length = changed.length = 0;
    await service.enrol('Alan Turing', [{ embedding: unit(2) }], { quiet: true });
    expect(changed).toEqual([]);
    await service.announce({ share: false });
    expect(changed).toEqual([3]);
    expect(announced).toEqual([]);
  });

  it('deletes a face and a person from both, announcing exactly what went', async () => {
    announced.length = changed.length = 0;
    const [ada] = (await store.listPeople()).filter((p) => p.name === 'Ada Lovelace');
    const faceId = (await store.faces.listForPerson(ada!.id))[0]!.id;
    expect(await service.deleteFace(faceId)).toBe(true);
    expect(await service.deleteFace(faceId)).toBe(false);
    expect(gallery.stats().faces).toBe(2);
    expect(await service.deletePerson(ada!.id)).toBe(true);
    expect(gallery.identify(unit(1), 0.99)).toBeNull();
    expect(announced).toEqual([
      { type: 'gallery.changed', seq: 3 },
      { type: 'gallery.changed', seq: 4 },
    ]);
    expect(changed).toEqual([2, 1]);
  });

  it("follows another server's changes from the change log, each without a rebuild", async () => {
    changed.length = announced.length = 0;
    // A second server on the same database: its own index, service and bus.
    const galleryB = await createGallery({ store, modelId: MODEL, dims: DIMS, indexFactory: createJsIndex, changeHead: () => store.changes.head() });
    const serviceB = createGalleryService({ store, gallery: galleryB, bus: createLocalBus(silentLogger), modelId: MODEL });
    try {
      const builds = gallery.builds();
      const [alan] = await store.listPeople();
      const grace = await serviceB.enrol('Grace Hopper', [{ embedding: unit(3) }, { embedding: unit(4) }]);
      expect(gallery.identify(unit(3), 0.99)).toBeNull(); // not told yet
      await bus.deliver({ type: 'gallery.changed', seq: serviceB.syncStats().applied }, { remote: true });
      expect(gallery.identify(unit(3), 0.99)?.name).toBe('Grace Hopper');

      expect((await serviceB.renamePerson(grace.personId, 'Grace B. Hopper')).ok).toBe(true);
      expect((await serviceB.mergePeople(grace.personId, alan!.id)).ok).toBe(true);
      // One notification for several changes (the others were missed): the log has them all, in order.
      await bus.deliver({ type: 'gallery.changed', seq: serviceB.syncStats().applied }, { remote: true });
      expect(gallery.identify(unit(2), 0.99)).toMatchObject({ personId: grace.personId, name: 'Grace B. Hopper' }); // Alan's face, merged
      expect(gallery.identify(unit(4), 0.99)?.name).toBe('Grace B. Hopper');

      const [face] = await store.faces.listForPerson(grace.personId);
      expect(await serviceB.deleteFace(face!.id)).toBe(true);
      expect(await serviceB.deletePerson(grace.personId)).toBe(true);
      // No notification at all: a catch-up (the poll, a reconnect) finds them.
      expect(await service.catchUp()).toBe(2);
      expect(gallery.stats()).toMatchObject({ people: 0, faces: 0 });
      expect(gallery.builds()).toBe(builds);
      expect(service.syncStats()).toMatchObject({ applied: serviceB.syncStats().applied, fullReloads: 0 });
      expect(changed.length).toBeGreaterThan(0);
      expect(announced.filter((e) => e.type === 'gallery.changed')).toHaveLength(0); // nothing echoed back
    } finally {
      serviceB.close();
    }
  });

  it('keeps the change log to GALLERY_CHANGELOG_KEEP changes', { timeout: 120_000 }, async () => {
    const keeping = createGalleryService({ store, gallery, bus: createLocalBus(silentLogger), modelId: MODEL, settings: { changelogKeep: 100 } });
    try {
      // The writer of every 256th change prunes: enough quiet changes to pass one.
      const start = await store.changes.head();
      for (let i = 0; i < 256; i++) await keeping.enrol(`Keeper ${i}`, [{ embedding: unit(i % DIMS) }], { quiet: true });
      const head = await store.changes.head();
      expect(head - start).toBe(256);
      await vi.waitFor(async () => expect((await store.changes.since(0, 1000)).length).toBeLessThanOrEqual(100 + (head % 256)), { timeout: 10_000 });
      expect((await store.changes.since(head - 100, 1000)).map((c) => c.seq)).toEqual(Array.from({ length: 100 }, (_, i) => head - 99 + i));
    } finally {
      keeping.close();
    }
  });

  it('rebuilds, saying why, only when it is behind the retained log', async () => {
    const warn: string[] = [];
    const galleryB = await createGallery({ store, modelId: MODEL, dims: DIMS, indexFactory: createJsIndex, changeHead: () => store.changes.head() });
    const serviceB = createGalleryService({ store, gallery: galleryB, bus: createLocalBus(silentLogger), modelId: MODEL });
    // A server whose index was built before the next two changes, and that hears of them only after the log was pruned.
    const behind = await createGallery({ store, modelId: MODEL, dims: DIMS, indexFactory: createJsIndex, changeHead: () => store.changes.head() });
    let lagging: GalleryService | undefined;
    try {
      // Vectors no earlier test enrolled (the Keepers above hold every unit vector): a tie would make the answer the
      // index's order, not the sync's doing.
      await serviceB.enrol('Edsger Dijkstra', [{ embedding: mix(5, 6) }]);
      await serviceB.enrol('Barbara Liskov', [{ embedding: mix(6, 5) }]);
      expect(await store.changes.prune(1)).toBeGreaterThan(0);
      lagging = createGalleryService({
        store,
        gallery: behind,
        bus: createLocalBus(silentLogger),
        modelId: MODEL,
        log: { ...silentLogger, warn: (m: string) => void warn.push(m) },
      });
      await lagging.catchUp();
      expect(lagging.syncStats()).toMatchObject({ fullReloads: 1 });
      expect(warn.join('\n')).toMatch(/no longer in the change log \(GALLERY_CHANGELOG_KEEP\)/);
      expect(behind.identify(mix(5, 6), 0.99)?.name).toBe('Edsger Dijkstra');
      expect(behind.identify(mix(6, 5), 0.99)?.name).toBe('Barbara Liskov');
    } finally {
      serviceB.close();
      lagging?.close();
    }
  });
});
