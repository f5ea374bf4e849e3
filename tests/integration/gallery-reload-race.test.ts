// Regression for issue 8 item 6: index = database always holds. Enrolments commit and reach the gallery while reloads
// are reading and rebuilding; afterwards every committed face must be searchable, and the index must hold exactly the
// database's faces. Runs on PGlite and, when TEST_DATABASE_URL is set, on PostgreSQL (scripts/pg-test-cluster.sh).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { faceLike } from '../../bench/face-like.js';
import { createGallery } from '../../src/server/gallery/gallery.js';
import { createGalleryService } from '../../src/server/gallery/service.js';
import { createLocalBus } from '../../src/server/events/local-bus.js';
import { silentLogger } from '../../src/server/log.js';
import { createFaissIndexFactory, createJsIndex, DEFAULT_ANN, defaultIndexFactory, type IndexFactory } from '../../src/server/gallery/vector-index.js';
import { commitViews } from '../../src/server/enrolment/commit.js';
import type { CapturedView } from '../../src/server/enrolment/capture.js';
import { openStore } from '../../src/server/store/db.js';
import type { Store } from '../../src/server/store/types.js';
import { CHIP_SIZE } from '../../src/server/vision/embedder.js';
import { pgTitle } from '../helpers/postgres.js';

const MODEL = 'race-model';
const DIMS = 128;
const SEEDED_PEOPLE = 40;
const FACES_EACH = 50; // 2000 faces: enough that reading them all takes longer than one enrolment commit
const ROUNDS = 8;
const ENROLMENTS_PER_ROUND = 3;

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const data = faceLike({ dims: DIMS, people: SEEDED_PEOPLE + ROUNDS * ENROLMENTS_PER_ROUND, facesPerPerson: 3, seed: 8 });
const chip = new Uint8Array(CHIP_SIZE * CHIP_SIZE * 3).fill(128);

async function seed(store: Store): Promise<void> {
  for (let p = 0; p < SEEDED_PEOPLE; p++) {
    const faces = Array.from({ length: FACES_EACH }, (_, i) => ({ embedding: data.probe(p, i), crop: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), quality: 0.9 }));
    await store.commitEnrolment({ name: `Seeded ${p}`, modelId: MODEL, faces });
  }
}

/**
 * A store whose template listing hands its rows over a little later than the database answered: the time a large
 * gallery spends decoding and building, during which enrolments go on committing.
 */
function slowListing(store: Store, ms: number): Store {
  const slow = Object.create(store) as Store;
  slow.listFaceTemplates = async (modelId) => {
    const rows = await store.listFaceTemplates(modelId);
    await new Promise((r) => setTimeout(r, ms));
    return rows;
  };
  return slow;
}

async function raceEnrolmentsAgainstReloads(store: Store, indexFactory: IndexFactory, listingDelayMs: number) {
  await seed(store);
  const galleryStore = slowListing(store, listingDelayMs);
  const gallery = await createGallery({ store: galleryStore, modelId: MODEL, dims: DIMS, indexFactory });
  const enrolment = { galleryService: createGalleryService({ store, gallery, bus: createLocalBus(silentLogger), modelId: MODEL }) };
  const enrolled: { personId: string; embedding: Float32Array }[] = [];
  let person = SEEDED_PEOPLE;
  for (let round = 0; round < ROUNDS; round++) {
    const reload = gallery.reload();
    const commits = Array.from({ length: ENROLMENTS_PER_ROUND }, async (_, i) => {
      const p = person++;
      // Staggered so some commits land while the listing query runs and some while the rows are being built.
      await new Promise((r) => setTimeout(r, i * (listingDelayMs / ENROLMENTS_PER_ROUND)));
      const views: CapturedView[] = [0, 1, 2].map((v) => ({ embedding: data.probe(p, 100 + v), chip, quality: 0.9, pose: 'straight' as CapturedView['pose'] }));
      const result = await commitViews(enrolment, `Enrolled ${p}`, views);
      enrolled.push(...views.map((v) => ({ personId: result.personId, embedding: v.embedding })));
    });
    await Promise.all([reload, ...commits]);
  }
  // Every committed face is found as its own person, and the index holds exactly the database's faces.
  const lost = enrolled.filter((e) => gallery.identify(e.embedding, 0.9999)?.personId !== e.personId);
  expect(lost.length, `${lost.length} of ${enrolled.length} committed faces are not searchable`).toBe(0);
  const inDb = await store.listFaceTemplates(MODEL);
  expect(gallery.stats().faces).toBe(inDb.length);
  expect(gallery.stats().people).toBe(new Set(inDb.map((t) => t.personId)).size);
  // And a reload with nothing concurrent agrees with that.
  await gallery.reload();
  expect(gallery.stats().faces).toBe(inDb.length);
}

const ivf = createFaissIndexFactory({ ...DEFAULT_ANN, minFaces: 500 });
const factories: [string, IndexFactory][] = [
  ['js index', createJsIndex],
  ['default index', defaultIndexFactory()],
  // Every reload trains and fills an IVF index on FAISS's thread pool: the longest window for commits to land in.
  ...(ivf ? [['IVF index', ivf] as [string, IndexFactory]] : []),
];

describe.each(factories)('gallery reload vs enrolment commits (%s)', (_name, indexFactory) => {
  it('PGlite: no committed face is lost to a reload that was reading when it committed', { timeout: 120_000 }, async () => {
    const store = await openStore({ dataDir: ':memory:' });
    try {
      await raceEnrolmentsAgainstReloads(store, indexFactory, 60);
    } finally {
      await store.close();
    }
  });

  const pgUrl = process.env.TEST_DATABASE_URL;
  it.runIf(Boolean(pgUrl))(pgTitle('PostgreSQL: no committed face is lost to a concurrent reload'), { timeout: 120_000 }, async () => {
    const admin = postgres(pgUrl!, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe('drop schema if exists public cascade; create schema public; drop schema if exists drizzle cascade');
    } finally {
      await admin.end();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-race-'));
    tempDirs.push(dir);
    const store = await openStore({ databaseUrl: pgUrl, dataDir: dir });
    try {
      // No artificial delay: the pool runs the commits on other connections while the listing query reads.
      await raceEnrolmentsAgainstReloads(store, indexFactory, 0);
    } finally {
      await store.close();
    }
  });
});
