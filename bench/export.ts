// Gallery export and file import at scale (issue 19): a server (its own process, as `npm start` runs it, default
// settings) on a PostgreSQL already holding the gallery (e.g. the 1M faces bench/gallery-import.ts imported, or those
// bench/sync.ts seeded and left there; --database-note says which), while
// one camera streams a real clip at 15 fps. Times GET /api/v1/gallery/export streamed to a file, samples the server's
// RSS meanwhile (every 250 ms), and the camera's round trip before, during and after (idle windows of IDLE_WINDOW_MS). Then POSTs that file to
// /api/v1/gallery/import of a second server on an empty database, and records what it answers (at 1M faces the file
// is larger than MAX_IMPORT_BYTES: the answer is the limit's error).
// Usage: npx tsx bench/export.ts --database-url URL --import-database-url URL2 [--out bench/results/export.json]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { cameraFigures, connectCamera, IDLE_WINDOW_MS } from './lib/camera.js';
import { idleBaseline } from './lib/stats.js';
import { sceneFrames } from './lib/frames.js';
import { describeMachine, flushToDisk, sampleLoad } from './lib/machine.js';
import { LIVE_SCENE } from './lib/people.js';
import { startServerProcess, type ServerProcess } from './lib/server-process.js';
import { CAMERA_FPS } from './live.js';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    'import-database-url': { type: 'string' },
    /** Where the gallery in --database-url came from, for the report. */
    'database-note': { type: 'string', default: 'the gallery bench/sync.ts seeded (binary COPY) and changed' },
    out: { type: 'string', default: 'bench/results/export.json' },
  },
});
if (!values['database-url'] || !values['import-database-url']) throw new Error('--database-url and --import-database-url are required');
const log = (msg: string) => process.stderr.write(`[export] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const started = Date.now();
const load = sampleLoad();

/** Samples `server`'s RSS every 250 ms while `work` runs: the largest and the one before. */
async function watchRss<T>(server: ServerProcess, work: () => Promise<T>) {
  const before = server.rssMiB();
  let max = before;
  const timer = setInterval(() => (max = Math.max(max, server.rssMiB() || 0)), 250);
  try {
    return { value: await work(), rssBeforeMiB: before, rssMaxMiB: max };
  } finally {
    clearInterval(timer);
  }
}

const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-export-')), 'gallery.jsonl.gz');
const t0 = performance.now();
const server = await startServerProcess({ DATABASE_URL: values['database-url'] }, 900_000);
const readyS = (performance.now() - t0) / 1000;
log(`server ready in ${readyS.toFixed(1)} s, RSS ${server.rssMiB()} MiB`);
let exportResult: Record<string, unknown>;
let importResult: Record<string, unknown>;
try {
  const frames = (await sceneFrames(LIVE_SCENE.photo, LIVE_SCENE.faces, 30)).map((f) => f.jpeg);
  const cam = await connectCamera(server.url, 'export');
  await cam.stream({ frames, fps: CAMERA_FPS, durationMs: 2000 });
  const idle = await cam.stream({ frames, fps: CAMERA_FPS, durationMs: IDLE_WINDOW_MS });
  let stop = false;
  const during = cam.stream({ frames, fps: CAMERA_FPS, durationMs: 3_600_000, until: () => stop });
  const e0 = performance.now();
  let firstByteMs = NaN;
  const watched = await watchRss(server, async () => {
    const res = await fetch(`${server.url}/api/v1/gallery/export`);
    if (!res.ok) throw new Error(`export: HTTP ${res.status} ${await res.text()}`);
    firstByteMs = performance.now() - e0;
    await pipeline(Readable.fromWeb(res.body as never), fs.createWriteStream(file));
  });
  const exportMs = performance.now() - e0;
  stop = true;
  const duringRun = await during;
  flushToDisk(file); // before the idle window after the export
  const idleAfter = await cam.stream({ frames, fps: CAMERA_FPS, durationMs: IDLE_WINDOW_MS });
  cam.close();
  const camera = { idle: cameraFigures(idle), during: cameraFigures(duringRun), idleAfter: cameraFigures(idleAfter) };
  // Read back: the header's counts against the person lines (the file is checked, not only its size).
  let header: { people: number; faces: number } | null = null;
  let lines = 0;
  let faces = 0;
  let rest = '';
  for await (const chunk of fs.createReadStream(file).pipe(zlib.createGunzip())) {
    const parts = (rest + String(chunk)).split('\n');
    rest = parts.pop()!;
    for (const l of parts) {
      if (!header) header = JSON.parse(l);
      else {
        lines++;
        faces += (l.match(/"embedding"/g) ?? []).length;
      }
    }
  }
  const bytes = fs.statSync(file).size;
  exportResult = {
    ms: Math.round(exportMs),
    firstByteMs: Math.round(firstByteMs),
    fileMiB: Math.round(bytes / 2 ** 20),
    header,
    personLines: lines,
    faces,
    complete: header !== null && header.people === lines && header.faces === faces,
    serverRssBeforeMiB: watched.rssBeforeMiB,
    serverRssMaxMiB: watched.rssMaxMiB,
    camera: { ...camera, ...idleBaseline(camera) },
  };
  log(`export: ${JSON.stringify(exportResult)}`);
} finally {
  await server.stop();
}

const importer = await startServerProcess({ DATABASE_URL: values['import-database-url'] }, 900_000);
try {
  const i0 = performance.now();
  const watched = await watchRss(importer, async () => {
    const form = new FormData();
    form.append('file', await fs.openAsBlob(file, { type: 'application/gzip' }), 'gallery.jsonl.gz');
    const res = await fetch(`${importer.url}/api/v1/gallery/import`, { method: 'POST', body: form });
    return { status: res.status, body: (await res.text()).slice(0, 1000) };
  });
  importResult = {
    fileMiB: Math.round(fs.statSync(file).size / 2 ** 20),
    maxImportMiB: Math.round(importer.config.MAX_IMPORT_BYTES / 2 ** 20),
    ms: Math.round(performance.now() - i0),
    ...watched.value,
    serverRssBeforeMiB: watched.rssBeforeMiB,
    serverRssMaxMiB: watched.rssMaxMiB,
  };
  log(`import: ${JSON.stringify(importResult)}`);
} finally {
  await importer.stop();
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

const out = {
  suite: 'export',
  date: new Date(started).toISOString(),
  durationS: Math.round((Date.now() - started) / 1000),
  settings: {
    server: 'dist/server/main.js in its own process, default settings, DATABASE_URL set',
    database: `PostgreSQL holding ${values['database-note']}`,
    importDatabase: 'an empty database on the same cluster',
    cameraFps: CAMERA_FPS,
    camera: `one camera streaming ${LIVE_SCENE.photo}: idle for ${IDLE_WINDOW_MS / 1000} s, through the export, then idle ${IDLE_WINDOW_MS / 1000} s again; the ratio is to the lower idle p95`,
    serverReadyS: +readyS.toFixed(1),
  },
  machine: { ...describeMachine('n/a'), load: load.stop() },
  results: { export: exportResult, import: importResult },
};
fs.mkdirSync(path.dirname(values.out!), { recursive: true });
fs.writeFileSync(values.out!, JSON.stringify(out, null, 2) + '\n');
log(`wrote ${values.out}`);
process.exit(0);
