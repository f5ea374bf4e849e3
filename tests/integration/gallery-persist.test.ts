// The gallery's saved index (issue 12): it round-trips, it is used only when it holds exactly the database's faces of
// the model (a face added or deleted while the server was down rebuilds it), and a corrupt file is rebuilt with a log
// line saying why. Real FAISS (REQUIRE_FAISS=1 in CI: a missing addon fails), on PGlite and, when TEST_DATABASE_URL is
// set, on PostgreSQL (scripts/pg-test-cluster.sh).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { faceLike } from '../../bench/face-like.js';
import { createGallery, type Gallery } from '../../src/server/gallery/gallery.js';
import { indexFiles } from '../../src/server/gallery/index-file.js';
import { createFaissIndexFactory, createJsIndex, DEFAULT_ANN, type IndexFactory } from '../../src/server/gallery/vector-index.js';
import { openStore, rawDrizzle } from '../../src/server/store/db.js';
import { gallerySnapshotRepo } from '../../src/server/store/gallery-snapshot.js';
import type { Store } from '../../src/server/store/types.js';
import { pgTitle } from '../helpers/postgres.js';

const MODEL = 'persist-model';
const DIMS = 64;
const PEOPLE = 30;
const FACES_EACH = 4;
const data = faceLike({ dims: DIMS, people: PEOPLE + 5, facesPerPerson: FACES_EACH, seed: 12 });

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-persist-'));
  tempDirs.push(d);
  return d;
}

const flat = createFaissIndexFactory({ ...DEFAULT_ANN, minFaces: 0 });
// 120 faces from 100 on: the IVF layout, trained, with its lists saved and read back.
const ivf = createFaissIndexFactory({ ...DEFAULT_ANN, minFaces: 100 });
const hnsw = createFaissIndexFactory({ ...DEFAULT_ANN, minFaces: 100, kind: 'hnsw' });

it('REQUIRE_FAISS=1: the FAISS index factories load', () => {
  if (process.env.REQUIRE_FAISS === '1') expect(flat && ivf && hnsw).toBeTruthy();
  if (!flat) console.warn('[gallery-persist.test] FAISS does not load here: only the JS index is tested');
});

const factories: [string, IndexFactory][] = [
  ['js', createJsIndex],
  ...(flat ? [['faiss flat', flat] as [string, IndexFactory]] : []),
  ...(ivf ? [['faiss ivf', ivf] as [string, IndexFactory]] : []),
  ...(hnsw ? [['faiss hnsw', hnsw] as [string, IndexFactory]] : []),
];

async function seed(store: Store, people: number[]): Promise<Map<number, string>> {
  const ids = new Map<number, string>();
  for (const p of people) {
    const faces = Array.from({ length: FACES_EACH }, (_, i) => ({ embedding: data.probe(p, i), quality: 0.9 }));
    ids.set(p, (await store.commitEnrolment({ name: `Person ${p}`, modelId: MODEL, faces })).personId);
  }
  return ids;
}

interface Logged {
  level: 'info' | 'warn';
  msg: string;
}

function open(store: Store, dir: string, factory: IndexFactory, logged: Logged[], modelId = MODEL): Promise<Gallery> {
  return createGallery({
    store,
    modelId,
    dims: DIMS,
    indexFactory: factory,
    persist: {
      dir,
      listFaceRefs: (m) => gallerySnapshotRepo(rawDrizzle(store)).faceRefs(m),
      saveDelayMs: 60_000,
      log: { info: (msg) => logged.push({ level: 'info', msg }), warn: (msg) => logged.push({ level: 'warn', msg }) },
    },
  });
}

/** What the gallery answers for a probe of each person: compared between a loaded and a rebuilt gallery. */
function answers(gallery: Gallery, people: number): string[] {
  return Array.from({ length: people }, (_, p) =>
    gallery
      .search(data.probe(p, 50), 3)
      .map((m) => `${m.name}:${m.score.toFixed(5)}`)
      .join(','),
  );
}

async function persistedIndexBehaviour(store: Store, factory: IndexFactory) {
  const dir = tempDir();
  const files = indexFiles(dir, MODEL);
  const ids = await seed(
    store,
    Array.from({ length: PEOPLE }, (_, p) => p),
  );
  const fresh = await createGallery({ store, modelId: MODEL, dims: DIMS, indexFactory: factory });
  // What the warm start reads instead of the embeddings: exactly the model's faces, with their people's names.
  const key = (r: { faceId: string; personId: string; personName: string }) => `${r.faceId} ${r.personId} ${r.personName}`;
  const refs = await gallerySnapshotRepo(rawDrizzle(store)).faceRefs(MODEL);
  expect(refs.map(key).sort()).toEqual((await store.listFaceTemplates(MODEL)).map(key).sort());
  expect(await gallerySnapshotRepo(rawDrizzle(store)).faceRefs('no-such-model')).toEqual([]);

  // First start: nothing saved, so it builds from the database; close() saves.
  let logged: Logged[] = [];
  const first = await open(store, dir, factory, logged);
  expect(logged.some((l) => l.level === 'warn' && l.msg.includes('no saved index'))).toBe(true);
  // A removal reaches the index at once; an add made while the index is being written waits for the write to end,
  // and then reaches it (gallery/index-ops.ts: settled() says when).
  first.removePerson(ids.get(0)!);
  fresh.removePerson(ids.get(0)!);
  await store.deletePerson(ids.get(0)!);
  const held = await seed(store, [PEOPLE + 2]);
  const heldFaces = (await store.listFaceTemplates(MODEL)).filter((t) => t.personId === held.get(PEOPLE + 2));
  const saving = first.flush();
  first.add(heldFaces);
  fresh.add(heldFaces);
  expect(first.identify(heldFaces[0]!.embedding, 0.999)).toBeNull(); // held while the index is written
  await saving;
  await first.settled();
  expect(first.identify(heldFaces[0]!.embedding, 0.999)?.personId).toBe(held.get(PEOPLE + 2));
  expect(first.identify(data.probe(0, 0), 0.999)).toBeNull();
  await first.close();
  expect(fs.existsSync(files.index) && fs.existsSync(files.meta)).toBe(true);

  // Round trip: loaded, not rebuilt, and answers as the gallery that saved it did.
  logged = [];
  const second = await open(store, dir, factory, logged);
  expect(logged.map((l) => l.msg)).toContain('gallery: loaded the saved index');
  expect(logged.filter((l) => l.level === 'warn')).toEqual([]);
  expect(second.stats().faces).toBe(PEOPLE * FACES_EACH);
  expect(second.stats().people).toBe(PEOPLE);
  expect(answers(second, PEOPLE + 3)).toEqual(answers(fresh, PEOPLE + 3));
  expect((await second.identifyAsync(data.probe(5, 0), 0.5))?.personId).toBe(ids.get(5));
  // A face added after the load gets a new label, not one a removed face had (HNSW keeps those in its graph).
  const late = await seed(store, [PEOPLE]);
  const [lateTemplate] = (await store.listFaceTemplates(MODEL)).filter((t) => t.personId === late.get(PEOPLE));
  second.add([lateTemplate!]);
  expect(second.identify(lateTemplate!.embedding, 0.999)?.personId).toBe(late.get(PEOPLE));
  await second.close();

  // Stale: a person added and one deleted in the database while no server ran. The saved index must not be used.
  const added = await seed(store, [PEOPLE + 1]);
  await store.deletePerson(ids.get(3)!);
  logged = [];
  const third = await open(store, dir, factory, logged);
  const rebuild = logged.find((l) => l.level === 'warn');
  expect(rebuild?.msg).toMatch(/rebuilding the index from the database: the database has \d+ faces of this model, the saved index \d+/);
  const truth = await createGallery({ store, modelId: MODEL, dims: DIMS, indexFactory: factory });
  expect(answers(third, PEOPLE + 3)).toEqual(answers(truth, PEOPLE + 3));
  expect(third.identify(data.probe(PEOPLE + 1, 0), 0.99)?.personId).toBe(added.get(PEOPLE + 1));
  expect(third.identify(data.probe(3, 0), 0.99)?.personId).not.toBe(ids.get(3));
  expect(third.stats().faces).toBe(truth.stats().faces);
  await third.close();

  // That rebuild was saved at close: the next start loads it.
  logged = [];
  const fourth = await open(store, dir, factory, logged);
  expect(logged.map((l) => l.msg)).toContain('gallery: loaded the saved index');
  expect(answers(fourth, PEOPLE + 2)).toEqual(answers(truth, PEOPLE + 2));
  await fourth.close();

  // Altered: the face-id map reversed (the same faces, each at another's label: the database check alone passes, and
  // every answer would name someone else). The checksum covers the map too: rebuilt, and the log says why.
  const meta = JSON.parse(fs.readFileSync(files.meta, 'utf8')) as { faceIds: string[] };
  fs.writeFileSync(files.meta, JSON.stringify({ ...meta, faceIds: [...meta.faceIds].reverse() }));
  logged = [];
  const reversed = await open(store, dir, factory, logged);
  expect(logged.map((l) => l.msg)).not.toContain('gallery: loaded the saved index');
  expect(logged.find((l) => l.level === 'warn')?.msg).toBe(
    'gallery: rebuilding the index from the database: the saved index and its metadata do not match their checksum (corrupt or altered)',
  );
  expect(answers(reversed, PEOPLE + 2)).toEqual(answers(truth, PEOPLE + 2));
  await reversed.close();
  // Key order in the metadata file is not part of the checksum: the same fields reordered still load.
  const resaved = JSON.parse(fs.readFileSync(files.meta, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(files.meta, JSON.stringify(Object.fromEntries(Object.entries(resaved).reverse())));
  logged = [];
  await (await open(store, dir, factory, logged)).close();
  expect(logged.map((l) => l.msg)).toContain('gallery: loaded the saved index');

  // Corrupt: a few bytes in the middle of the index file changed. Rebuilt, and the log says why.
  const bytes = fs.readFileSync(files.index);
  bytes.fill(0x5a, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 16);
  fs.writeFileSync(files.index, bytes);
  logged = [];
  const fifth = await open(store, dir, factory, logged);
  expect(logged.find((l) => l.level === 'warn')?.msg).toBe(
    'gallery: rebuilding the index from the database: the saved index and its metadata do not match their checksum (corrupt or altered)',
  );
  expect(answers(fifth, PEOPLE + 2)).toEqual(answers(truth, PEOPLE + 2));
  await fifth.close();

  // Truncated metadata and a truncated index file: rebuilt too.
  fs.writeFileSync(files.meta, fs.readFileSync(files.meta).subarray(0, 100));
  logged = [];
  await (await open(store, dir, factory, logged)).close();
  expect(logged.find((l) => l.level === 'warn')?.msg).toMatch(/metadata is corrupt \(not JSON\)/);
  fs.truncateSync(files.index, Math.floor(fs.statSync(files.index).size / 2));
  logged = [];
  await (await open(store, dir, factory, logged)).close();
  expect(logged.find((l) => l.level === 'warn')?.msg).toMatch(/the saved index file has \d+ bytes, its metadata says \d+/);

  // Another model id never reads this model's file.
  logged = [];
  const other = await open(store, dir, factory, logged, 'other-model');
  expect(logged.find((l) => l.level === 'warn')?.msg).toMatch(/no saved index/);
  expect(other.stats().faces).toBe(0);
}

describe.each(factories)('saved gallery index (%s)', (_name, factory) => {
  it('PGlite: round-trips, rejects a stale or corrupt file and rebuilds from the database', { timeout: 120_000 }, async () => {
    const store = await openStore({ dataDir: ':memory:' });
    try {
      await persistedIndexBehaviour(store, factory);
    } finally {
      await store.close();
    }
  });

  const pgUrl = process.env.TEST_DATABASE_URL;
  it.runIf(Boolean(pgUrl))(
    pgTitle('PostgreSQL: round-trips, rejects a stale or corrupt file and rebuilds from the database'),
    { timeout: 120_000 },
    async () => {
      const admin = postgres(pgUrl!, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe('drop schema if exists public cascade; create schema public; drop schema if exists drizzle cascade');
      } finally {
        await admin.end();
      }
      const store = await openStore({ databaseUrl: pgUrl, dataDir: tempDir() });
      try {
        await persistedIndexBehaviour(store, factory);
      } finally {
        await store.close();
      }
    },
  );
});

it('a saved flat index is rebuilt when the settings now choose another layout for its size', { timeout: 60_000 }, async () => {
  if (!flat || !ivf) return expect(process.env.REQUIRE_FAISS).not.toBe('1');
  const store = await openStore({ dataDir: ':memory:' });
  try {
    await seed(
      store,
      Array.from({ length: PEOPLE }, (_, p) => p),
    );
    const dir = tempDir();
    await (await open(store, dir, flat, [])).close();
    const logged: Logged[] = [];
    const g = await open(store, dir, ivf, logged);
    expect(logged.find((l) => l.level === 'warn')?.msg).toBe(
      'gallery: rebuilding the index from the database: the saved index is flat, the settings choose ivf for 120 faces',
    );
    expect(g.stats().backend).toMatch(/IVF/);
  } finally {
    await store.close();
  }
});

it('changes coming faster than the save delay for ever are still saved, at most ten delays after the first', { timeout: 60_000 }, async () => {
  const store = await openStore({ dataDir: ':memory:' });
  try {
    const dir = tempDir();
    const logged: Logged[] = [];
    const gallery = await createGallery({
      store,
      modelId: MODEL,
      dims: DIMS,
      indexFactory: createJsIndex,
      persist: {
        dir,
        listFaceRefs: (m) => gallerySnapshotRepo(rawDrizzle(store)).faceRefs(m),
        saveDelayMs: 100,
        log: { info: (msg) => logged.push({ level: 'info', msg }), warn: (msg) => logged.push({ level: 'warn', msg }) },
      },
    });
    // The empty gallery was built (no saved index): that first save comes 100 ms later.
    await new Promise((r) => setTimeout(r, 300));
    const before = logged.filter((l) => l.msg === 'gallery: saved the index').length;
    expect(before).toBe(1);
    // A change every 30 ms for 2.5 s: the delay restarts each time, but ten delays (1 s) after the first it saves anyway.
    for (let i = 0; i < 80; i++) {
      gallery.add([{ faceId: `f${i}`, personId: `p${i}`, personName: `P ${i}`, embedding: data.probe(i % PEOPLE, i) }]);
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(logged.filter((l) => l.msg === 'gallery: saved the index').length).toBeGreaterThanOrEqual(before + 2);
    await gallery.close();
  } finally {
    await store.close();
  }
});
