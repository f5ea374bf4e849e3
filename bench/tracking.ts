// Tracking at camera pace: id switches per 100 faces on seeded synthetic scenes (bench/tracking-scenes.ts), per
// processed fps and scene kind, for the tracker before motion prediction (old), the project's tracker with capture
// timestamps (new), the same without timestamps (what the session gets until it passes `now`), and an alpha-beta filter
// in place of the Kalman filter, and what the server does by default (a 15 fps camera detected every DETECT_INTERVAL_MS
// once its tracks are named, every frame while one is being named or faces are close); then old and new with twice the
// detector jitter, and new with boxes not cut at the picture's edge. Seed 2 by default, and the project's tracker again
// on --check-seed: the defaults were tuned on seed 1's scenes, so both are unseen.
// Usage: npx tsx bench/tracking.ts [--scenes 40 --seed 2 --check-seed 3 --fps 30,15,10,5 --out bench/results/tracking.json]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { alphaBetaMotion } from '../src/server/tracking/motion.js';
import { DEFAULT_MAX_MISS_MS, DEFAULT_TRACK_GATE } from '../src/server/tracking/tracker.js';
import { evaluate, legacyTracker, projectTracker, SERVER_DETECT_INTERVAL_MS, serverTracker, type Evaluation, type FrameTracker } from './tracking-eval.js';
import { DEFAULT_NOISE, SCENE_KINDS, type SceneKind } from './tracking-scenes.js';

const { values } = parseArgs({
  options: {
    scenes: { type: 'string', default: '40' },
    seed: { type: 'string', default: '2' },
    'check-seed': { type: 'string', default: '3' },
    fps: { type: 'string', default: '30,15,10,5' },
    out: { type: 'string', default: 'bench/results/tracking.json' },
  },
});
const scenes = Number(values.scenes);
const seed = Number(values.seed);
const checkSeed = Number(values['check-seed']);
const fpsList = values.fps.split(',').map(Number);

const trackers: Record<string, () => FrameTracker> = {
  old: () => legacyTracker(0.3, 5),
  new: () => projectTracker(),
  'new-no-timestamps': () => projectTracker({}, false),
  'alpha-beta': () => projectTracker({ motion: alphaBetaMotion }),
};

const started = performance.now();
const results: Record<string, Record<string, Evaluation & { byKind: Record<SceneKind, Evaluation> }>> = {};
for (const [name, make] of Object.entries(trackers)) {
  results[name] = {};
  for (const fps of fpsList) {
    const all = evaluate(make, fps, { scenes, seed });
    const byKind = Object.fromEntries(SCENE_KINDS.map((k) => [k, evaluate(make, fps, { scenes, seed, kinds: [k] })])) as Record<SceneKind, Evaluation>;
    results[name]![String(fps)] = { ...all, byKind };
    console.log(
      `${name.padEnd(18)} ${String(fps).padStart(2)} fps: ${all.switchesPer100.toFixed(2).padStart(7)} switches/100 faces (${all.switches} on ${all.faces} faces), transfers/100 ${all.transfersPer100}`,
    );
  }
}

// What the server does by default: the camera sends 15 fps, the tracker sees detections at ~5 fps once every track is
// named (coast() in between), at 15 fps while a track is being named or faces are near each other.
const SERVER_ROW = `server default: 15 fps camera, DETECT_INTERVAL_MS ${SERVER_DETECT_INTERVAL_MS}`;
const serverRun = (s: number) => {
  const all = evaluate(() => serverTracker(), 15, { scenes, seed: s });
  const byKind = Object.fromEntries(SCENE_KINDS.map((k) => [k, evaluate(() => serverTracker(), 15, { scenes, seed: s, kinds: [k] })])) as Record<
    SceneKind,
    Evaluation
  >;
  console.log(
    `${'server default'.padEnd(18)} 15 fps (seed ${s}): ${all.switchesPer100.toFixed(2).padStart(7)} switches/100 faces (${all.switches} on ${all.faces} faces), ${(100 * all.detectedShare).toFixed(1)}% of frames detected`,
  );
  return { ...all, byKind };
};
results[SERVER_ROW] = { '15': serverRun(seed) };

// The project's tracker on scenes of another seed: its figures must not be this seed's luck.
const checked: Record<string, Record<string, Evaluation>> = { new: {}, [SERVER_ROW]: { '15': serverRun(checkSeed) } };
for (const fps of fpsList) {
  const e = evaluate(trackers.new!, fps, { scenes, seed: checkSeed });
  checked.new![String(fps)] = e;
  console.log(
    `${'new'.padEnd(18)} ${String(fps).padStart(2)} fps (seed ${checkSeed}): ${e.switchesPer100.toFixed(2).padStart(7)} switches/100 faces (${e.switches} on ${e.faces} faces)`,
  );
}

// The same scenes with twice the detector jitter: the tracker must not depend on its noise model being right.
const JITTERY = { ...DEFAULT_NOISE, jitter: 2 * DEFAULT_NOISE.jitter };
const jittery: Record<string, Record<string, Evaluation>> = {};
for (const name of ['old', 'new']) {
  jittery[name] = {};
  for (const fps of fpsList) {
    const e = evaluate(trackers[name]!, fps, { scenes, seed, noise: JITTERY });
    jittery[name]![String(fps)] = e;
    console.log(
      `${(name + ' jitter x2').padEnd(18)} ${String(fps).padStart(2)} fps: ${e.switchesPer100.toFixed(2).padStart(7)} switches/100 faces (${e.switches} on ${e.faces} faces)`,
    );
  }
}

// Boxes that reach past the picture's edge, as face-mesh bounds may: faces walking in are then easier to follow.
const UNCLIPPED = { ...DEFAULT_NOISE, clip: false };
const unclipped: Record<string, Evaluation> = {};
for (const fps of fpsList) {
  const e = evaluate(trackers.new!, fps, { scenes, seed, noise: UNCLIPPED });
  unclipped[String(fps)] = e;
  console.log(
    `${'new unclipped'.padEnd(18)} ${String(fps).padStart(2)} fps: ${e.switchesPer100.toFixed(2).padStart(7)} switches/100 faces (${e.switches} on ${e.faces} faces)`,
  );
}

const report = {
  benchmark: 'tracking',
  generatedAt: new Date().toISOString(),
  target: { switchesPer100: 1, note: 'issue 12: <= 1 id switch per 100 faces on scenes with faces entering, leaving and crossing' },
  scenes: { perKind: scenes, kinds: SCENE_KINDS, seed, nativeFps: 30, frame: '1280x720', noise: DEFAULT_NOISE },
  metric:
    'switches: times a true face was given a different track id than when last detected (MOT IDSW); transfers: extra true faces a track id was given to; both per 100 true faces',
  settings: {
    TRACK_MIN_IOU: 0.3,
    TRACK_MAX_MISSES: 5,
    TRACK_GATE: DEFAULT_TRACK_GATE,
    TRACK_MAX_MISS_MS: DEFAULT_MAX_MISS_MS,
    DETECT_INTERVAL_MS: SERVER_DETECT_INTERVAL_MS,
  },
  serverDefault: SERVER_ROW,
  results,
  checkSeed: { seed: checkSeed, results: checked },
  doubleJitter: { noise: JITTERY, results: jittery },
  unclippedBoxes: { noise: UNCLIPPED, results: { new: unclipped } },
  wallMs: Math.round(performance.now() - started),
};
fs.mkdirSync(path.dirname(values.out), { recursive: true });
fs.writeFileSync(values.out, JSON.stringify(report, null, 2) + '\n');
console.log(`wrote ${values.out}`);
