// Suite "liveness": one camera at 15 fps, paced like the browser client, streaming the live suite's scene (640x480,
// one enrolled face) twice on one server: on a camera without the presentation-attack stage and on one whose policy
// requires liveness (PUT /api/v1/camera-policies). Same frames, same server: the difference is the stage's cost in
// server CPU a frame, frame rate kept, time to name, and whether the face was found live.
import { connectCamera, summariseRun, type Answer } from './lib/camera.js';
import { sceneFrames } from './lib/frames.js';
import { LIVE_SCENE } from './lib/people.js';
import { round, spread } from './lib/stats.js';
import { serverSettings, type BenchServer, type SuiteContext, type SuiteOutput } from './lib/suite.js';
import { CAMERA_FPS, HOLDS_FPS, stageTimes } from './live.js';

/** The two cameras measured, by label: the policy makes the difference. */
export const LIVENESS_CAMERAS = { without: 'bench-no-liveness', with: 'bench-liveness' } as const;

async function requireLive(server: BenchServer, camera: string, requireLive: boolean | null): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/camera-policies`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ camera, requireLive }),
  });
  if (!res.ok) throw new Error(`liveness: setting the policy of ${camera} failed: HTTP ${res.status} ${await res.text()}`);
}

/** One camera's run: time to name (fresh cameras), then a steady stream with the server's CPU measured. */
async function measure(ctx: SuiteContext, server: BenchServer, camera: string, frames: Uint8Array[], name: string, seconds: number) {
  const timeToName: number[] = [];
  for (let i = 0; i < (ctx.quick ? 2 : 4); i++) {
    const cam = await connectCamera(server.url, camera);
    let namedAt: number | null = null;
    await cam.stream({ frames, fps: CAMERA_FPS, durationMs: 10_000, until: (a) => a.overlay.tracks.some((t) => t.name === name) && ((namedAt = a.at), true) });
    cam.close();
    if (namedAt === null) throw new Error(`liveness: ${name} was not named within 10 s on ${camera}`);
    timeToName.push(namedAt);
  }
  const cam = await connectCamera(server.url, camera);
  await cam.stream({ frames, fps: CAMERA_FPS, durationMs: 1000 }); // the track is made and named before measuring
  const cpu0 = server.cpuSeconds();
  const run = await cam.stream({ frames, fps: CAMERA_FPS, durationMs: seconds * 1000 });
  const cpuUsed = server.cpuSeconds() - cpu0;
  cam.close();
  const share = (pred: (a: Answer) => boolean) => (run.answers.length ? +(run.answers.filter(pred).length / run.answers.length).toFixed(3) : null);
  const summary = summariseRun(run);
  return {
    camera,
    ...summary,
    holds15fps: summary.fps >= HOLDS_FPS,
    roundTripMs: spread(run.answers.map((a) => a.rttMs)),
    stages: stageTimes(run.answers),
    namedShare: share((a) => a.overlay.tracks.some((t) => t.name === name)),
    liveOkShare: share((a) => a.overlay.tracks.some((t) => t.liveOk === true)),
    refusedShare: share((a) => a.overlay.tracks.some((t) => t.liveOk === false)),
    timeToNameMs: spread(timeToName),
    serverCpuShare: +(cpuUsed / (run.durationMs / 1000)).toFixed(2),
    serverCpuMsPerFrame: run.answers.length ? round((1000 * cpuUsed) / run.answers.length) : null,
  };
}

export async function runLiveness(ctx: SuiteContext): Promise<SuiteOutput> {
  const server = await ctx.server();
  const name = LIVE_SCENE.faces[0]!.name;
  const frames = (await sceneFrames(LIVE_SCENE.photo, LIVE_SCENE.faces, 30)).map((f) => f.jpeg);
  const seconds = ctx.quick ? 4 : 20;
  await requireLive(server, LIVENESS_CAMERAS.without, false);
  await requireLive(server, LIVENESS_CAMERAS.with, true);
  // Alternated (without, with, without, with): a change in the machine's load falls on both alike.
  const runs: { without: Awaited<ReturnType<typeof measure>>[]; with: Awaited<ReturnType<typeof measure>>[] } = { without: [], with: [] };
  for (let round = 0; round < (ctx.quick ? 1 : 2); round++) {
    for (const which of ['without', 'with'] as const) {
      const r = await measure(ctx, server, LIVENESS_CAMERAS[which], frames, name, seconds);
      runs[which].push(r);
      ctx.log(`liveness: ${which} the stage: ${r.fps} fps, ${r.serverCpuMsPerFrame} ms CPU a frame, named after ${r.timeToNameMs.p50} ms (p50)`);
    }
  }
  await requireLive(server, LIVENESS_CAMERAS.without, null);
  await requireLive(server, LIVENESS_CAMERAS.with, null);
  return {
    settings: {
      ...serverSettings(server),
      cameraFps: CAMERA_FPS,
      holdsFps: HOLDS_FPS,
      seconds,
      rounds: runs.with.length,
      frame: '640x480 JPEG q80',
      scene: LIVE_SCENE.photo,
      policy: 'PUT /api/v1/camera-policies {requireLive: true} on one camera, false on the other',
    },
    targets: { cpuMsPerCheckedFace: 10, fps: CAMERA_FPS },
    results: runs,
  };
}
