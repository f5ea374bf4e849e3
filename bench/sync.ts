// Two servers on one PostgreSQL (issue 19): how long a change made on server A (an enrolment, a rename, a merge, a
// deletion) takes to be searchable, or gone, on server B, which follows the change log (gallery/sync.ts) through its
// LISTEN/NOTIFY bus; and a gallery file import of many one-face people (time, peak RSS) on PostgreSQL and on PGlite.
// The two servers are two stores, galleries (the server's default index), buses and gallery services in this process,
// each with its own connection pool to the database: exactly what each server process holds, without the models. The
// gallery is seeded by binary COPY with face-like vectors of the default model. Each import runs in a child process of
// its own (so its peak RSS is the import's): the service's importPeople, as POST /api/v1/gallery/import calls it after
// reading the file (file parsing and crops not included).
// Then B misses notifications: it hears nothing while A makes --missed changes, and how B converges is timed (through
// its poll, GALLERY_SYNC_POLL_MS, from the change log: no rebuild). The seeding (binary COPY, not the import API) is
// the same at any size, so --faces 1000000 --faces-per-person 10 is issue 19's 1M faces of 100k people.
// Usage: npx tsx bench/sync.ts [--faces 100000] [--faces-per-person 5] [--rounds 20] [--missed 40] [--import-people 20000]
//          [--import-faces-per-person 1] [--import-databases postgres,pglite] [--database-url URL] [--out bench/results/sync.json]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { DEFAULT_EMBEDDING_MODEL } from '../src/server/config.js';
import type { EventBus } from '../src/server/events/bus.js';
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
    missed: { type: 'string', default: '40' },
    'import-people': { type: 'string', default: '20000' },
    'import-faces-per-person': { type: 'string', default: '1' },
    /** Which databases the import runs on ("none": no import). */
    'import-databases': { type: 'string', default: 'postgres,pglite' },
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
const IMPORT_FPP = Number(values['import-faces-per-person']);
const MISSED = Number(values.missed);
const IMPORT_DATABASES = values['import-databases'] === 'none' ? [] : values['import-databases']!.split(',');
for (const [flag, n] of Object.entries({
  faces: FACES,
  'faces-per-person': FPP,
  rounds: ROUNDS,
  missed: MISSED,
  'import-people': IMPORT_PEOPLE,
  'import-faces-per-person': IMPORT_FPP,
}))
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag}: expected a whole number, got ${values[flag as keyof typeof values]}`);
for (const d of IMPORT_DATABASES) if (!['postgres', 'pglite'].includes(d)) throw new Error(`--import-databases: ${d} is neither postgres nor pglite`);
const model = resolveModel(DEFAULT_EMBEDDING_MODEL).manifest;
const log = (msg: string) => process.stderr.write(`[sync] ${msg}\n`);
const MiB = (b: number) => Math.round(b / 2 ** 20);

interface BenchServer {
  store: Store;
  gallery: Gallery;
  service: GalleryService;
  /** While true, this server hears nothing from the bus (its notifications are lost, as when NOTIFY drops them). */
  deaf: { on: boolean };
  close(): Promise<void>;
}

async function serverOn(url: string): Promise<BenchServer> {
  const store = await openStore({ databaseUrl: url, dataDir: MEMORY });
  const gallery = await createGallery({
    store,
    modelId: model.id,
    dims: model.dims,
    indexFactory: defaultIndexFactory(),
    changeHead: () => store.changes.head(),
  });
  const bus = await createPgBus({ channels: store.channels!, log: silentLogger });
  const deaf = { on: false };
  const heard: EventBus = {
    shared: bus.shared,
    publish: (e) => bus.publish(e),
    on: (type, handler) => bus.on(type, (async (...args: Parameters<typeof handler>) => void (deaf.on || (await handler(...args)))) as typeof handler),
    close: () => bus.close(),
  };
  const service = createGalleryService({ store, gallery, bus: heard, modelId: model.id, log: silentLogger });
  return {
    store,
    gallery,
    service,
    deaf,
    async close() {
      service.close();
      await bus.close();
      await store.close();
    },
  };
}

/** The part of each lag that A's own write took (the change committed and in A's index), by kind of change. */
const writeMs: Record<string, number[]> = { enrol: [], rename: [], merge: [], deletePerson: [] };
let lastWriteMs = 0;

/** Milliseconds from the start of `change` on A until `seen` holds on B (checked every event-loop turn). */
async function lag(change: () => Promise<unknown>, seen: () => boolean): Promise<number> {
  const t0 = performance.now();
  await change();
  lastWriteMs = performance.now() - t0;
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
  const set = faceLike({ dims: model.dims, people: people + 4 * (ROUNDS + 1) + 2 * MISSED + 2, facesPerPerson: FPP });
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
  const counted = (r: number, kind: keyof typeof lags) => (ms: number) => {
    if (r === 0) return;
    lags[kind].push(ms);
    writeMs[kind]!.push(lastWriteMs);
  };
  const faces = (p: number) => Array.from({ length: FPP }, (_, k) => ({ embedding: set.faces((people + p) * FPP + k, 1) }));
  // Round 0 warms both servers up (first queries, first notifications) and is not counted.
  for (let r = 0; r <= ROUNDS; r++) {
    const one = people + 4 * r;
    let x!: { personId: string; faceIds: string[] };
    counted(
      r,
      'enrol',
    )(
      await lag(
        async () => (x = await a.service.enrol(`Bench ${r}`, faces(one - people))),
        () => b.gallery.identify(set.faces(one * FPP, 1), 0.99)?.personId === x.personId,
      ),
    );
    counted(
      r,
      'rename',
    )(
      await lag(
        () => a.service.renamePerson(x.personId, `Bench renamed ${r}`),
        () => b.gallery.identify(set.faces(one * FPP, 1), 0.99)?.name === `Bench renamed ${r}`,
      ),
    );
    const y = await a.service.enrol(`Bench other ${r}`, faces(one - people + 1));
    counted(
      r,
      'merge',
    )(
      await lag(
        () => a.service.mergePeople(x.personId, y.personId),
        () => b.gallery.identify(set.faces((one + 1) * FPP, 1), 0.99)?.personId === x.personId,
      ),
    );
    counted(
      r,
      'deletePerson',
    )(
      await lag(
        () => a.service.deletePerson(x.personId),
        () => b.gallery.identify(set.faces(one * FPP, 1), 0.99)?.personId !== x.personId,
      ),
    );
  }
  const stats = b.service.syncStats();
  const builtDuringRounds = b.gallery.builds() - builds;
  const missed = await missNotifications(a, b, set, people + 4 * (ROUNDS + 1), faces);
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
    /** Of lagMs, the write on A alone: what B adds is the rest. */
    writeOnAMs: Object.fromEntries(Object.entries(writeMs).map(([k, v]) => [k, spread(v)])),
    fullReloadsOnB: stats.fullReloads,
    indexBuildsOnBDuringRounds: builtDuringRounds,
    changesAppliedOnB: stats.changesApplied,
    fullReloadMs: Math.round(reloadMs),
    rssMiB: MiB(process.memoryUsage().rss),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    missed,
  };
}

/**
 * B hears nothing while A enrols MISSED people, renames, merges and deletes some of them (about 2.5 changes a person);
 * then B is left to itself: the time until every change is searchable or gone there, whether it rebuilt, and how many
 * changes it applied. It catches up by its poll (GALLERY_SYNC_POLL_MS), as a server whose notifications were lost does.
 */
async function missNotifications(
  a: BenchServer,
  b: BenchServer,
  set: ReturnType<typeof faceLike>,
  firstPerson: number,
  faces: (p: number) => { embedding: Float32Array }[],
) {
  const before = b.service.syncStats();
  b.deaf.on = true;
  /** name null: the person was deleted, the probe must not find them. */
  const expect: { probe: number; personId: string; name: string | null }[] = [];
  const seeded = Math.ceil(FACES / FPP);
  for (let i = 0; i < MISSED; i++) {
    const p = firstPerson + 2 * i;
    const x = await a.service.enrol(`Missed ${i}`, faces(p - seeded));
    if (i % 4 === 1) {
      await a.service.renamePerson(x.personId, `Missed renamed ${i}`);
      expect.push({ probe: p * FPP, personId: x.personId, name: `Missed renamed ${i}` });
    } else if (i % 4 === 2) {
      const y = await a.service.enrol(`Missed other ${i}`, faces(p + 1 - seeded));
      await a.service.mergePeople(x.personId, y.personId);
      expect.push({ probe: (p + 1) * FPP, personId: x.personId, name: `Missed ${i}` });
    } else if (i % 4 === 3) {
      await a.service.deletePerson(x.personId);
      expect.push({ probe: p * FPP, personId: x.personId, name: null });
    } else expect.push({ probe: p * FPP, personId: x.personId, name: `Missed ${i}` });
  }
  // B's poll (GALLERY_SYNC_POLL_MS) does not hear the bus, so it may catch up on part of them while A is still writing.
  const logged = a.service.syncStats().applied - before.applied;
  const behindOnB = a.service.syncStats().applied - b.service.syncStats().applied;
  b.deaf.on = false;
  const t0 = performance.now();
  const converged = () =>
    expect.every((e) => {
      const hit = b.gallery.identify(set.faces(e.probe, 1), 0.99);
      return e.name === null ? hit?.personId !== e.personId : hit?.personId === e.personId && hit.name === e.name;
    });
  while (!converged()) {
    if (performance.now() - t0 > 60_000) throw new Error('B did not converge within 60 s of missing notifications');
    // Every 100 ms: each check is MISSED searches of B's index, and both servers share this process's event loop.
    await new Promise((r) => setTimeout(r, 100));
  }
  const after = b.service.syncStats();
  return {
    changesMissed: logged,
    behindOnB,
    convergedAfterMs: Math.round(performance.now() - t0),
    changesAppliedOnB: after.changesApplied - before.changesApplied,
    fullReloadsOnB: after.fullReloads - before.fullReloads,
    by: 'the poll (GALLERY_SYNC_POLL_MS, default 5000 ms), reading the change log',
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
  const set = faceLike({ dims: model.dims, people: IMPORT_PEOPLE, facesPerPerson: IMPORT_FPP });
  const input = Array.from({ length: IMPORT_PEOPLE }, (_, i) => ({
    name: `Imported ${i}`,
    faces: Array.from({ length: IMPORT_FPP }, (_, k) => ({ embedding: set.faces(i * IMPORT_FPP + k, 1), crop: null, quality: null })),
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
      faces: IMPORT_PEOPLE * IMPORT_FPP,
      ms: Math.round(ms),
      facesPerS: Math.round((IMPORT_PEOPLE * IMPORT_FPP) / (ms / 1000)),
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
  log(`of which the write on A: ${JSON.stringify(followed.writeOnAMs)}`);
  const imports = [];
  for (const kind of IMPORT_DATABASES) {
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/sync.ts',
        '--import-child',
        kind,
        '--import-people',
        String(IMPORT_PEOPLE),
        '--import-faces-per-person',
        String(IMPORT_FPP),
        '--database-url',
        db.url,
      ],
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
      missed: MISSED,
      importPeople: IMPORT_PEOPLE,
      importFacesPerPerson: IMPORT_FPP,
      importDatabases: IMPORT_DATABASES,
      seeding: 'binary COPY straight into PostgreSQL (bench/lib/seed-faces.ts), not the import API; the changes are then made through the gallery service',
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
