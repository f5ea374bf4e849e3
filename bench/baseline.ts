// Suite "baseline": the project against "Human the straightforward way" (lib/human-baseline.ts) on the same frames in
// the same run: frames per second and the right name per face and frame, on one-face and two-face scenes.
import { connectCamera } from './lib/camera.js';
import { sceneFrames, type Frame } from './lib/frames.js';
import { createHumanBaseline, HUMAN_MATCH_SIMILARITY } from './lib/human-baseline.js';
import { ENROLLED, SCENES } from './lib/people.js';
import { addScore, emptyScore, scoreFrame, type Reported, type Score } from './lib/score.js';
import { pct, round } from './lib/stats.js';
import { serverSettings, type SuiteContext, type SuiteOutput } from './lib/suite.js';

const share = (s: Score) => (s.faces ? +(s.right / s.faces).toFixed(4) : null);

function perScene(frames: Frame[], reported: Reported[][]) {
  const scenes: Record<string, Score> = {};
  let total = emptyScore();
  frames.forEach((f, i) => {
    const s = scoreFrame(f, reported[i] ?? []);
    if (f.faces.length > 0) scenes[f.scene] = addScore(scenes[f.scene] ?? emptyScore(), s);
    total = addScore(total, s);
  });
  return { total, rightShare: share(total), scenes };
}

export async function runBaseline(ctx: SuiteContext): Promise<SuiteOutput> {
  const server = await ctx.server();
  const perSceneFrames = ctx.quick ? 3 : 6;
  const clips: Frame[][] = [];
  for (const s of SCENES) clips.push(await sceneFrames(s.photo, s.faces, perSceneFrames));
  const frames = clips.flat();
  const jpegs = frames.map((f) => f.jpeg);

  // The project: each scene is a clip from its own camera session (the scenes are different photos: one camera does
  // not cut from one person to another in the same place, which its tracker would take for one face), every frame
  // sent once with MAX_FRAMES_IN_FLIGHT unanswered, capture times on a 15 fps clock. Connecting is counted in the time.
  const warm = await connectCamera(server.url, 'baseline-warm');
  await warm.flood(jpegs.slice(0, 3), 15); // warm the workers, like Human's warm-up below
  warm.close();
  const cpu0 = server.cpuSeconds();
  const t0 = performance.now();
  const projectReported: Reported[][] = [];
  const rtts: number[] = [];
  let at = 0;
  for (const [i, clip] of clips.entries()) {
    const cam = await connectCamera(server.url, `baseline-${i}`);
    const run = await cam.flood(
      clip.map((f) => f.jpeg),
      15,
    );
    cam.close();
    for (const a of run.answers) ((projectReported[at + a.frame] = a.overlay.tracks.map((t) => ({ box: t.box, name: t.name }))), rtts.push(a.rttMs));
    at += clip.length;
  }
  const projectSeconds = (performance.now() - t0) / 1000;
  const projectCpu = server.cpuSeconds() - cpu0;
  const project = {
    fps: round(rtts.length / projectSeconds, 2),
    framesAnswered: rtts.length,
    roundTripP50Ms: round(pct(rtts, 50)),
    cpuSecondsPerFrame: round(projectCpu / frames.length, 3),
    ...perScene(frames, projectReported),
  };
  ctx.log(`baseline: project ${project.fps} fps, right ${project.total.right}/${project.total.faces}`);

  const human: Record<string, unknown> = {};
  let humanVersion = '';
  for (const cache of [true, false]) {
    const h = await createHumanBaseline({ cache, enrolled: ENROLLED });
    humanVersion = h.version;
    for (const f of jpegs.slice(0, 3)) await h.recognise(f); // warm-up: first calls compile the models
    const reported: Reported[][] = [];
    const cpu = h.cpuSeconds();
    const t0 = performance.now();
    const each: number[] = [];
    for (const f of jpegs) {
      const t = performance.now();
      reported.push(await h.recognise(f));
      each.push(performance.now() - t);
    }
    const seconds = (performance.now() - t0) / 1000;
    const r = {
      fps: round(frames.length / seconds, 2),
      perFrameP50Ms: round(pct(each, 50)),
      cpuSecondsPerFrame: round((h.cpuSeconds() - cpu) / frames.length, 3),
      enrolledFaces: h.enrolledFaces,
      ...perScene(frames, reported),
    };
    human[cache ? 'default' : 'noCache'] = r;
    ctx.log(`baseline: Human ${cache ? 'default config' : 'without its frame cache'} ${r.fps} fps, right ${r.total.right}/${r.total.faces}`);
  }
  const hDefault = human.default as { fps: number; rightShare: number | null; cpuSecondsPerFrame: number };
  const hNoCache = human.noCache as { fps: number; rightShare: number | null };
  return {
    settings: {
      ...serverSettings(server),
      framesPerScene: perSceneFrames,
      sessions: 'one camera session a scene',
      scenes: SCENES.map((s) => s.photo),
      enrolled: Object.fromEntries(ENROLLED.map((p) => [p.name, p.photos])),
      human: {
        version: humanVersion,
        config: 'default (backend and modelBasePath set); noCache: cacheSensitivity 0',
        matchSimilarity: HUMAN_MATCH_SIMILARITY,
        process: 'the benchmark process, while the server is idle',
      },
    },
    targets: { fpsRatio: 3, rightShare: 'equal or better than Human' },
    results: {
      frames: frames.length,
      project,
      human,
      fpsRatio: round(project.fps! / hDefault.fps, 2),
      fpsRatioNoCache: round(project.fps! / hNoCache.fps, 2),
      // CPU seconds a frame, Human's over the project's: the ratio a machine nobody else uses would show.
      cpuRatio: round(hDefault.cpuSecondsPerFrame / project.cpuSecondsPerFrame!, 2),
    },
  };
}
