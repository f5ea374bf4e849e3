// Suite "live": one camera at 15 fps, paced as the browser client paces it, streaming 640x480 frames of one enrolled
// face to a server with default settings: round trip, fps achieved, dropped share, stage times, time to name, memory.
import { connectCamera, summariseRun, type Answer } from './lib/camera.js';
import { sceneFrames } from './lib/frames.js';
import { LIVE_SCENE } from './lib/people.js';
import { pct, round, spread } from './lib/stats.js';
import { serverSettings, type SuiteContext, type SuiteOutput } from './lib/suite.js';

export const CAMERA_FPS = 15;
/** A camera "holds" 15 fps when at least this many of its frames a second are answered. */
export const HOLDS_FPS = 14.25;

/** Stage times of the answered frames (server side, from each overlay's `timings`). */
export function stageTimes(answers: Answer[]) {
  const t = answers.map((a) => a.overlay.timings);
  const embedded = t.filter((x) => x.embed > 0.01);
  // Frames answered with the tracker's prediction (DETECT_INTERVAL_MS) ran no decode or detection: the stage times of
  // those two stages are over the detected frames only, and the round trip of detected frames is given on its own.
  const detected = answers.filter((a) => !a.overlay.predicted);
  const d = detected.map((a) => a.overlay.timings);
  const p = (xs: number[]) => ({ p50: round(pct(xs, 50)), p95: round(pct(xs, 95)) });
  return {
    queueMs: p(t.map((x) => x.queue)),
    decodeMs: p(d.map((x) => x.decode)),
    detectMs: p(d.map((x) => x.detect)),
    embedWhenRunMs: p(embedded.map((x) => x.embed)),
    serverTotalMs: p(t.map((x) => x.total)),
    framesEmbeddedShare: t.length ? +(embedded.length / t.length).toFixed(3) : null,
    framesPredictedShare: t.length ? +((t.length - d.length) / t.length).toFixed(3) : null,
    roundTripDetectedMs: p(detected.map((a) => a.rttMs)),
  };
}

export async function runLive(ctx: SuiteContext): Promise<SuiteOutput> {
  const server = await ctx.server();
  const name = LIVE_SCENE.faces[0]!.name;
  const frames = (await sceneFrames(LIVE_SCENE.photo, LIVE_SCENE.faces, 30)).map((f) => f.jpeg);
  const seconds = ctx.quick ? 4 : 20;

  // Time to name: a fresh camera (no tracks yet) streams until an overlay carries the name.
  const timeToName: number[] = [];
  for (let i = 0; i < (ctx.quick ? 2 : 5); i++) {
    const cam = await connectCamera(server.url, `name-${i}`);
    let namedAt: number | null = null;
    await cam.stream({ frames, fps: CAMERA_FPS, durationMs: 10_000, until: (a) => a.overlay.tracks.some((t) => t.name === name) && ((namedAt = a.at), true) });
    cam.close();
    if (namedAt === null) throw new Error(`live: ${name} was not named within 10 s`);
    timeToName.push(namedAt);
  }

  const cam = await connectCamera(server.url, 'live');
  await cam.stream({ frames, fps: CAMERA_FPS, durationMs: 1000 }); // the track is made and named before measuring
  const cpu0 = server.cpuSeconds();
  const run = await cam.stream({ frames, fps: CAMERA_FPS, durationMs: seconds * 1000 });
  const cpuUsed = server.cpuSeconds() - cpu0;
  const cpuShare = cpuUsed / (run.durationMs / 1000);
  cam.close();
  const named = run.answers.filter((a) => a.overlay.tracks.some((t) => t.name === name)).length;
  const summary = summariseRun(run);
  const rtt = spread(run.answers.map((a) => a.rttMs));
  ctx.log(`live: ${summary.fps} fps, round trip p50 ${rtt.p50} / p95 ${rtt.p95} / p99 ${rtt.p99} ms, dropped ${(100 * summary.droppedShare).toFixed(1)}%`);
  return {
    settings: {
      ...serverSettings(server),
      cameraFps: CAMERA_FPS,
      holdsFps: HOLDS_FPS,
      seconds,
      frame: '640x480 JPEG q80',
      scene: LIVE_SCENE.photo,
      enrolled: server.enrolled,
    },
    targets: { fps: CAMERA_FPS, roundTripP50Ms: 50, roundTripP95Ms: 100 },
    results: {
      ...summary,
      roundTripMs: rtt,
      stages: stageTimes(run.answers),
      namedShare: run.answers.length ? +(named / run.answers.length).toFixed(3) : null,
      timeToNameMs: spread(timeToName),
      serverCpuShare: +cpuShare.toFixed(2),
      // Load-independent: what a frame costs the server, whatever else the machine runs.
      serverCpuMsPerFrame: run.answers.length ? round((1000 * cpuUsed) / run.answers.length) : null,
      serverStartupS: +(server.startupMs / 1000).toFixed(1),
      serverRssMiB: server.rssMiB(),
      backend: server.backend,
    },
  };
}
