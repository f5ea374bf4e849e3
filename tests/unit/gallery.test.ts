// Gallery + vector index, run against both index backends: the exact JS scan and FAISS (faiss-node-system or faiss-node).
// FAISS is optional at run time; with REQUIRE_FAISS=1 its absence is a test failure instead of a note.
import { describe, expect, it } from 'vitest';
import { createGallery, type Gallery } from '../../src/server/gallery/gallery.js';
import { INDEX_OP_SLICE_FACES } from '../../src/server/gallery/index-ops.js';
import { createRequire } from 'node:module';
import { faceLike } from '../../bench/face-like.js';
import { createFaissIndex, type FaissModule } from '../../src/server/gallery/faiss-index.js';
import { createFaissIndexFactory, createJsIndex, DEFAULT_ANN, type AnnOptions, type IndexFactory } from '../../src/server/gallery/vector-index.js';
import type { FaceTemplate, Store } from '../../src/server/store/types.js';

const MODEL = 'test-model';
const DIMS = 8;
const h = 0.5;

/**
 * 8-d unit vectors with four entries of +-0.5 and four zeros: every dot product is a multiple of 0.25, exact in
 * float32 and float64 alike, so both backends must give exactly these scores.
 */
const v = (...xs: number[]): Float32Array => {
  if (xs.length !== DIMS) throw new Error('test vector needs 8 entries');
  return new Float32Array(xs);
};

const Q = v(h, h, h, h, 0, 0, 0, 0);
const FACES = {
  a1: v(h, h, 0, 0, h, h, 0, 0), // . Q = 0.5
  a2: v(h, h, h, 0, h, 0, 0, 0), // . Q = 0.75  (Alice's best face is her second)
  b1: v(h, h, h, -h, 0, 0, 0, 0), // . Q = 0.25 + 0.25 + 0.25 - 0.25 = 0.5
  b2: v(h, 0, 0, 0, h, h, h, 0), // . Q = 0.25
  c1: v(0, 0, 0, 0, h, h, h, h), // . Q = 0
  d1: v(h, 0, 0, 0, 0, h, h, h), // . Q = 0.25
  e1: v(0, 0, 0, 0, h, -h, h, -h), // Eve, added later: . Q = 0
};

const tpl = (faceId: keyof typeof FACES, personId: string, personName: string): FaceTemplate => ({
  faceId,
  personId,
  personName,
  embedding: FACES[faceId],
});

function initialTemplates(): FaceTemplate[] {
  return [
    tpl('a1', 'p-alice', 'Alice'),
    tpl('a2', 'p-alice', 'Alice'),
    tpl('b1', 'p-bob', 'Bob'),
    tpl('b2', 'p-bob', 'Bob'),
    tpl('c1', 'p-carol', 'Carol'),
    tpl('d1', 'p-dave', 'Dave'),
  ];
}

/** The slice of Store the gallery uses, backed by a mutable list; records the model ids it was asked for. */
class FakeStore {
  templates: FaceTemplate[] = initialTemplates();
  readonly asked: string[] = [];
  readonly kind = 'pglite' as const;
  async listFaceTemplates(modelId: string): Promise<FaceTemplate[]> {
    this.asked.push(modelId);
    return this.templates.filter(() => modelId === MODEL).map((t) => ({ ...t }));
  }
  /** The gallery only calls listFaceTemplates; the rest of the Store port is left out on purpose. */
  asStore(): Store {
    const part: Pick<Store, 'kind' | 'listFaceTemplates'> = { kind: this.kind, listFaceTemplates: (m) => this.listFaceTemplates(m) };
    return part as unknown as Store;
  }
}

async function makeGallery(indexFactory: IndexFactory, store = new FakeStore()): Promise<{ gallery: Gallery; store: FakeStore }> {
  const gallery = await createGallery({ store: store.asStore(), modelId: MODEL, dims: DIMS, indexFactory });
  return { gallery, store };
}

const summary = (g: Gallery, q: Float32Array, people?: number) => g.search(q, people).map((m) => [m.name, m.score] as const);

const faissFactory = createFaissIndexFactory();
const requireFaiss = process.env.REQUIRE_FAISS === '1';

const backends: [string, IndexFactory][] = [['js', createJsIndex]];
if (faissFactory) backends.push(['faiss', faissFactory]);
else console.warn('[gallery.test] no FAISS addon loads here: only the JS index is tested (set REQUIRE_FAISS=1 to make this an error)');

describe('FAISS availability', () => {
  it(requireFaiss ? 'REQUIRE_FAISS=1: the FAISS addon loads' : 'the FAISS factory is a function or null (REQUIRE_FAISS unset)', () => {
    if (requireFaiss) expect(faissFactory, 'REQUIRE_FAISS=1 but neither faiss-node-system nor faiss-node loads').toBeTypeOf('function');
    else expect(faissFactory === null || typeof faissFactory === 'function').toBe(true);
    if (faissFactory) expect(faissFactory(DIMS).backend).toMatch(/^faiss:(flat|IndexFlatIP) \((faiss-node-system|faiss-node)\)$/);
  });
});

const pack = (...vs: Float32Array[]) => {
  const out = new Float32Array(vs.length * DIMS);
  vs.forEach((x, i) => out.set(x, i * DIMS));
  return out;
};
const ids = (...xs: number[]) => Float64Array.from(xs);

describe.each(backends)('vector index (%s)', (_name, factory) => {
  it('returns the ids vectors were added with, with inner-product scores, best first', () => {
    const index = factory(DIMS);
    expect(index.size).toBe(0);
    expect(index.search(Q, 3)).toEqual([]);
    index.add(ids(30, 10, 20), pack(FACES.c1, FACES.a2, FACES.b2));
    index.add(ids(), new Float32Array(0));
    expect(index.size).toBe(3);
    // Scores: c1 0, a2 0.75, b2 0.25.
    expect(index.search(Q, 3)).toEqual([
      { id: 10, score: 0.75 },
      { id: 20, score: 0.25 },
      { id: 30, score: 0 },
    ]);
    expect(index.search(Q, 1)).toEqual([{ id: 10, score: 0.75 }]);
    expect(index.search(Q, 10)).toHaveLength(3); // k larger than the index
    expect(index.search(Q, 0)).toEqual([]);
  });

  it('removes by id without renumbering the others', () => {
    const index = factory(DIMS);
    index.add(ids(1, 2, 3, 4), pack(FACES.a1, FACES.a2, FACES.c1, FACES.b2));
    index.remove(ids(2, 99)); // 99 was never added: ignored
    expect(index.size).toBe(3);
    expect(index.search(Q, 3)).toEqual([
      { id: 1, score: 0.5 },
      { id: 4, score: 0.25 },
      { id: 3, score: 0 },
    ]);
    index.add(ids(5), pack(FACES.a2));
    expect(index.search(Q, 1)).toEqual([{ id: 5, score: 0.75 }]);
    index.remove(ids(1, 3, 4, 5));
    expect(index.size).toBe(0);
    expect(index.search(Q, 2)).toEqual([]);
  });

  it('refuses vectors of the wrong dimension', () => {
    const index = factory(DIMS);
    expect(() => index.add(ids(1), new Float32Array(4))).toThrow(/dims/);
    expect(index.size).toBe(0);
    expect(() => index.search(new Float32Array(4), 1)).toThrow(/dims/);
  });
});

describe.each(backends)('gallery (%s)', (name, factory) => {
  it('reads the store for its model id and reports stats', async () => {
    const { gallery, store } = await makeGallery(factory);
    expect(store.asked).toEqual([MODEL]);
    const stats = gallery.stats();
    expect(stats).toMatchObject({ people: 4, faces: 6, dims: DIMS, modelId: MODEL });
    expect(stats.backend).toMatch(name === 'js' ? /^js:flat$/ : /^faiss:/);
  });

  it('search groups hits by person, each with their best face score, best person first', async () => {
    const { gallery } = await makeGallery(factory);
    // Alice: max(0.5, 0.75) = 0.75; Bob: max(0.5, 0.25) = 0.5; Dave 0.25; Carol 0.
    expect(summary(gallery, Q)).toEqual([
      ['Alice', 0.75],
      ['Bob', 0.5],
      ['Dave', 0.25],
      ['Carol', 0],
    ]);
    expect(gallery.search(Q)[0]).toEqual({ personId: 'p-alice', name: 'Alice', score: 0.75 });
  });

  it('search returns at most `people` matches, one per person', async () => {
    const { gallery } = await makeGallery(factory);
    expect(summary(gallery, Q, 2)).toEqual([
      ['Alice', 0.75],
      ['Bob', 0.5],
    ]);
    expect(summary(gallery, Q, 1)).toEqual([['Alice', 0.75]]);
    // A query equal to one of Bob's faces: Bob 1; Alice max(b1 . a1, b1 . a2) = max(0.5, 0.75) = 0.75.
    expect(summary(gallery, FACES.b1, 2)).toEqual([
      ['Bob', 1],
      ['Alice', 0.75],
    ]);
  });

  it('identify applies the threshold inclusively', async () => {
    const { gallery } = await makeGallery(factory);
    expect(gallery.identify(Q, 0.75)).toEqual({ personId: 'p-alice', name: 'Alice', score: 0.75 }); // at threshold: match
    expect(gallery.identify(Q, 0.7)?.name).toBe('Alice');
    expect(gallery.identify(Q, 0.75 + 1e-9)).toBeNull(); // score just below threshold
    expect(gallery.identify(Q, 0.76)).toBeNull();
    expect(gallery.identify(FACES.c1, 1)?.name).toBe('Carol'); // an exact copy of a face scores 1
  });

  it('add makes a new person findable and counts them', async () => {
    const { gallery } = await makeGallery(factory);
    expect(gallery.search(FACES.e1).map((m) => m.name)).not.toContain('Eve');
    gallery.add([tpl('e1', 'p-eve', 'Eve')]);
    expect(gallery.identify(FACES.e1, 0.99)).toEqual({ personId: 'p-eve', name: 'Eve', score: 1 });
    expect(gallery.stats()).toMatchObject({ people: 5, faces: 7 });
    // Old people keep their positions and names.
    expect(gallery.identify(FACES.d1, 0.99)?.name).toBe('Dave');
    expect(summary(gallery, Q, 1)).toEqual([['Alice', 0.75]]);
  });

  it('add of another face for a known person counts the face, not a new person', async () => {
    const { gallery } = await makeGallery(factory);
    gallery.add([{ faceId: 'c2', personId: 'p-carol', personName: 'Carol', embedding: FACES.e1 }]);
    expect(gallery.stats()).toMatchObject({ people: 4, faces: 7 });
    expect(gallery.identify(FACES.e1, 0.99)?.personId).toBe('p-carol');
  });

  it('add refuses an embedding of the wrong dimension and changes nothing', async () => {
    const { gallery } = await makeGallery(factory);
    expect(() => gallery.add([tpl('e1', 'p-eve', 'Eve'), { faceId: 'x', personId: 'p-x', personName: 'X', embedding: new Float32Array(4) }])).toThrow(/dims/);
    expect(gallery.stats()).toMatchObject({ people: 4, faces: 6 });
    expect(gallery.identify(FACES.e1, 0.99)).toBeNull();
  });

  it('removePerson forgets them, and everyone after them in the index still maps to the right name', async () => {
    const { gallery } = await makeGallery(factory);
    // Bob holds positions 2 and 3; Carol (4) and Dave (5) move down when he goes.
    gallery.removePerson('p-bob');
    expect(gallery.stats()).toMatchObject({ people: 3, faces: 4 });
    expect(gallery.search(Q).map((m) => m.name)).not.toContain('Bob');
    expect(gallery.identify(FACES.b1, 0.99)).toBeNull();
    expect(gallery.identify(FACES.c1, 0.99)).toEqual({ personId: 'p-carol', name: 'Carol', score: 1 });
    expect(gallery.identify(FACES.d1, 0.99)).toEqual({ personId: 'p-dave', name: 'Dave', score: 1 });
    expect(summary(gallery, Q)).toEqual([
      ['Alice', 0.75],
      ['Dave', 0.25],
      ['Carol', 0],
    ]);
  });

  it('removing the first person shifts every position and still maps names right', async () => {
    const { gallery } = await makeGallery(factory);
    gallery.removePerson('p-alice');
    expect(gallery.identify(FACES.b1, 0.99)).toEqual({ personId: 'p-bob', name: 'Bob', score: 1 });
    expect(gallery.identify(FACES.c1, 0.99)?.name).toBe('Carol');
    expect(gallery.identify(FACES.d1, 0.99)?.name).toBe('Dave');
    expect(summary(gallery, Q)).toEqual([
      ['Bob', 0.5],
      ['Dave', 0.25],
      ['Carol', 0],
    ]);
  });

  it('add after removePerson appends to the rebuilt index', async () => {
    const { gallery } = await makeGallery(factory);
    gallery.removePerson('p-alice');
    gallery.add([tpl('e1', 'p-eve', 'Eve')]);
    expect(gallery.identify(FACES.e1, 0.99)?.name).toBe('Eve');
    expect(gallery.identify(FACES.d1, 0.99)?.name).toBe('Dave');
    expect(gallery.stats()).toMatchObject({ people: 4, faces: 5 });
  });

  it('removePerson of an unknown id changes nothing', async () => {
    const { gallery } = await makeGallery(factory);
    gallery.removePerson('p-nobody');
    expect(gallery.stats()).toMatchObject({ people: 4, faces: 6 });
    expect(summary(gallery, Q, 1)).toEqual([['Alice', 0.75]]);
  });

  it('removing everyone leaves an empty gallery that finds nobody', async () => {
    const { gallery } = await makeGallery(factory);
    for (const id of ['p-alice', 'p-bob', 'p-carol', 'p-dave']) gallery.removePerson(id);
    expect(gallery.stats()).toMatchObject({ people: 0, faces: 0 });
    expect(gallery.search(Q)).toEqual([]);
    expect(gallery.identify(Q, -1)).toBeNull();
  });

  it('an empty store gives an empty gallery', async () => {
    const store = new FakeStore();
    store.templates = [];
    const { gallery } = await makeGallery(factory, store);
    expect(gallery.stats()).toMatchObject({ people: 0, faces: 0 });
    expect(gallery.search(Q)).toEqual([]);
    expect(gallery.identify(Q, -1)).toBeNull();
  });

  it('reload re-reads the store, dropping in-memory changes', async () => {
    const { gallery, store } = await makeGallery(factory);
    gallery.add([tpl('e1', 'p-eve', 'Eve')]); // not in the store
    store.templates = [tpl('c1', 'p-carol', 'Carol'), tpl('b2', 'p-bob', 'Robert')];
    await gallery.reload();
    expect(store.asked).toEqual([MODEL, MODEL]);
    expect(gallery.stats()).toMatchObject({ people: 2, faces: 2 });
    expect(gallery.identify(FACES.e1, 0.99)).toBeNull();
    expect(summary(gallery, Q)).toEqual([
      ['Robert', 0.25],
      ['Carol', 0],
    ]);
  });
});

describe('FAISS and JS agree', () => {
  /** Deterministic pseudo-random unit vectors (mulberry32), so scores are not the tidy multiples of 0.25 above. */
  function randomUnit(seed: number): Float32Array {
    let s = seed >>> 0;
    const rand = () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
    };
    const out = new Float32Array(DIMS);
    for (let i = 0; i < DIMS; i++) out[i] = rand();
    const n = Math.hypot(...out);
    return out.map((x) => x / n);
  }

  it(
    faissFactory ? 'gives the same matches and scores to 1e-5 on random data' : 'has no FAISS here: checks the JS index against a hand dot product',
    async () => {
      // REQUIRE_FAISS=1 (CI) means this comparison must really run: a missing addon fails here too.
      if (requireFaiss) expect(faissFactory, 'REQUIRE_FAISS=1 but no FAISS addon loads: FAISS and JS cannot be compared').not.toBeNull();
      const store = new FakeStore();
      store.templates = Array.from({ length: 30 }, (_, i) => ({
        faceId: `f${i}`,
        personId: `p${i % 7}`,
        personName: `Person ${i % 7}`,
        embedding: randomUnit(1000 + i),
      }));
      const js = (await makeGallery(createJsIndex, store)).gallery;
      const queries = Array.from({ length: 10 }, (_, i) => randomUnit(5000 + i));
      if (!faissFactory) {
        // Reference: best dot product per person, computed here.
        for (const q of queries) {
          const best = new Map<string, number>();
          for (const t of store.templates) {
            const s = t.embedding.reduce((acc, x, i) => acc + x * q[i]!, 0);
            best.set(t.personId, Math.max(best.get(t.personId) ?? -Infinity, s));
          }
          const top = [...best.entries()].sort((a, b) => b[1] - a[1])[0]!;
          const got = js.search(q, 1)[0]!;
          expect(got.personId).toBe(top[0]);
          expect(got.score).toBeCloseTo(top[1], 6);
        }
        return;
      }
      const faiss = (await makeGallery(faissFactory, store)).gallery;
      for (const q of queries) {
        const a = js.search(q, 7);
        const b = faiss.search(q, 7);
        expect(b.map((m) => m.personId)).toEqual(a.map((m) => m.personId));
        b.forEach((m, i) => expect(Math.abs(m.score - a[i]!.score)).toBeLessThan(1e-5));
      }
      // And after a removal both rebuild the same way.
      js.removePerson('p3');
      faiss.removePerson('p3');
      for (const q of queries) {
        const a = js.search(q, 7);
        const b = faiss.search(q, 7);
        expect(a.map((m) => m.personId)).not.toContain('p3');
        expect(b.map((m) => m.personId)).toEqual(a.map((m) => m.personId));
        b.forEach((m, i) => expect(Math.abs(m.score - a[i]!.score)).toBeLessThan(1e-5));
      }
    },
  );
});

describe.each(backends)('gallery ids and counts (%s)', (_name, factory) => {
  it('a large add is searchable a slice at a time, each face under its own person, all of it once settled', async () => {
    const { gallery } = await makeGallery(factory);
    const n = INDEX_OP_SLICE_FACES * 2 + 17;
    const data = faceLike({ dims: DIMS, people: n, facesPerPerson: 1, seed: 21 });
    const many: FaceTemplate[] = Array.from({ length: n }, (_, i) => ({
      faceId: `bulk-${i}`,
      personId: `p-bulk-${i}`,
      personName: `Bulk ${i}`,
      embedding: data.probe(i, 0),
    }));
    const before = gallery.stats().faces;
    gallery.add(many);
    expect(gallery.stats().faces).toBe(before + n); // the table counts them at once
    expect(gallery.identify(many[0]!.embedding, 0.999)?.personId).toBe('p-bulk-0'); // the first slice is in
    expect(gallery.identify(many[n - 1]!.embedding, 0.999)).toBeNull(); // the last one waits its turn
    await gallery.settled();
    for (const i of [0, INDEX_OP_SLICE_FACES - 1, INDEX_OP_SLICE_FACES, INDEX_OP_SLICE_FACES * 2 + 16]) {
      expect(gallery.identify(many[i]!.embedding, 0.999)?.personId).toBe(`p-bulk-${i}`);
    }
  });

  it('adding a face id it already holds is skipped, so a replayed enrolment does not double faces', async () => {
    const { gallery } = await makeGallery(factory);
    gallery.add([tpl('a1', 'p-alice', 'Alice'), tpl('e1', 'p-eve', 'Eve'), tpl('e1', 'p-eve', 'Eve')]);
    expect(gallery.stats()).toMatchObject({ people: 5, faces: 7 });
  });

  it('removeFaces forgets single faces; a person left with none is gone', async () => {
    const { gallery } = await makeGallery(factory);
    gallery.removeFaces(['a2', 'nope']);
    expect(gallery.stats()).toMatchObject({ people: 4, faces: 5 });
    expect(summary(gallery, Q, 1)).toEqual([['Alice', 0.5]]); // her best face is gone, a1 is left
    gallery.removeFaces(['c1']);
    expect(gallery.stats()).toMatchObject({ people: 3, faces: 4 });
    expect(gallery.identify(FACES.c1, 0.99)).toBeNull();
    // Another face for Carol later makes her a person again.
    gallery.add([tpl('c1', 'p-carol', 'Carol')]);
    expect(gallery.identify(FACES.c1, 0.99)?.name).toBe('Carol');
  });

  it('searchAsync gives what search gives (off the event loop on FAISS)', async () => {
    const { gallery } = await makeGallery(factory);
    for (const q of [Q, FACES.b1, FACES.e1]) expect(await gallery.searchAsync(q, 3)).toEqual(gallery.search(q, 3));
    gallery.removePerson('p-alice');
    expect(await gallery.searchAsync(Q, 5)).toEqual(gallery.search(Q, 5));
    expect(await gallery.searchAsync(Q, 0)).toEqual([]);
  });

  it('a later template renames the person', async () => {
    const { gallery } = await makeGallery(factory);
    gallery.add([{ faceId: 'd2', personId: 'p-dave', personName: 'David', embedding: FACES.e1 }]);
    expect(gallery.identify(FACES.d1, 0.99)?.name).toBe('David');
  });

  it('reloads asked for during a reload share one rebuild that starts after them', async () => {
    const { gallery, store } = await makeGallery(factory);
    const first = gallery.reload();
    store.templates = [tpl('c1', 'p-carol', 'Carol')];
    const [second, third] = [gallery.reload(), gallery.reload()];
    await Promise.all([first, second, third]);
    expect(store.asked).toHaveLength(3); // start, the first reload, one shared rebuild for the other two
    expect(gallery.stats()).toMatchObject({ people: 1, faces: 1 });
  });
});

/** Face-like clustered vectors: 40 people x 10 faces around person centres (see bench/face-like.ts). */
async function clusteredGallery(factory: IndexFactory) {
  const data = faceLike({ dims: 32, people: 40, facesPerPerson: 10, seed: 3 });
  const vectors = data.faces(0, 400);
  const store = new FakeStore();
  store.templates = Array.from({ length: 400 }, (_, i) => ({
    faceId: `f${i}`,
    personId: `p${Math.floor(i / 10)}`,
    personName: `Person ${Math.floor(i / 10)}`,
    embedding: vectors.slice(i * 32, (i + 1) * 32),
  }));
  const gallery = await createGallery({ store: store.asStore(), modelId: MODEL, dims: 32, indexFactory: factory });
  return { gallery, data, store };
}

describe.runIf(faissFactory)('approximate FAISS layouts (above the threshold)', () => {
  const layouts: [string, AnnOptions, RegExp][] = [
    ['IVF', { ...DEFAULT_ANN, minFaces: 100, kind: 'ivf', nprobe: 8 }, /^faiss:IVF40,Flat nprobe=8 /],
    ['HNSW', { ...DEFAULT_ANN, minFaces: 100, kind: 'hnsw', efSearch: 64 }, /^faiss:HNSW32 efSearch=64 /],
  ];
  it.each(layouts)('%s: same people as exact search on clustered faces, removal without a rebuild, stable ids', async (_n, ann, backend) => {
    const exact = (await clusteredGallery(createJsIndex)).gallery;
    const { gallery, data, store } = await clusteredGallery(createFaissIndexFactory(ann)!);
    expect(gallery.stats().backend).toMatch(backend);
    const probes = Array.from({ length: 40 }, (_, p) => data.probe(p, 1));
    const agree = probes.filter((q) => gallery.search(q, 1)[0]?.personId === exact.search(q, 1)[0]?.personId).length;
    expect(agree).toBeGreaterThanOrEqual(39);
    const top5 = gallery.search(probes[0]!, 5);
    expect(top5).toHaveLength(5);
    expect(new Set(top5.map((m) => m.personId)).size).toBe(5);
    // Remove person 7: never returned again, and everyone else keeps their name.
    gallery.removePerson('p7');
    exact.removePerson('p7');
    expect(gallery.stats()).toMatchObject({ people: 39, faces: 390 });
    expect(gallery.search(probes[7]!, 5).map((m) => m.personId)).not.toContain('p7');
    expect(gallery.search(probes[8]!, 1)[0]?.personId).toBe('p8');
    // A new person added after the build is found.
    gallery.add([{ faceId: 'new', personId: 'p-new', personName: 'New', embedding: data.probe(7, 99) }]);
    expect(gallery.identify(data.probe(7, 99), 0.999)?.personId).toBe('p-new');
    expect(store.asked).toHaveLength(1); // none of this rebuilt from the store
  });

  it('an exact index that outgrew the threshold rebuilds itself as an approximate one', async () => {
    const ann: AnnOptions = { ...DEFAULT_ANN, minFaces: 100, kind: 'ivf', nprobe: 8 };
    const store = new FakeStore();
    store.templates = [];
    const gallery = await createGallery({ store: store.asStore(), modelId: MODEL, dims: 32, indexFactory: createFaissIndexFactory(ann)! });
    expect(gallery.stats().backend).toMatch(/^faiss:flat/);
    const { data } = await clusteredGallery(createJsIndex);
    const vectors = data.faces(0, 200);
    const templates = Array.from({ length: 200 }, (_, i) => ({
      faceId: `f${i}`,
      personId: `p${i % 20}`,
      personName: `P${i % 20}`,
      embedding: vectors.slice(i * 32, (i + 1) * 32),
    }));
    store.templates = templates;
    gallery.add(templates); // 200 = 2 x the threshold: stale, a rebuild from the store starts
    await gallery.reload(); // shares or follows that rebuild
    expect(gallery.stats()).toMatchObject({ faces: 200, people: 20 });
    expect(gallery.stats().backend).toMatch(/^faiss:IVF/);
  });

  it('an IVF build is compacted a slice of lists at a time, with the event loop served between slices', async () => {
    const ann: AnnOptions = { ...DEFAULT_ANN, minFaces: 100, kind: 'ivf', nprobe: 8 };
    const data = faceLike({ dims: 32, people: 400, facesPerPerson: 10, seed: 5 });
    const n = 4000; // ivfLists(4000) = 126 lists: four slices
    const vectors = data.faces(0, n);
    const index = createFaissIndexFactory(ann)!(32, { count: n, sample: (max) => vectors.slice(0, Math.min(max, n) * 32) });
    await index.addAsync!(
      Float64Array.from({ length: n }, (_, i) => i),
      vectors,
    );
    let turns = 0;
    let counting = true;
    const count = () => {
      turns += 1;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    const before = turns;
    await index.compactAsync!();
    counting = false;
    expect(turns - before).toBeGreaterThanOrEqual(1);
    expect(index.search(vectors.subarray(17 * 32, 18 * 32), 1)[0]?.id).toBe(17);
    expect(index.size).toBe(n);
  });

  it('the upstream faiss-node API (no ids, number[] only) works through the position map', async () => {
    const native = createRequire(import.meta.url)('faiss-node-system') as FaissModule;
    class UpstreamFlatIP extends (native.IndexFlatIP as unknown as new (d: number) => object) {}
    Object.defineProperty(UpstreamFlatIP.prototype, 'addWithIds', { value: undefined });
    const upstream = { IndexFlatIP: UpstreamFlatIP, Index: native.Index } as unknown as FaissModule;
    const factory: IndexFactory = (dims, plan) => createFaissIndex(upstream, 'faiss-node', dims, DEFAULT_ANN, plan);
    const exact = (await clusteredGallery(createJsIndex)).gallery;
    const { gallery, data } = await clusteredGallery(factory);
    expect(gallery.stats().backend).toBe('faiss:IndexFlatIP (faiss-node)');
    gallery.removePerson('p0');
    exact.removePerson('p0');
    for (let p = 0; p < 40; p++) {
      const q = data.probe(p, 5);
      expect(gallery.search(q, 3).map((m) => m.personId)).toEqual(exact.search(q, 3).map((m) => m.personId));
    }
  });
});
