// Two servers on one PostgreSQL (issue 19): how long a change made on server A (an enrolment, a rename, a merge, a
// deletion) takes to be searchable, or gone, on server B, which follows the change log (gallery/sync.ts) through its
// LISTEN/NOTIFY bus; and a gallery file import of many one-face people (time, peak RSS) on PostgreSQL and on PGlite.
// The two servers are two stores, galleries (the server's default index), buses and gallery services in this process,
// each with its own connection pool to the database: exactly what each server process holds, without the models. The
// gallery is seeded by binary COPY with face-like vectors of the default model. Each import runs in a child process of
// its own (so its peak RSS is the import's): the service's importPeople, as POST /api/v1/gallery/import calls it after
// reading the file (file parsing and crops not included).
// Usage: npx tsx bench/sync.ts [--faces 100000] [--faces-per-person 5] [--rounds 20] [--import-people 20000] [--database-url URL] [--out bench/results/sync.json]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { DEFAULT_EMBEDDING_MODEL } from '../src/server/config.js';
import { createPgBus } from '../src/server/events/pg-bus.js';
import { createGallery, type Gallery } from '../src/server/gallery/gallery.js';
import { createGalleryService, type GalleryService } from '../src/server/gallery/service.js';
import { defaultIndexFactory } from '../src/server/gallery/vector-index.js';
import { silentLogger } from '../src/server/log.js';
import { MEMORY, openStore } from '../src/server/store/db.js';
import type { Store } from '../src/server/store/types.js';
import { resolveModel } from '../src/server/vision/models.js';
import { faceLike } from './face-like.js';
import { describeMachine, sampleLoad } from './lib/machine.js';
import { seedFaces } from './lib/seed-faces.js';
import { spread } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    faces: { type: 'string', default: '100000' },
    'faces-per-person': { type: 'string', default: '5' },
    rounds: { type: 'string', default: '20' },
    'import-people': { type: 'string', default: '20000' },
    'database-url': { type: 'string' },
    out: { type: 'string', default: 'bench/results/sync.json' },
    /** Internal: run one import in this process and print its figures (pglite or postgres). */
    'import-child': { type: 'string' },
  },
});
const FACES = Number(values.faces);
const FPP = Number(values['faces-per-person']);
const ROUNDS = Number(values.rounds);
const IMPORT_PEOPLE = Number(values['import-people']);
const model = resolveModel(DEFAULT_EMBEDDING_MODEL).manifest;
const log = (msg: string) => process.stderr.write(`[sync] ${msg}\n`);
const MiB = (b: number) => Math.round(b / 2 ** 20);

async function serverOn(url: string): Promise<{ store: Store; gallery: Gallery; service: GalleryService; close(): Promise<void> }> {
  const store = await openStore({ databaseUrl: url, dataDir: MEMORY });
  const gallery = await createGallery({
    store,
    modelId: model.id,
    dims: model.dims,
    indexFactory: defaultIndexFactory(),
    changeHead: () => store.changes.head(),
  });
  const bus = await createPgBus({ channels: store.channels!, log: silentLogger });
  const service = createGalleryService({ store, gallery, bus, modelId: model.id, log: silentLogger });
  return {
    store,
    gallery,
    service,
    async close() {
      service.close();
      await bus.close();
      await store.close();
    },
  };
}

/** Milliseconds from the start of `change` on A until `seen` holds on B (checked every event-loop turn). */
async function lag(change: () => Promise<unknown>, seen: () => boolean): Promise<number> {
  const t0 = performance.now();
  await change();
  while (!seen()) {
    if (performance.now() - t0 > 30_000) throw new Error('B did not follow within 30 s');
    await new Promise((r) => setImmediate(r));
  }
  return performance.now() - t0;
}

async function follow(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql.unsafe('drop schema if exists public cascade; create schema public; drop schema if exists drizzle cascade;');
  await openStore({ databaseUrl: url, dataDir: MEMORY }).then((s) => s.close());
  const people = Math.ceil(FACES / FPP);
  const set = faceLike({ dims: model.dims, people: people + 4 * (ROUNDS + 1), facesPerPerson: FPP });
  let t0 = performance.now();
  await seedFaces(sql, { modelId: model.id, dims: model.dims, faces: FACES, facesPerPerson: FPP, vectors: (from, n) => set.faces(from, n) });
  await sql.end();
  log(`seeded ${FACES} faces in ${Math.round(performance.now() - t0)} ms`);
  t0 = performance.now();
  const a = await serverOn(url);
  const b = await serverOn(url);
  log(`both servers built their index in ${Math.round(performance.now() - t0)} ms`);
  const builds = b.gallery.builds();
  const lags = { enrol: [] as number[], rename: [] as number[], merge: [] as number[], deletePerson: [] as number[] };
  const counted = (r: number, xs: number[]) => (ms: number) => void (r > 0 && xs.push(ms));
  const faces = (p: number) => Array.from({ length: FPP }, (_, k) => ({ embedding: set.faces((people + p) * FPP + k, 1) }));
  // Round 0 warms both servers up (first queries, first notifications) and is not counted.
  for (let r = 0; r <= ROUNDS; r++) {
    const one = people + 4 * r;
    let x!: { personId: string; faceIds: string[] };
    counted(
      r,
      lags.enrol,
    )(
      await lag(
        async () => (x = await a.service.enrol(`Bench ${r}`, faces(one - people))),
        () => b.gallery.identify(set.faces(one * FPP, 1), 0.99)?.personId === x.personId,
      ),
    );
    counted(
      r,
      lags.rename,
    )(
      await lag(
        () => a.service.renamePerson(x.personId, `Bench renamed ${r}`),
        () => b.gallery.identify(set.faces(one * FPP, 1), 0.99)?.name === `Bench renamed ${r}`,
      ),
    );
    const y = await a.service.enrol(`Bench other ${r}`, faces(one - people + 1));
    counted(
      r,
      lags.merge,
    )(
      await lag(
        () => a.service.mergePeople(x.personId, y.personId),
        () => b.gallery.identify(set.faces((one + 1) * FPP, 1), 0.99)?.personId === x.personId,
      ),
    );
    counted(
      r,
      lags.deletePerson,
    )(
      await lag(
        () => a.service.deletePerson(x.personId),
        () => b.gallery.identify(set.faces(one * FPP, 1), 0.99)?.personId !== x.personId,
      ),
    );
  }
  const stats = b.service.syncStats();
  const builtDuringRounds = b.gallery.builds() - builds;
  // What every one of those changes cost B before the change log: a full reload of its index.
  t0 = performance.now();
  await b.gallery.reload();
  const reloadMs = performance.now() - t0;
  await b.close();
  await a.close();
  return {
    faces: FACES,
    people,
    rounds: ROUNDS,
    lagMs: Object.fromEntries(Object.entries(lags).map(([k, v]) => [k, spread(v)])),
    fullReloadsOnB: stats.fullReloads,
    indexBuildsOnBDuringRounds: builtDuringRounds,
    changesAppliedOnB: stats.changesApplied,
    fullReloadMs: Math.round(reloadMs),
  };
}

/** One import in this process: `IMPORT_PEOPLE` people with one face each, then its time and this process's peak RSS. */
async function importChild(kind: string, url: string | undefined) {
  if (kind === 'postgres') {
    const sql = postgres(url!, { max: 1, onnotice: () => {} });
    await sql.unsafe('drop schema if exists public cascade; create schema public; drop schema if exists drizzle cascade;');
    const locks = (await sql.unsafe('show max_locks_per_transaction'))[0]!.max_locks_per_transaction;
    await sql.end();
    log(`postgres max_locks_per_transaction ${locks}`);
  }
  const store = await openStore({ databaseUrl: kind === 'postgres' ? url : undefined, dataDir: MEMORY });
  const gallery = await createGallery({
    store,
    modelId: model.id,
    dims: model.dims,
    indexFactory: defaultIndexFactory(),
    changeHead: () => store.changes.head(),
  });
  const { createLocalBus } = await import('../src/server/events/local-bus.js');
  const service = createGalleryService({ store, gallery, bus: createLocalBus(silentLogger), modelId: model.id, log: silentLogger });
  const set = faceLike({ dims: model.dims, people: IMPORT_PEOPLE, facesPerPerson: 1 });
  const input = Array.from({ length: IMPORT_PEOPLE }, (_, i) => ({
    name: `Imported ${i}`,
    faces: [{ embedding: set.faces(i, 1), crop: null, quality: null }],
  }));
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const summary = await service.importPeople(input);
  const ms = performance.now() - t0;
  service.close();
  await store.close();
  process.stdout.write(
    JSON.stringify({
      database: kind,
      people: IMPORT_PEOPLE,
      ms: Math.round(ms),
      peoplePerS: Math.round(IMPORT_PEOPLE / (ms / 1000)),
      rssBeforeMiB: MiB(rssBefore),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      summary,
    }) + '\n',
  );
}

function database(): { url: string; stop(): void } {
  if (values['database-url']) return { url: values['database-url'], stop: () => {} };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-sync-pg-'));
  fs.chmodSync(dir, 0o755);
  const port = String(56000 + (process.pid % 4000));
  const url = execFileSync('scripts/pg-test-cluster.sh', ['start', path.join(dir, 'pg'), port], { encoding: 'utf8' }).trim();
  return {
    url,
    stop: () => {
      execFileSync('scripts/pg-test-cluster.sh', ['stop', path.join(dir, 'pg')]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (values['import-child']) {
  await importChild(values['import-child'], values['database-url']);
  process.exit(0);
}

const started = Date.now();
const load = sampleLoad();
const db = database();
try {
  const followed = await follow(db.url);
  log(`follow: ${JSON.stringify(followed.lagMs)}`);
  const imports = [];
  for (const kind of ['postgres', 'pglite']) {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/sync.ts', '--import-child', kind, '--import-people', String(IMPORT_PEOPLE), '--database-url', db.url],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
    );
    if (child.status !== 0) throw new Error(`the ${kind} import failed (status ${child.status})`);
    imports.push(JSON.parse(child.stdout.trim().split('\n').pop()!));
    log(`import: ${JSON.stringify(imports.at(-1))}`);
  }
  const out = {
    suite: 'sync',
    date: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 100) / 10,
    settings: {
      faces: FACES,
      facesPerPerson: FPP,
      rounds: ROUNDS,
      importPeople: IMPORT_PEOPLE,
      model: model.id,
      dims: model.dims,
      database: values['database-url'] ? 'postgres (given)' : 'postgres (scripts/pg-test-cluster.sh, defaults)',
      importBatchPeople: 500,
    },
    machine: { ...describeMachine('n/a'), load: load.stop() },
    results: { follow: followed, import: imports },
  };
  fs.mkdirSync(path.dirname(values.out!), { recursive: true });
  fs.writeFileSync(values.out!, JSON.stringify(out, null, 2) + '\n');
  log(`wrote ${values.out}`);
} finally {
  db.stop();
}
