// The embedded database runs its queries in the server's thread: a gallery import batch (500 people, one transaction)
// once ran as one chain of queries that never let the event loop in, so every camera waited for the whole batch (a
// 3,000-person import held a camera's round trip at ~1 s; bench/stalls.ts). The batch now runs in slices of
// IMPORT_SLICE_PEOPLE with the event loop served between them, and a batch of the same name twice still counts one person.
import { describe, expect, it } from 'vitest';
import { createLocalBus } from '../../src/server/events/local-bus.js';
import { createGallery } from '../../src/server/gallery/gallery.js';
import { createGalleryService, type ImportedPerson } from '../../src/server/gallery/service.js';
import { createJsIndex } from '../../src/server/gallery/vector-index.js';
import { silentLogger } from '../../src/server/log.js';
import { MEMORY, openStore } from '../../src/server/store/db.js';
import { IMPORT_SLICE_PEOPLE } from '../../src/server/store/gallery-repo.js';

const MODEL = 'model-yields';
const DIMS = 8;

function person(name: string, i: number): ImportedPerson {
  const v = Float32Array.from({ length: DIMS }, (_, k) => Math.sin(i * 3.1 + k * 1.3));
  const norm = Math.hypot(...v);
  return { name, faces: [{ embedding: v.map((x) => x / norm), crop: null, quality: null }] };
}

describe('a gallery import batch on PGlite', () => {
  it('lets the event loop run between slices, and counts a name repeated across slices once', { timeout: 120_000 }, async () => {
    const store = await openStore({ dataDir: MEMORY });
    try {
      const gallery = await createGallery({ store, modelId: MODEL, dims: DIMS, indexFactory: createJsIndex, changeHead: () => store.changes.head() });
      const service = createGalleryService({ store, gallery, bus: createLocalBus(silentLogger), modelId: MODEL, settings: { importBatchPeople: 500 } });
      // One batch: 499 people, and the first of them again at the end (another slice), with another face.
      const input = [...Array.from({ length: 499 }, (_, i) => person(`Person ${i}`, i)), person('person 0', 1000)];
      let turns = 0;
      const ticker = setInterval(() => (turns += 1), 0);
      const summary = await service.importPeople(input);
      clearInterval(ticker);
      expect(summary).toEqual({ peopleCreated: 499, peopleMerged: 0, facesAdded: 500, facesSkipped: 0 });
      // Timers ran between the slices (one chain of queries for the batch gave them no turn until it ended).
      expect(turns).toBeGreaterThanOrEqual(Math.floor(500 / IMPORT_SLICE_PEOPLE / 2));
      expect(gallery.stats()).toMatchObject({ people: 499, faces: 500 });
      service.close();
    } finally {
      await store.close();
    }
  });
});
