// Ready time: how long the server (npm start, default settings) takes from its spawn to /ready answering 200, with a
// gallery of N faces in PostgreSQL, cold (no saved index: every embedding read and the index built) and warm (the index
// saved at the previous shutdown, checked against the database and loaded). The database is seeded in bulk with binary
// COPY, with face-like vectors of the default model's dimension; a throwaway cluster is started unless --database-url.
// Usage: npx tsx bench/ready.ts [--sizes 100000,1000000] [--faces-per-person 5] [--database-url URL] [--out bench/results/ready.json]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { DEFAULT_EMBEDDING_MODEL } from '../src/server/config.js';
import { openStore } from '../src/server/store/db.js';
import { resolveModel } from '../src/server/vision/models.js';
import { faceLike } from './face-like.js';
import { seedFaces } from './lib/seed-faces.js';
import { startServerProcess } from './lib/server-process.js';
import { describeMachine, sampleLoad } from './lib/machine.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    'faces-per-person': { type: 'string', default: '5' },
    'database-url': { type: 'string' },
    out: { type: 'string', default: 'bench/results/ready.json' },
  },
});
const sizes = values.sizes!.split(',').map(Number);
const FPP = Number(values['faces-per-person']);
const model = resolveModel(DEFAULT_EMBEDDING_MODEL).manifest;
const log = (msg: string) => process.stderr.write(`[ready] ${msg}\n`);

/** A throwaway cluster (scripts/pg-test-cluster.sh) on a free port, unless the caller gave a database. */
function database(): { url: string; stop(): void } {
  if (values['database-url']) return { url: values['database-url'], stop: () => {} };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-ready-pg-'));
  const port = String(56000 + (process.pid % 4000));
  const url = execFileSync('scripts/pg-test-cluster.sh', ['start', dir, port], { encoding: 'utf8' }).trim();
  return {
    url,
    stop: () => {
      execFileSync('scripts/pg-test-cluster.sh', ['stop', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The server's JSON log lines with this message. */
function logLines(stderr: string, msg: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    })
    .filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith(msg));
}

async function startAndStop(url: string, indexDir: string) {
  const server = await startServerProcess({ DATABASE_URL: url, GALLERY_INDEX_DIR: indexDir, LOG_LEVEL: 'info' }, 900_000);
  const rssMiB = server.rssMiB();
  const text = server.log();
  const t0 = performance.now();
  await server.stop(); // SIGTERM: the server saves its index if it changed (a cold start's rebuild did)
  const loaded = logLines(text, 'gallery: loaded the saved index')[0];
  const rebuilt = logLines(text, 'gallery: rebuilding the index from the database')[0];
  return {
    readyS: +(server.startupMs / 1000).toFixed(2),
    modelsLoadS: +(Number(logLines(text, 'models ready')[0]?.loadMs ?? NaN) / 1000).toFixed(2),
    indexLoadS: loaded ? +(Number(loaded.ms) / 1000).toFixed(2) : null,
    rebuiltBecause: rebuilt ? String(rebuilt.msg).replace('gallery: rebuilding the index from the database: ', '') : null,
    galleryFaces: Number(logLines(text, 'gallery loaded')[0]?.faces ?? NaN),
    rssMiB,
    stopS: +((performance.now() - t0) / 1000).toFixed(2),
  };
}

const load = sampleLoad();
const started = new Date();
const db = database();
const runs: Record<string, unknown>[] = [];
try {
  for (const faces of sizes) {
    const admin = postgres(db.url, { max: 1, onnotice: () => {} });
    await admin.unsafe('drop schema if exists public cascade; create schema public; drop schema if exists drizzle cascade');
    await (await openStore({ databaseUrl: db.url, dataDir: os.tmpdir() })).close(); // migrations
    const t0 = performance.now();
    const data = faceLike({ dims: model.dims, people: Math.ceil(faces / FPP), facesPerPerson: FPP, seed: 21 });
    await seedFaces(admin, { modelId: model.id, dims: model.dims, faces, facesPerPerson: FPP, vectors: (from, n) => data.faces(from, n) });
    await admin.unsafe('analyze');
    const seedS = +((performance.now() - t0) / 1000).toFixed(1);
    const [size] = await admin<{ bytes: string }[]>`select pg_total_relation_size('faces')::text as bytes`;
    await admin.end();
    log(`${faces} faces seeded in ${seedS} s (faces table ${Math.round(Number(size?.bytes) / 2 ** 20)} MiB)`);
    const indexDir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-ready-index-'));
    try {
      for (const start of ['cold', 'warm'] as const) {
        const run = await startAndStop(db.url, indexDir);
        const files = fs.readdirSync(indexDir).filter((f) => f.endsWith('.index'));
        const indexFileMiB = files.length ? Math.round(fs.statSync(path.join(indexDir, files[0]!)).size / 2 ** 20) : null;
        runs.push({ faces, database: 'postgres', start, ...run, indexFileMiB, seedS });
        log(`${faces} faces, ${start}: ready in ${run.readyS} s (${JSON.stringify(run)})`);
      }
    } finally {
      fs.rmSync(indexDir, { recursive: true, force: true });
    }
  }
} finally {
  db.stop();
}

const file = {
  suite: 'ready',
  date: started.toISOString(),
  durationS: +((Date.now() - started.getTime()) / 1000).toFixed(1),
  settings: { sizes, facesPerPerson: FPP, model: model.id, dims: model.dims, database: 'postgres (scripts/pg-test-cluster.sh, defaults)' },
  machine: { ...describeMachine('n/a'), load: load.stop() },
  results: { runs },
};
fs.mkdirSync(path.dirname(values.out!), { recursive: true });
fs.writeFileSync(values.out!, `${JSON.stringify(file, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(file.results)}\n`);
