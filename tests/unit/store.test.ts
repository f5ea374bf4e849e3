// Store contract tests, run against in-memory PGlite, PGlite on disk (plus the directory lock) and, when
// TEST_DATABASE_URL is set, real PostgreSQL (scripts/pg-test-cluster.sh starts one).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/server/store/db.js';
import { bytesToEmbedding, embeddingToBytes } from '../../src/server/store/embedding-bytes.js';
import { TEMPLATE_PAGE_FACES } from '../../src/server/store/faces-repo.js';
import type { Store } from '../../src/server/store/types.js';
import { pgTitle } from '../helpers/postgres.js';

const MODEL = 'model-a';
const OTHER = 'model-b';
const TIMEOUT = { timeout: 60_000 };

/** A deterministic embedding-like vector, with a few awkward float values mixed in to catch any lossy encoding. */
function vec(seed: number, dims = 128): Float32Array {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = Math.sin(seed * 1000 + i * 7.31);
  v[0] = -0;
  v[1] = 1.401298464324817e-45; // smallest float32 subnormal
  v[2] = 3.4028234663852886e38 / 1e38; // many mantissa bits
  return v;
}

const bytesOf = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

const tempDirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-store-'));
  tempDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * The contract every Store must meet. Opening PGlite costs a second or two (WASM start, initdb, migrations),
 * so each suite opens one store and empties it between tests through the Store API itself.
 */
function storeContract(open: () => Promise<Store>): void {
  let store: Store | undefined;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    await store?.close();
  });
  async function withStore(fn: (s: Store) => Promise<void>): Promise<void> {
    const s = store!;
    for (const p of await s.listPeople()) await s.deletePerson(p.id);
    expect(await s.countFacesNotFromModel('')).toBe(0);
    await fn(s);
  }

  it('pings', () => withStore(async (s) => expect(s.ping()).resolves.toBeUndefined()));

  it('commits an enrolment and returns embeddings bit-identical', () =>
    withStore(async (s) => {
      const e1 = vec(1);
      const e2 = vec(2);
      const r = await s.commitEnrolment({
        name: 'Ada',
        modelId: MODEL,
        faces: [{ embedding: e1, crop: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), quality: 0.9 }, { embedding: e2 }],
      });
      expect(r).toMatchObject({ name: 'Ada', created: true });
      expect(r.faceIds).toHaveLength(2);
      const t = await s.listFaceTemplates(MODEL);
      expect(t).toHaveLength(2);
      const byId = new Map(t.map((x) => [x.faceId, x]));
      for (const [id, want] of [
        [r.faceIds[0]!, e1],
        [r.faceIds[1]!, e2],
      ] as const) {
        const got = byId.get(id)!;
        expect(got).toMatchObject({ personId: r.personId, personName: 'Ada' });
        expect(got.embedding).toBeInstanceOf(Float32Array);
        expect(got.embedding).toEqual(want);
        expect(bytesOf(got.embedding).equals(bytesOf(want))).toBe(true);
      }
      const people = await s.listPeople();
      expect(people).toEqual([{ id: r.personId, name: 'Ada', createdAt: expect.any(Date), faces: 2 }]);
    }));

  it('adds faces to an existing person of the same name, ignoring case and spacing', () =>
    withStore(async (s) => {
      const a = await s.commitEnrolment({ name: 'Ada', modelId: MODEL, faces: [{ embedding: vec(1) }] });
      const b = await s.commitEnrolment({ name: 'Ada', modelId: MODEL, faces: [{ embedding: vec(2) }, { embedding: vec(3) }] });
      expect(b).toMatchObject({ personId: a.personId, name: 'Ada', created: false });
      expect(b.faceIds).toHaveLength(2);
      // Issue 8 item 10: "ada" and "ADA\u00a0" are Ada, not new people.
      const c = await s.commitEnrolment({ name: 'ada', modelId: MODEL, faces: [{ embedding: vec(4) }] });
      const d = await s.commitEnrolment({ name: ' ADA\u00a0', modelId: MODEL, faces: [{ embedding: vec(5) }] });
      expect([c.created, c.personId, d.created, d.personId]).toEqual([false, a.personId, false, a.personId]);
      expect((await s.listPeople()).map((p) => [p.name, p.faces])).toEqual([['Ada', 5]]);
    }));

  it('creates one person when the same new name is enrolled concurrently', () =>
    withStore(async (s) => {
      const results = await Promise.all([1, 2, 3, 4].map((i) => s.commitEnrolment({ name: 'Grace', modelId: MODEL, faces: [{ embedding: vec(i) }] })));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.personId)).size).toBe(1);
      expect(await s.listPeople()).toMatchObject([{ name: 'Grace', faces: 4 }]);
    }));

  it('rejects an empty enrolment and writes nothing', () =>
    withStore(async (s) => {
      await expect(s.commitEnrolment({ name: 'Ada', modelId: MODEL, faces: [] })).rejects.toThrow(/at least one face/);
      expect(await s.listPeople()).toEqual([]);
    }));

  it('is all or nothing: a face the database rejects leaves no person behind', () =>
    withStore(async (s) => {
      // quality NaN passes the application and reaches the database, whose check constraint rejects it
      // after the person row was inserted in the same transaction.
      const bad = {
        name: 'Ada',
        modelId: MODEL,
        faces: [
          { embedding: vec(1), quality: 0.5 },
          { embedding: vec(2), quality: NaN },
        ],
      };
      await expect(s.commitEnrolment(bad)).rejects.toThrow(/not stored: .*faces_quality_range_check/);
      expect(await s.listPeople()).toEqual([]);
      expect(await s.listFaceTemplates(MODEL)).toEqual([]);
      // And for an existing person, the failed commit adds no faces.
      await s.commitEnrolment({ name: 'Ada', modelId: MODEL, faces: [{ embedding: vec(3) }] });
      await expect(s.commitEnrolment({ ...bad, faces: [{ embedding: vec(4) }, { embedding: vec(5), quality: 2 }] })).rejects.toThrow(
        /faces_quality_range_check/,
      );
      expect(await s.listPeople()).toMatchObject([{ name: 'Ada', faces: 1 }]);
    }));

  it('deletes a person with their faces', () =>
    withStore(async (s) => {
      const a = await s.commitEnrolment({ name: 'Ada', modelId: MODEL, faces: [{ embedding: vec(1) }, { embedding: vec(2) }] });
      const b = await s.commitEnrolment({ name: 'Bob', modelId: OTHER, faces: [{ embedding: vec(3) }] });
      expect(await s.deletePerson(a.personId)).toBe(true);
      expect(await s.deletePerson(a.personId)).toBe(false);
      expect(await s.deletePerson('not-a-uuid')).toBe(false);
      expect(await s.listFaceTemplates(MODEL)).toEqual([]);
      expect(await s.countFacesNotFromModel(MODEL)).toBe(1);
      expect(await s.listPeople()).toMatchObject([{ id: b.personId, name: 'Bob', faces: 1 }]);
    }));

  it('reads the templates of a gallery larger than one page, every face once', () =>
    withStore(async (s) => {
      const n = 2 * TEMPLATE_PAGE_FACES + 7;
      const { faceIds } = await s.commitEnrolment({ name: 'Many', modelId: MODEL, faces: Array.from({ length: n }, (_, i) => ({ embedding: vec(i) })) });
      const read = await s.listFaceTemplates(MODEL);
      expect(read).toHaveLength(n);
      expect(new Set(read.map((t) => t.faceId))).toEqual(new Set(faceIds));
    }));

  it('filters templates by model id and counts faces from other models', () =>
    withStore(async (s) => {
      await s.commitEnrolment({ name: 'Ada', modelId: MODEL, faces: [{ embedding: vec(1) }] });
      await s.commitEnrolment({ name: 'Ada', modelId: OTHER, faces: [{ embedding: vec(2, 512) }, { embedding: vec(3, 512) }] });
      await s.commitEnrolment({ name: 'Bob', modelId: OTHER, faces: [{ embedding: vec(4, 512) }] });
      const a = await s.listFaceTemplates(MODEL);
      expect(a.map((t) => [t.personName, t.embedding.length])).toEqual([['Ada', 128]]);
      const b = await s.listFaceTemplates(OTHER);
      expect(b.map((t) => [t.personName, t.embedding.length]).sort()).toEqual([
        ['Ada', 512],
        ['Ada', 512],
        ['Bob', 512],
      ]);
      expect(await s.listFaceTemplates('nope')).toEqual([]);
      expect(await s.countFacesNotFromModel(MODEL)).toBe(3);
      expect(await s.countFacesNotFromModel(OTHER)).toBe(1);
      expect(await s.countFacesNotFromModel('nope')).toBe(4);
    }));
}

describe('embedding bytes', () => {
  it('round-trips through little-endian bytes, including from an unaligned view', () => {
    const v = vec(9, 5);
    const b = embeddingToBytes(v);
    expect(b.readFloatLE(4 * 3)).toBe(v[3]);
    const unaligned = new Uint8Array(b.length + 1);
    unaligned.set(b, 1);
    expect(bytesToEmbedding(unaligned.subarray(1))).toEqual(v);
    expect(() => bytesToEmbedding(new Uint8Array(7))).toThrow(RangeError);
  });
});

describe('store: in-memory PGlite', TIMEOUT, () => {
  storeContract(() => openStore({ dataDir: ':memory:' }));
});

describe('store: PGlite on disk', TIMEOUT, () => {
  storeContract(() => openStore({ dataDir: tempDir() }));

  it('locks the directory while open, releases it on close, and keeps data across reopen', async () => {
    const dir = tempDir();
    const listeners = process.listenerCount('exit');
    const s1 = await openStore({ dataDir: dir });
    const r = await s1.commitEnrolment({ name: 'Ada', modelId: MODEL, faces: [{ embedding: vec(1) }] });
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, hostname: os.hostname(), startedAt: expect.any(String) });
    await expect(openStore({ dataDir: dir })).rejects.toThrow(new RegExp(`in use by pid ${process.pid}.*delete .*LOCK`, 's'));
    await s1.close();
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
    // Exit listeners are shared and removed with the last lock: opening many stores does not leak them.
    expect(process.listenerCount('exit')).toBe(listeners);

    const s2 = await openStore({ dataDir: dir });
    try {
      const t = await s2.listFaceTemplates(MODEL);
      expect(t).toMatchObject([{ faceId: r.faceIds[0], personName: 'Ada' }]);
      expect(t[0]!.embedding).toEqual(vec(1));
    } finally {
      await s2.close();
    }
  });

  it('takes over a stale lock left by a dead process', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'LOCK'), JSON.stringify({ pid: 999999, hostname: os.hostname(), startedAt: 'then' }));
    const logs: string[] = [];
    const s = await openStore({ dataDir: dir, log: (m) => logs.push(m) });
    try {
      expect(logs.join('\n')).toMatch(/pid 999999.*taking it over/);
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8')).pid).toBe(process.pid);
    } finally {
      await s.close();
    }
  });

  it('does not take over a lock held from another host', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'LOCK'), JSON.stringify({ pid: 999999, hostname: 'elsewhere.invalid', startedAt: 'then' }));
    await expect(openStore({ dataDir: dir })).rejects.toThrow(/pid 999999 on host elsewhere\.invalid/);
    expect(fs.existsSync(path.join(dir, 'pglite'))).toBe(false);
  });
});

const pgUrl = process.env.TEST_DATABASE_URL;
// Runs when CI (or a developer, via scripts/pg-test-cluster.sh) provides a server; otherwise shown as skipped, with why.
describe.skipIf(!pgUrl)(pgTitle('store: PostgreSQL'), TIMEOUT, () => {
  storeContract(async () => {
    // Each run starts from an empty database, including drizzle's migration bookkeeping, so the
    // migrations themselves are exercised every time.
    const admin = postgres(pgUrl!, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe('drop schema if exists public cascade; create schema public; drop schema if exists drizzle cascade');
    } finally {
      await admin.end();
    }
    return openStore({ databaseUrl: pgUrl!, dataDir: tempDir() });
  });
});
