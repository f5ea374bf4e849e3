// Suite "stalls" (issue 19, "one slow thing never stalls the rest"): one well-behaved camera at 15 fps, its round trip
// measured alone and then, in the same run on the same server, (1) while 5 hostile clients flood the server with
// pings and frames and read slowly (bench/lib/flooder.ts, a process of its own), (2) while a gallery file of a few
// thousand one-face people is imported through REST (POST /api/v1/gallery/import), (3) while a file of the same size is
// imported by the import job (POST /api/v1/imports/gallery). Each phase's p95 is compared with the idle p95 measured
// just before it: the targets are at most 1.5x.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { connectCamera, summariseRun, type Camera, type CameraRun } from './lib/camera.js';
import { sceneFrames } from './lib/frames.js';
import { LIVE_SCENE } from './lib/people.js';
import { startGalleryFileImport, waitJob } from './lib/rest.js';
import { round, spread } from './lib/stats.js';
import { serverSettings, startBenchServer, type SuiteContext, type SuiteOutput } from './lib/suite.js';
import { CAMERA_FPS, stageTimes } from './live.js';

export const FLOOD_CLIENTS = 5;
/** A phase may raise the camera's round-trip p95 to at most this many times its idle p95. */
export const MAX_P95_RATIO = 1.5;

// Server-side stage times beside the round trip: what the camera waited for (inference, or the event loop between stages).
const phase = (run: CameraRun) => ({ ...summariseRun(run), roundTripMs: spread(run.answers.map((a) => a.rttMs)), stages: stageTimes(run.answers) });
const loadNow = () => os.loadavg().map((x) => +x.toFixed(2));

/** A gallery export of `people` one-face people with random unit embeddings and no crop (docs/api.md, "Gallery file format"). */
export function galleryFile(modelId: string, dims: number, people: number): Uint8Array<ArrayBuffer> {
  const lines = [
    JSON.stringify({ type: 'header', format: 'facestream-gallery', version: 1, modelId, dims, exportedAt: new Date().toISOString(), people, faces: people }),
  ];
  const createdAt = new Date().toISOString();
  for (let p = 0; p < people; p++) {
    const v = new Float32Array(dims);
    let norm = 0;
    for (let i = 0; i < dims; i++) norm += (v[i] = Math.random() * 2 - 1) ** 2;
    for (let i = 0; i < dims; i++) v[i]! /= Math.sqrt(norm);
    const embedding = Buffer.from(v.buffer).toString('base64');
    lines.push(
      JSON.stringify({
        type: 'person',
        name: `Imported ${p} ${randomBytes(3).toString('hex')}`,
        createdAt,
        faces: [{ embedding, crop: null, quality: 0.9, createdAt }],
      }),
    );
  }
  return new Uint8Array(gzipSync(`${lines.join('\n')}\n`));
}

/** Starts the flooding clients (resolves once each has made its first attempt); stop() ends them and returns their counts. */
async function startFlood(url: string, frame: string, mode: 'pings+frames') {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/flooder.ts', url, String(FLOOD_CLIENTS), frame, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('stalls: the flooder did not start within 60 s')), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"started":true')) (clearTimeout(timer), resolve());
    });
    void exited.then(() => (clearTimeout(timer), reject(new Error('stalls: the flooder exited before it started'))));
  });
  return {
    async stop(): Promise<Record<string, unknown>> {
      child.kill('SIGTERM');
      await exited;
      const last = out.trim().split('\n').at(-1) ?? '';
      if (!last.startsWith('{') || last.includes('"started"')) throw new Error(`stalls: the flooder printed no counts: ${out.slice(-500)}`);
      return JSON.parse(last) as Record<string, unknown>;
    },
  };
}

async function idleThen<T>(cam: Camera, frames: Uint8Array[], seconds: number, during: () => Promise<{ run: CameraRun; extra: T }>) {
  const idle = await cam.stream({ frames, fps: CAMERA_FPS, durationMs: seconds * 1000 });
  const loadIdle = loadNow();
  const { run, extra } = await during();
  const a = phase(idle);
  const b = phase(run);
  return {
    idle: { ...a, loadavg: loadIdle },
    during: { ...b, loadavg: loadNow() },
    p95Ratio: round((b.roundTripMs.p95 ?? NaN) / (a.roundTripMs.p95 ?? NaN), 2),
    extra,
  };
}

export async function runStalls(ctx: SuiteContext): Promise<SuiteOutput> {
  const seconds = ctx.quick ? 4 : 15;
  // 10,000 people take ~8 s to import here: ~120 frames of the camera, so the p95 is not its 2nd-worst frame.
  const importPeople = ctx.quick ? 1000 : 10_000;
  const server = await startBenchServer();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-stalls-'));
  try {
    const frames = (await sceneFrames(LIVE_SCENE.photo, LIVE_SCENE.faces, 30)).map((f) => f.jpeg);
    const framePath = path.join(tmp, 'frame.jpg');
    fs.writeFileSync(framePath, frames[0]!);
    const cam = await connectCamera(server.url, 'steady');
    await cam.stream({ frames, fps: CAMERA_FPS, durationMs: 2000 }); // the track is made and named before measuring

    const flood = await idleThen(cam, frames, seconds, async () => {
      const flooders = await startFlood(server.url, framePath, 'pings+frames');
      await new Promise((r) => setTimeout(r, 1000)); // the flood is under way before the measurement
      const run = await cam.stream({ frames, fps: CAMERA_FPS, durationMs: seconds * 1000 });
      return { run, extra: await flooders.stop() };
    });
    ctx.log(`stalls: flood: p95 ${flood.idle.roundTripMs.p95} ms idle, ${flood.during.roundTripMs.p95} ms flooded (${flood.p95Ratio}x)`);
    await cam.stream({ frames, fps: CAMERA_FPS, durationMs: 2000 }); // the flood's sockets are gone

    const health = (await (await fetch(`${server.url}/health`)).json()) as { gallery?: { modelId?: string; dims?: number } };
    const modelId = health.gallery?.modelId;
    const dims = health.gallery?.dims;
    if (!modelId || !dims) throw new Error(`stalls: /health names no gallery model: ${JSON.stringify(health.gallery)}`);
    const file = galleryFile(modelId, dims, importPeople);
    const imported = await idleThen(cam, frames, seconds, async () => {
      let done = false;
      const t0 = performance.now();
      const form = new FormData();
      form.append('file', new Blob([file], { type: 'application/gzip' }), 'gallery.jsonl.gz');
      const request = fetch(`${server.url}/api/v1/gallery/import`, { method: 'POST', body: form }).then(async (r) => {
        done = true;
        return { status: r.status, body: (await r.json()) as Record<string, unknown>, seconds: round((performance.now() - t0) / 1000, 1) };
      });
      const run = await cam.stream({ frames, fps: CAMERA_FPS, durationMs: 3_600_000, until: () => done });
      return { run, extra: { ...(await request), people: importPeople, fileMiB: round(file.byteLength / 2 ** 20, 2) } };
    });
    ctx.log(`stalls: import: p95 ${imported.idle.roundTripMs.p95} ms idle, ${imported.during.roundTripMs.p95} ms importing (${imported.p95Ratio}x)`);

    // The same size of file through the import job, the way docs/api.md says to import a big gallery (streamed to
    // disk, committed in batches): what a camera sees during a 1M-face import, at a size the suite can run.
    const jobFile = galleryFile(modelId, dims, importPeople);
    const jobImported = await idleThen(cam, frames, seconds, async () => {
      let done = false;
      const t0 = performance.now();
      const request = (async () => {
        const job = await waitJob(server.url, await startGalleryFileImport(server.url, jobFile));
        return { job, seconds: round((performance.now() - t0) / 1000, 1) };
      })().finally(() => (done = true));
      const run = await cam.stream({ frames, fps: CAMERA_FPS, durationMs: 3_600_000, until: () => done });
      const { job, seconds: took } = await request;
      return {
        run,
        extra: {
          state: job.state,
          accepted: job.accepted,
          error: job.error,
          seconds: took,
          people: importPeople,
          fileMiB: round(jobFile.byteLength / 2 ** 20, 2),
        },
      };
    });
    ctx.log(
      `stalls: import job: p95 ${jobImported.idle.roundTripMs.p95} ms idle, ${jobImported.during.roundTripMs.p95} ms importing (${jobImported.p95Ratio}x)`,
    );
    cam.close();
    return {
      settings: {
        ...serverSettings(server),
        cameraFps: CAMERA_FPS,
        seconds,
        scene: LIVE_SCENE.photo,
        flood: {
          clients: FLOOD_CLIENTS,
          sends: 'pings and frames as fast as each socket takes them, no answer awaited',
          reads: 'socket paused, read 20 ms a second',
        },
        import: { people: importPeople, facesPerPerson: 1, via: 'POST /api/v1/gallery/import (random unit embeddings, no crops)' },
        importJob: {
          people: importPeople,
          facesPerPerson: 1,
          via: 'POST /api/v1/imports/gallery, the job polled until done (random unit embeddings, no crops)',
        },
      },
      targets: { floodP95Ratio: MAX_P95_RATIO, importP95Ratio: MAX_P95_RATIO },
      results: {
        flood: { idle: flood.idle, flooded: flood.during, p95Ratio: flood.p95Ratio, flooders: flood.extra },
        import: { idle: imported.idle, importing: imported.during, p95Ratio: imported.p95Ratio, request: imported.extra },
        importJob: { idle: jobImported.idle, importing: jobImported.during, p95Ratio: jobImported.p95Ratio, job: jobImported.extra },
        serverRssMiB: server.rssMiB(),
      },
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await server.stop();
  }
}
