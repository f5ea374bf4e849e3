// Suite "import": a server-side folder import (`--faces DIR`, laid out <person>/<image>) while a camera streams at
// 15 fps, on a fresh server with default settings: the import's time per image and the camera before and during it.
import fs from 'node:fs';
import path from 'node:path';
import { recordedPath } from '../train/lib/args.js';
import { connectCamera, summariseRun, type CameraRun } from './lib/camera.js';
import { sceneFrames } from './lib/frames.js';
import { LIVE_SCENE } from './lib/people.js';
import { readJob, startFolderImport, type ImportJob } from './lib/rest.js';
import { spread } from './lib/stats.js';
import { serverSettings, startBenchServer, type SuiteContext, type SuiteOutput } from './lib/suite.js';
import { CAMERA_FPS } from './live.js';

const live = (run: CameraRun) => ({ ...summariseRun(run), roundTripMs: spread(run.answers.map((a) => a.rttMs)) });

export async function runImport(ctx: SuiteContext): Promise<SuiteOutput> {
  if (!ctx.facesDir)
    return { skipped: 'no face folder given: run `npm run bench -- --faces /path/to/faces` (laid out <person>/<image>)', settings: {}, results: {} };
  const dir = path.resolve(ctx.facesDir);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`import: ${dir} is not a directory`);
  const server = await startBenchServer();
  try {
    const frames = (await sceneFrames(LIVE_SCENE.photo, LIVE_SCENE.faces, 30)).map((f) => f.jpeg);
    const cam = await connectCamera(server.url, 'import');
    await cam.stream({ frames, fps: CAMERA_FPS, durationMs: 1000 });
    const before = await cam.stream({ frames, fps: CAMERA_FPS, durationMs: (ctx.quick ? 3 : 10) * 1000 });
    const t0 = performance.now();
    const jobUrl = await startFolderImport(server.url, dir);
    let job: ImportJob | undefined;
    let stop = false;
    // The camera streams until the job ends; the job is polled twice a second (well under RATE_LIMIT_PER_MINUTE).
    const during = cam.stream({ frames, fps: CAMERA_FPS, durationMs: 3_600_000, until: () => stop });
    while (!job || (job.state !== 'done' && job.state !== 'failed')) {
      await new Promise((r) => setTimeout(r, 500));
      job = await readJob(server.url, jobUrl);
    }
    const seconds = (performance.now() - t0) / 1000;
    stop = true;
    const duringRun = await during;
    cam.close();
    const reasons: Record<string, number> = {};
    for (const r of job.results) if (r.code) reasons[r.code] = (reasons[r.code] ?? 0) + 1;
    ctx.log(`import: ${job.total} files in ${seconds.toFixed(1)} s, ${job.accepted} accepted`);
    return {
      settings: {
        ...serverSettings(server),
        folder: recordedPath(dir),
        cameraFps: CAMERA_FPS,
      },
      results: {
        state: job.state,
        files: job.total,
        accepted: job.accepted,
        rejected: job.rejected,
        skipped: job.skipped ?? null,
        reasons,
        seconds: +seconds.toFixed(1),
        msPerFile: Math.round((seconds * 1000) / Math.max(1, job.total)),
        liveBefore: live(before),
        liveDuring: live(duringRun),
        serverRssMiB: server.rssMiB(),
      },
    };
  } finally {
    await server.stop();
  }
}
