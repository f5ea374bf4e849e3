// Gallery + vector index, run against both index backends: the exact JS scan and FAISS (faiss-node-system or faiss-node).
// FAISS is optional at run time; with REQUIRE_FAISS=1 its absence is a test failure instead of a note.
import { describe, expect, it } from 'vitest';
import { createGallery, type Gallery } from '../../src/server/gallery/gallery.js';
import { createFaissIndexFactory, createJsIndex, type IndexFactory } from '../../src/server/gallery/vector-index.js';
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
    if (faissFactory) expect(faissFactory(DIMS).backend).toMatch(/^faiss:IndexFlatIP \((faiss-node-system|faiss-node)\)$/);
  });
});

describe.each(backends)('vector index (%s)', (_name, factory) => {
  it('returns positions in insertion order with inner-product scores, best first', () => {
    const index = factory(DIMS);
    expect(index.size).toBe(0);
    expect(index.search(Q, 3)).toEqual([]);
    index.add([FACES.c1, FACES.a2, FACES.b2]);
    index.add([]);
    expect(index.size).toBe(3);
    // Scores: c1 0, a2 0.75, b2 0.25.
    expect(index.search(Q, 3)).toEqual([
      { position: 1, score: 0.75 },
      { position: 2, score: 0.25 },
      { position: 0, score: 0 },
    ]);
    expect(index.search(Q, 1)).toEqual([{ position: 1, score: 0.75 }]);
    expect(index.search(Q, 10)).toHaveLength(3); // k larger than the index
  });

  it('refuses vectors of the wrong dimension', () => {
    const index = factory(DIMS);
    expect(() => index.add([new Float32Array(4)])).toThrow(/dims/);
    expect(index.size).toBe(0);
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
    expect(() =>
      gallery.add([tpl('e1', 'p-eve', 'Eve'), { faceId: 'x', personId: 'p-x', personName: 'X', embedding: new Float32Array(4) }]),
    ).toThrow(/dims/);
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

  it(faissFactory ? 'gives the same matches and scores to 1e-5 on random data' : 'has no FAISS here: checks the JS index against a hand dot product', async () => {
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
  });
});
