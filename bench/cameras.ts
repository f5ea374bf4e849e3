// Suite "cameras": 1, 2, 3 and 4 cameras streaming at 15 fps each at once into one server with default settings: fps
// each, round trip p95, dropped share, server CPU, and the most cameras that all hold 15 fps.
import { connectCamera, summariseRun } from './lib/camera.js';
import { sceneFrames } from './lib/frames.js';
import { LIVE_SCENE } from './lib/people.js';
import { round, spread } from './lib/stats.js';
import { serverSettings, type SuiteContext, type SuiteOutput } from './lib/suite.js';
import { CAMERA_FPS, HOLDS_FPS, stageTimes } from './live.js';

export async function runCameras(ctx: SuiteContext): Promise<SuiteOutput> {
  const server = await ctx.server();
  const frames = (await sceneFrames(LIVE_SCENE.photo, LIVE_SCENE.faces, 30)).map((f) => f.jpeg);
  const seconds = ctx.quick ? 4 : 15;
  const levels = [];
  for (const n of [1, 2, 3, 4]) {
    const cams = await Promise.all(Array.from({ length: n }, (_, i) => connectCamera(server.url, `cam-${n}-${i}`)));
    // Each camera's track is made and named before the measurement starts.
    await Promise.all(cams.map((c) => c.stream({ frames, fps: CAMERA_FPS, durationMs: 1500 })));
    const cpu0 = server.cpuSeconds();
    const t0 = performance.now();
    const streaming = Promise.all(cams.map((c) => c.stream({ frames, fps: CAMERA_FPS, durationMs: seconds * 1000 })));
    // How the scheduler spread the cameras over the inference workers, read while they stream.
    const health = await fetch(`${server.url}/health`).then(
      (r) => r.json() as Promise<{ inference?: { sessionsPerWorker?: number[] } }>,
      () => null,
    );
    const runs = await streaming;
    const cpuUsed = server.cpuSeconds() - cpu0;
    const cpuShare = cpuUsed / ((performance.now() - t0) / 1000);
    cams.forEach((c) => c.close());
    const each = runs.map((r) => ({ ...summariseRun(r), roundTripMs: spread(r.answers.map((a) => a.rttMs)) }));
    const all = runs.flatMap((r) => r.answers);
    const ticks = runs.reduce((s, r) => s + r.ticks, 0);
    const level = {
      cameras: n,
      fpsEach: each.map((e) => e.fps),
      minFps: Math.min(...each.map((e) => e.fps)),
      totalFps: round(
        each.reduce((s, e) => s + e.fps, 0),
        2,
      ),
      roundTripMs: spread(all.map((a) => a.rttMs)),
      droppedShare: +((ticks - all.length) / ticks).toFixed(4),
      stages: stageTimes(all),
      serverCpuShare: +cpuShare.toFixed(2),
      serverCpuMsPerFrame: all.length ? round((1000 * cpuUsed) / all.length) : null,
      holds15fps: each.every((e) => e.fps >= HOLDS_FPS),
      sessionsPerWorker: health?.inference?.sessionsPerWorker ?? null,
      each,
    };
    ctx.log(
      `cameras: ${n}: fps ${level.fpsEach.join(', ')}, p95 ${level.roundTripMs.p95} ms, dropped ${(100 * level.droppedShare).toFixed(1)}%, server CPU ${(100 * cpuShare).toFixed(0)}%`,
    );
    levels.push(level);
  }
  let maxCameras = 0;
  for (const l of levels)
    if (l.holds15fps) maxCameras = l.cameras;
    else break;
  return {
    settings: { ...serverSettings(server), cameraFps: CAMERA_FPS, holdsFps: HOLDS_FPS, seconds, scene: LIVE_SCENE.photo },
    targets: { cameras: 4, roundTripP95Ms: 150 },
    results: { levels, maxCamerasAt15fps: maxCameras, serverRssMiB: server.rssMiB() },
  };
}
