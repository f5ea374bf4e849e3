// Gallery file import at scale as a job (issue 19): writes an export file of --faces faces (--faces-per-person a
// person, random unit embeddings of the server's model, no crops) to disk, then streams it as the body of
// POST /api/v1/imports/gallery to a server in its own process (as `npm start` runs it, default settings) on an empty
// PostgreSQL database, and polls the job to the end: the upload's time, the job's time and progress (people committed
// over time), the server's peak RSS (sampled every 250 ms, and VmHWM), and the database's counts afterwards.
// Meanwhile one camera streams a real clip at 15 fps: its round trip idle (IDLE_WINDOW_MS before the upload) and during the upload
// and the job (the target: p95 within 1.5x of idle), and its longest wait for an answer.
// Usage: nice -n 10 npx tsx bench/gallery-import.ts --database-url URL [--faces 1000000] [--faces-per-person 10]
//          [--out bench/results/gallery-import.json]   (URL: an empty database; it is not cleaned)
//        npx tsx bench/gallery-import.ts --database pglite --faces 100000   (writes bench/results/gallery-import-pglite.json)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import postgres from 'postgres';
import { gaussian } from './face-like.js';
import { cameraFigures, connectCamera, IDLE_WINDOW_MS } from './lib/camera.js';
import { idleBaseline } from './lib/stats.js';
import { sceneFrames } from './lib/frames.js';
import { describeMachine, flushToDisk, sampleLoad } from './lib/machine.js';
import { LIVE_SCENE } from './lib/people.js';
import { startServerProcess } from './lib/server-process.js';
import { CAMERA_FPS } from './live.js';

const { values } = parseArgs({
  options: {
    /** postgres (needs --database-url, an empty database) or pglite (the embedded default, in a fresh DATA_DIR). */
    database: { type: 'string', default: 'postgres' },
    'database-url': { type: 'string' },
    faces: { type: 'string', default: '1000000' },
    'faces-per-person': { type: 'string', default: '10' },
    /** Default: bench/results/gallery-import.json, or gallery-import-pglite.json with --database pglite. */
    out: { type: 'string' },
  },
});
const DATABASE = values.database!;
if (DATABASE !== 'postgres' && DATABASE !== 'pglite') throw new Error(`--database: ${DATABASE} is neither postgres nor pglite`);
const url = values['database-url'];
if (DATABASE === 'postgres' && !url) throw new Error('--database-url (an empty database) is required with --database postgres');
const FACES = Number(values.faces);
const FPP = Number(values['faces-per-person']);
if (!(FACES >= FPP && FPP >= 1)) throw new Error('--faces must be at least --faces-per-person, which must be at least 1');
const PEOPLE = Math.floor(FACES / FPP);
const log = (msg: string) => process.stderr.write(`[gallery-import] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const started = Date.now();
const load = sampleLoad();

/** GET with a retry: a poll can meet a kept-alive socket the server is closing (ECONNRESET), which is not the job's doing. */
async function readJob(url: string): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await (await fetch(url)).json();
    } catch (err) {
      if (attempt >= 5) throw err;
      log(`poll failed (${String(err)}), retrying`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

const server = await startServerProcess(DATABASE === 'postgres' ? { DATABASE_URL: url! } : {}, 900_000);
log(`server ready, RSS ${server.rssMiB()} MiB`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-gimport-'));
const file = path.join(dir, 'gallery.jsonl.gz');
let results: Record<string, unknown>;
try {
  // The model's id and dimensions, from an (empty) export's header.
  const exported = Buffer.from(await (await fetch(`${server.url}/api/v1/gallery/export`)).arrayBuffer());
  const model = JSON.parse(zlib.gunzipSync(exported).toString().split('\n')[0]!) as { modelId: string; dims: number };

  const g0 = performance.now();
  const gzip = zlib.createGzip({ level: 1 });
  const sink = fs.createWriteStream(file);
  gzip.pipe(sink);
  const write = (s: string) => (gzip.write(s) ? Promise.resolve() : new Promise<void>((r) => gzip.once('drain', () => r())));
  const rnd = gaussian(19);
  const createdAt = new Date().toISOString();
  await write(JSON.stringify({ type: 'header', format: 'facestream-gallery', version: 1, ...model, people: PEOPLE, faces: PEOPLE * FPP }) + '\n');
  for (let p = 0; p < PEOPLE; p++) {
    const faces = [];
    for (let f = 0; f < FPP; f++) {
      const v = Float32Array.from({ length: model.dims }, rnd);
      const n = Math.hypot(...v);
      for (let k = 0; k < v.length; k++) v[k]! /= n;
      faces.push({ embedding: Buffer.from(v.buffer).toString('base64'), crop: null, quality: 0.9, createdAt });
    }
    await write(JSON.stringify({ type: 'person', name: `Person ${String(p).padStart(7, '0')}`, createdAt, faces }) + '\n');
  }
  gzip.end();
  await new Promise<void>((r) => sink.once('finish', () => r()));
  flushToDisk(file); // before the idle window: the kernel flushing 1.2 GB meanwhile disturbed it
  const fileBytes = fs.statSync(file).size;
  log(`file: ${PEOPLE} people, ${PEOPLE * FPP} faces, ${(fileBytes / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - g0) / 1000).toFixed(0)} s`);

  const frames = (await sceneFrames(LIVE_SCENE.photo, LIVE_SCENE.faces, 30)).map((f) => f.jpeg);
  const cam = await connectCamera(server.url, 'gallery-import');
  await cam.stream({ frames, fps: CAMERA_FPS, durationMs: 2000 });
  const idle = await cam.stream({ frames, fps: CAMERA_FPS, durationMs: IDLE_WINDOW_MS });
  let cameraStop = false;
  const during = cam.stream({ frames, fps: CAMERA_FPS, durationMs: 4 * 3_600_000, until: () => cameraStop });

  const rssBefore = server.rssMiB();
  let rssMax = rssBefore;
  const timer = setInterval(() => (rssMax = Math.max(rssMax, server.rssMiB() || 0)), 250);
  const u0 = performance.now();
  const res = await fetch(`${server.url}/api/v1/imports/gallery`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/gzip' },
    body: Readable.toWeb(fs.createReadStream(file)) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  if (res.status !== 202) throw new Error(`import: HTTP ${res.status} ${await res.text()}`);
  const uploadMs = performance.now() - u0;
  const jobUrl = ((await res.json()) as { url: string }).url;
  type Job = { state: string; processed: number; accepted: number; skipped: number; checkpointLine: number; error: string | null; attempts: number };
  const progress: { s: number; processed: number }[] = [];
  let job: Job;
  for (;;) {
    job = (await readJob(server.url + jobUrl)) as Job;
    const s = +((performance.now() - u0) / 1000).toFixed(1);
    if (progress.length === 0 || s - progress[progress.length - 1]!.s >= 10 || job.state === 'done' || job.state === 'failed') {
      progress.push({ s, processed: job.processed });
      log(`${job.state}: ${job.processed}/${PEOPLE} people, RSS ${server.rssMiB()} MiB`);
    }
    if (job.state === 'done' || job.state === 'failed') break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const totalMs = performance.now() - u0;
  clearInterval(timer);
  cameraStop = true;
  const duringRun = await during;
  const idleAfter = await cam.stream({ frames, fps: CAMERA_FPS, durationMs: IDLE_WINDOW_MS });
  cam.close();
  const camera = { idle: cameraFigures(idle), during: cameraFigures(duringRun), idleAfter: cameraFigures(idleAfter) };
  const { idleP95, p95Ratio } = idleBaseline(camera);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'));
  let counts: unknown;
  if (DATABASE === 'postgres') {
    const sql = postgres(url!, { max: 1, onnotice: () => {} });
    [counts] = await sql`select (select count(*)::int from people) as people, (select count(*)::int from faces) as faces`;
    await sql.end();
  } else {
    // The embedded database is the server's own, so no second client opens it: the counts of the gallery /health reports.
    const health = (await (await fetch(`${server.url}/health`)).json()) as { gallery: { people: number; faces: number } };
    counts = { people: health.gallery.people, faces: health.gallery.faces };
  }
  results = {
    people: PEOPLE,
    faces: PEOPLE * FPP,
    fileMiB: Math.round(fileBytes / 2 ** 20),
    uploadMs: Math.round(uploadMs),
    totalMs: Math.round(totalMs),
    facesPerS: Math.round((PEOPLE * FPP) / (totalMs / 1000)),
    job: { state: job.state, error: job.error, processed: job.processed, accepted: job.accepted, skipped: job.skipped, checkpointLine: job.checkpointLine },
    stored: counts,
    serverRssBeforeMiB: rssBefore,
    serverRssMaxMiB: rssMax,
    serverVmHwmMiB: hwm ? Math.round(Number(hwm[1]) / 1024) : null,
    camera: { ...camera, idleP95, p95Ratio },
    progress,
  };
  log(JSON.stringify(results));
} finally {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

const out = {
  suite: 'gallery-import',
  date: new Date(started).toISOString(),
  durationS: Math.round((Date.now() - started) / 1000),
  settings: {
    command: `npx tsx bench/gallery-import.ts --database ${DATABASE} --faces ${FACES} --faces-per-person ${FPP}`,
    server: `dist/server/main.js in its own process, default settings (GALLERY_IMPORT_BATCH_PEOPLE 500)${DATABASE === 'postgres' ? ', DATABASE_URL set' : ''}`,
    path: 'POST /api/v1/imports/gallery: the file streamed as the body, spooled to disk, read and committed by the job',
    file: 'gzip (level 1) JSON lines, random unit embeddings of the server model, no crops',
    database: DATABASE === 'postgres' ? 'PostgreSQL 15 (scripts/pg-test-cluster.sh, defaults), an empty database' : 'PGlite (the default), a fresh DATA_DIR',
    camera: `one camera streaming ${LIVE_SCENE.photo} at ${CAMERA_FPS} fps: idle for ${IDLE_WINDOW_MS / 1000} s before the upload, then through the upload and the job, then idle ${IDLE_WINDOW_MS / 1000} s again; the ratio is to the lower idle p95`,
  },
  machine: { ...describeMachine('n/a'), load: load.stop() },
  results,
};
const outFile = values.out ?? `bench/results/gallery-import${DATABASE === 'pglite' ? '-pglite' : ''}.json`;
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, JSON.stringify(out, null, 2) + '\n');
log(`wrote ${outFile}`);
process.exit(0);
