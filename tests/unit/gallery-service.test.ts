// The gallery service on a real store (in-memory PGlite) and the in-process bus: each write lands in the database and
// the index, emits `changed` once and announces how the gallery changed; a change another server announces is applied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('the gallery service', () => {
  let store: Store;
  let gallery: Gallery;
  let bus: LocalBus;
  let service: GalleryService;
  const announced: BusEvent[] = [];
  const changed: number[] = [];

  beforeAll(async () => {
    store = await openStore({ dataDir: MEMORY });
    gallery = await createGallery({ store, modelId: MODEL, dims: DIMS, indexFactory: createJsIndex });
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
    expect(announced).toEqual([{ type: 'gallery.changed', change: { kind: 'changed' } }]);
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
      { type: 'gallery.changed', change: { kind: 'faces.removed', faceIds: [faceId] } },
      { type: 'gallery.changed', change: { kind: 'person.removed', personId: ada!.id } },
    ]);
    expect(changed).toEqual([2, 1]);
  });

  it("applies another server's change: removes at once, reloads for anything else", async () => {
    changed.length = 0;
    const [alan] = await store.listPeople();
    // Another server enrolled Grace: only a reload can know her.
    await store.commitEnrolment({ name: 'Grace Hopper', modelId: MODEL, faces: [{ embedding: unit(3) }] });
    expect(gallery.identify(unit(3), 0.99)).toBeNull();
    await bus.deliver({ type: 'gallery.changed', change: { kind: 'changed' } }, { remote: true });
    expect(gallery.identify(unit(3), 0.99)?.name).toBe('Grace Hopper');
    await bus.deliver({ type: 'gallery.changed', change: { kind: 'person.removed', personId: alan!.id } }, { remote: true });
    expect(gallery.identify(unit(2), 0.99)).toBeNull();
    expect(changed).toEqual([2, 1]);
    expect(announced.filter((e) => e.type === 'gallery.changed')).toHaveLength(2); // nothing echoed back
  });
});
