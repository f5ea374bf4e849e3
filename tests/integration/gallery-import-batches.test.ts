// A gallery import larger than the database's lock table (issue 19: one advisory lock per person in one transaction ran
// PostgreSQL out of shared memory at ~12,700 people and PGlite at ~18,000). Imports commit GALLERY_IMPORT_BATCH_PEOPLE
// people per transaction and take at most NAME_LOCK_SLOTS name locks each. On PostgreSQL the suite wants a small lock
// table to be meaningful (CI and scripts/pg-test-cluster.sh with PG_OPTIONS="-c max_locks_per_transaction=10"); it
// imports three times whatever the server's table holds. A lock table filled by someone else still stops an import:
// then the error says so, and how far it got, and importing again finishes it.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBus } from '../../src/server/events/local-bus.js';
import { createGallery, type Gallery } from '../../src/server/gallery/gallery.js';
import { createGalleryService, GalleryImportError, type GalleryService, type ImportedPerson } from '../../src/server/gallery/service.js';
import { createJsIndex } from '../../src/server/gallery/vector-index.js';
import { silentLogger } from '../../src/server/log.js';
import { MEMORY, openStore } from '../../src/server/store/db.js';
import type { Store } from '../../src/server/store/types.js';
import { pgTitle } from '../helpers/postgres.js';

const MODEL = 'model-import';
const DIMS = 8;
const BATCH = 500;

/** `n` people with one face each; every embedding a distinct unit vector. */
function people(n: number, prefix: string): ImportedPerson[] {
  return Array.from({ length: n }, (_, i) => {
    const v = Float32Array.from({ length: DIMS }, (_, k) => Math.sin(i * 7.31 + k * 1.7 + prefix.length));
    const norm = Math.hypot(...v);
    return { name: `${prefix} ${i}`, faces: [{ embedding: v.map((x) => x / norm), crop: null, quality: null }] };
  });
}

async function open(store: Store): Promise<{ gallery: Gallery; service: GalleryService }> {
  const gallery = await createGallery({ store, modelId: MODEL, dims: DIMS, indexFactory: createJsIndex, changeHead: () => store.changes.head() });
  const service = createGalleryService({ store, gallery, bus: createLocalBus(silentLogger), modelId: MODEL, settings: { importBatchPeople: BATCH } });
  return { gallery, service };
}

describe('a gallery import on PGlite past the size that exhausted its lock table (18,061 people)', () => {
  let store: Store;
  afterAll(async () => store?.close());

  it('imports 20,000 one-face people in batches, and a second import adds nothing', { timeout: 600_000 }, async () => {
    store = await openStore({ dataDir: MEMORY });
    const { gallery, service } = await open(store);
    const input = people(20_000, 'Person');
    const t0 = performance.now();
    const summary = await service.importPeople(input);
    console.log(`PGlite: 20,000 people imported in ${Math.round(performance.now() - t0)} ms`);
    expect(summary).toEqual({ peopleCreated: 20_000, peopleMerged: 0, facesAdded: 20_000, facesSkipped: 0 });
    expect(gallery.stats()).toMatchObject({ people: 20_000, faces: 20_000 });
    expect(gallery.builds()).toBe(1); // applied batch by batch, never rebuilt
    expect(await store.changes.head()).toBe(20_000 / BATCH);
    expect(await service.importPeople(input.slice(0, 1000))).toEqual({ peopleCreated: 0, peopleMerged: 1000, facesAdded: 0, facesSkipped: 1000 });
    service.close();
  });
});

const url = process.env.TEST_DATABASE_URL;
describe.skipIf(!url)(pgTitle('a gallery import on PostgreSQL past its lock table'), () => {
  let store: Store;
  let sql: postgres.Sql;
  let capacity = 0;
  beforeAll(async () => {
    sql = postgres(url!, { max: 4, onnotice: () => {} });
    await sql.unsafe('drop schema if exists public cascade; create schema public; drop schema if exists drizzle cascade;');
    const setting = async (name: string) => Number((await sql.unsafe(`show ${name}`))[0]![name]);
    // The shared lock table's nominal size (PostgreSQL lets a transaction run somewhat past it, into spare memory).
    capacity = (await setting('max_locks_per_transaction')) * ((await setting('max_connections')) + (await setting('max_prepared_transactions')));
    store = await openStore({ databaseUrl: url!, dataDir: MEMORY });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await sql?.end();
  });

  it('one lock per person in one transaction is refused here: the limit this suite must get past is real', { timeout: 120_000 }, async () => {
    const n = 3 * capacity;
    const err = await sql
      .begin(async (tx) => tx.unsafe(`select count(pg_advisory_xact_lock(i)) from generate_series(1, ${n}) i`))
      .then(() => null)
      .catch((e: { code?: string }) => e);
    expect(err?.code).toBe('53200'); // out of shared memory
  });

  it('imports three times the lock table in people, batch by batch, and importing again adds nothing', { timeout: 600_000 }, async () => {
    const n = 3 * capacity;
    const { gallery, service } = await open(store);
    const input = people(n, 'Someone');
    const t0 = performance.now();
    const summary = await service.importPeople(input);
    console.log(`PostgreSQL (lock table ${capacity}): ${n} people imported in ${Math.round(performance.now() - t0)} ms`);
    expect(summary).toEqual({ peopleCreated: n, peopleMerged: 0, facesAdded: n, facesSkipped: 0 });
    expect(gallery.stats()).toMatchObject({ people: n, faces: n });
    expect(Number((await sql`select count(*)::int as n from people`)[0]!.n)).toBe(n);
    expect(await service.importPeople(input)).toEqual({ peopleCreated: 0, peopleMerged: n, facesAdded: 0, facesSkipped: n });
    service.close();
  });

  it('agrees with enrolments of the same names made at the same time: one person per name, ignoring case', { timeout: 300_000 }, async () => {
    const { service } = await open(store);
    // A second server's service on its own connections, enrolling spellings of names the import is creating.
    const other = await openStore({ databaseUrl: url!, dataDir: MEMORY });
    const { service: enrolling } = await open(other);
    try {
      const input = people(3 * BATCH, 'Twin');
      const spellings = Array.from({ length: 60 }, (_, k) => `TWIN ${k * 25}`);
      const face = (k: number) => [{ embedding: Float32Array.from({ length: DIMS }, (_, d) => (d === k % DIMS ? 1 : 0)) }];
      await Promise.all([service.importPeople(input), ...spellings.map((name, k) => enrolling.enrol(name, face(k)))]);
      const twins = await sql`select lower(name) as key, count(*)::int as n from people where lower(name) like 'twin %' group by 1 having count(*) > 1`;
      expect(twins).toEqual([]);
      expect(Number((await sql`select count(*)::int as n from people where lower(name) like 'twin %'`)[0]!.n)).toBe(input.length);
    } finally {
      enrolling.close();
      service.close();
      await other.close();
    }
  });

  it('stops with a clear error, saying how far it got, when the lock table is full; importing again finishes it', { timeout: 600_000 }, async () => {
    const { gallery, service } = await open(store);
    const input = people(4 * BATCH, 'Later');
    // Someone else holds nearly every lock the table has, in chunks, until the table refuses one.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let full!: () => void;
    const filled = new Promise<void>((r) => (full = r));
    const hog = sql.begin(async (tx) => {
      for (let from = 1_000_000; ; from += 20) {
        const ok = await tx
          .savepoint((sp) => sp.unsafe(`select count(pg_advisory_xact_lock(i)) from generate_series(${from}, ${from + 19}) i`))
          .then(() => true)
          .catch(() => false);
        if (!ok) break;
      }
      full();
      await held;
    });
    await filled;
    const err = await service.importPeople(input).catch((e: unknown) => e);
    release();
    await hog;
    expect(err).toBeInstanceOf(GalleryImportError);
    const message = (err as Error).message;
    expect(message).toMatch(/ran out of lock space/);
    expect(message).toMatch(/max_locks_per_transaction/);
    expect(message).toMatch(/GALLERY_IMPORT_BATCH_PEOPLE/);
    expect(message).toMatch(new RegExp(`\\d+ of ${input.length} people were committed`));
    expect(message).toMatch(/importing the same file again adds only what is missing/);
    // The lock table is free again: the same import finishes what is missing, nothing twice.
    const again = await service.importPeople(input);
    expect(again.peopleCreated + again.peopleMerged).toBe(input.length);
    expect(Number((await sql`select count(*)::int as n from people where name like 'Later %'`)[0]!.n)).toBe(input.length);
    expect(Number((await sql`select count(*)::int as n from faces f join people p on p.id = f.person_id where p.name like 'Later %'`)[0]!.n)).toBe(
      input.length,
    );
    expect(gallery.identify(input[input.length - 1]!.faces[0]!.embedding, 0.999)?.name).toBe(`Later ${input.length - 1}`);
    service.close();
  });
});
