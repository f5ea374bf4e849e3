// `npm run eval:liveness -- --root DIR [--faces DIR] [--out FILE] [--docs FILE]`: the presentation-attack stage
// (MiniFASNet V2 + V1SE on the live path's BlazeFace boxes) on a development set of replay and live videos and stills,
// plus attacks made here from live videos and face photos. Per frame and per track (windows of consecutive frames run
// through the server's evidence rule), APCER per attack type and BPCER; the motion cue measured the same way.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_LIVENESS_EVIDENCE, type LivenessEvidenceSettings } from '../src/server/tracking/liveness-evidence.js';
import { loadBlazeFaceOnnx } from '../src/server/vision/blazeface-onnx.js';
import type { OrtModule } from '../src/server/vision/ort.js';
import { decodeImage } from '../src/server/vision/decode.js';
import { BLAZEFACE_MODEL, toMeshBox } from '../src/server/vision/live-detector.js';
import { loadMiniFasNet } from '../src/server/vision/minifasnet.js';
import { MODELS_DIR } from '../src/server/vision/models.js';
import { cli, numberOpt, recordedCommand, required } from './lib/args.js';
import { makeScreenReplay, onePhotoPerPerson, photoAttackFrames, photoFrame, videoFrames } from './lib/liveness-data.js';
import { CUE_NAMES, cueHeldOut, cueTracksHeldOut, frameCues, withScoreSpread, type CueTrackVideo, type CueVideo } from './lib/liveness-cues.js';
import { frameRates, recoverRunHeldOut, refusalHeldOut, trackRates, windows, type FrameObs, type MotionCue, type TrackObs } from './lib/liveness-metrics.js';
import { livenessSection, replaceSection, type LivenessResultsView } from './lib/liveness-report.js';
import { progress } from './lib/progress.js';

const args = cli(
  'npm run eval:liveness -- --root DIR [--faces DIR] [--out FILE] [--docs FILE]\n\n--root holds replay/ (attack videos), live/ (real videos) and stills/ (image_F1 print, image_F2 tablet, image_T1 live).\n--faces (one folder of photos per person) adds photos presented on a phone screen and as prints, and the photos as bona fide frames.',
  {
    root: { type: 'string', help: 'development set folder' },
    faces: { type: 'string', help: 'face photo folder for made attacks (optional)' },
    people: { type: 'string', help: 'people of --faces to make photo attacks from', default: '20' },
    fps: { type: 'string', help: 'camera frame rate the videos are sampled at', default: '15' },
    seconds: { type: 'string', help: 'track window: how long a face is presented', default: '5' },
    out: { type: 'string', help: 'results JSON', default: 'train/results/liveness-dev.json' },
    docs: { type: 'string', help: 'markdown file whose generated liveness section is rewritten from the results' },
    from: { type: 'string', help: 'no evaluation: rewrite --docs from this results file' },
    tmp: { type: 'string', help: 'scratch folder for decoded frames and made replays', default: path.join(os.tmpdir(), 'facestream-liveness') },
    observations: {
      type: 'string',
      help: 'per-frame observations (scores, keypoints, cues) file: written after a run, read instead of running the models when it exists (the cost figures are then those of the run that wrote it)',
    },
  },
);

if (args.from) {
  const docs = required(args.docs, 'docs');
  const results = JSON.parse(fs.readFileSync(args.from, 'utf8')) as LivenessResultsView;
  fs.writeFileSync(docs, replaceSection(fs.readFileSync(docs, 'utf8'), livenessSection(results)));
  process.stderr.write(`rewrote the liveness section of ${docs} from ${args.from}\n`);
  process.exit(0);
}

const root = required(args.root, 'root');
const fps = numberOpt(args.fps, 'fps', 15);
const seconds = numberOpt(args.seconds, 'seconds', 5);
fs.mkdirSync(args.tmp!, { recursive: true });

const ort = createRequire(import.meta.url)('onnxruntime-node') as OrtModule;
const detector = await loadBlazeFaceOnnx(ort, path.join(MODELS_DIR, BLAZEFACE_MODEL), { minConfidence: 0.5, maxFaces: 10 });
const scorer = await loadMiniFasNet(ort, MODELS_DIR);
const spoofMs: number[] = [];
const spoofCpuMs: number[] = [];
const cueCpuMs: number[] = [];

/** The presented face of a frame: the largest one (a replay can show the holder's own face too, smaller or cut off). */
async function observe(jpeg: Uint8Array): Promise<FrameObs | null> {
  const decoded = await decodeImage(jpeg, 4096 * 4096);
  if (!decoded.ok) throw new Error(decoded.message);
  const faces = await detector.detect(decoded.image);
  if (faces.length === 0) return null;
  const face = faces.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
  const t = performance.now(),
    cpu = process.cpuUsage();
  const [score] = await scorer.score(decoded.image, [toMeshBox(face.box)]);
  spoofMs.push(performance.now() - t);
  const used = process.cpuUsage(cpu);
  spoofCpuMs.push((used.user + used.system) / 1000);
  const cueCpu = process.cpuUsage();
  const cues = frameCues(decoded.image, toMeshBox(face.box), faces.length - 1);
  const cueUsed = process.cpuUsage(cueCpu);
  cueCpuMs.push((cueUsed.user + cueUsed.system) / 1000);
  return { real: score!.real, keypoints: face.keypoints, cues };
}

interface Source {
  group: string;
  kind: string;
  name: string;
  /** Frames, made on demand (videos are decoded one at a time). */
  frames: () => Promise<Uint8Array[]>;
  /** Videos and made clips are cut into track windows; stills and photos count per frame only. */
  tracks: boolean;
}

const list = (dir: string) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => /\.(mp4|mov|3gp|avi|mkv|webm)$/i.test(f))
        .sort()
    : [];
const sources: Source[] = [];
for (const f of list(path.join(root, 'replay')))
  sources.push({
    group: 'replay video',
    kind: 'phone replay',
    name: f,
    tracks: true,
    frames: async () => videoFrames(path.join(root, 'replay', f), fps, args.tmp!),
  });
for (const f of list(path.join(root, 'live'))) {
  const file = path.join(root, 'live', f);
  sources.push({ group: 'live video', kind: 'bona-fide', name: f, tracks: true, frames: async () => videoFrames(file, fps, args.tmp!) });
  sources.push({
    group: 'made screen replay',
    kind: 'screen replay (made)',
    name: f,
    tracks: true,
    frames: async () => {
      const made = path.join(args.tmp!, `replay-${f}.mp4`);
      if (!fs.existsSync(made)) makeScreenReplay(file, made);
      return videoFrames(made, fps, args.tmp!);
    },
  });
}
const STILLS: Record<string, string> = { 'image_F1.jpg': 'print', 'image_F2.jpg': 'tablet replay', 'image_T1.jpg': 'bona-fide' };
for (const [f, kind] of Object.entries(STILLS)) {
  const file = path.join(root, 'stills', f);
  if (fs.existsSync(file)) sources.push({ group: 'still', kind, name: f, tracks: false, frames: async () => [new Uint8Array(fs.readFileSync(file))] });
}
if (args.faces) {
  const people = onePhotoPerPerson(args.faces, numberOpt(args.people, 'people', 20));
  people.forEach((photo, i) => {
    const name = path.relative(args.faces!, photo);
    for (const kind of ['phone-photo', 'print-photo'] as const)
      sources.push({
        group: `made ${kind}`,
        kind: `${kind} (made)`,
        name,
        tracks: true,
        frames: () => photoAttackFrames(photo, kind, Math.round(seconds * fps), fps, 1000 + i),
      });
  });
  for (const photo of onePhotoPerPerson(args.faces, 1000))
    sources.push({ group: 'photo', kind: 'bona-fide', name: path.relative(args.faces, photo), tracks: false, frames: async () => [await photoFrame(photo)] });
}

const observed: { source: Source; frames: (FrameObs | null)[] }[] = [];
/** A source's key in the observations file. */
const sourceKey = (s: Source) => `${s.group}\t${s.name}`;
interface ObservationsFile {
  fps: number;
  sources: Record<string, (FrameObs | null)[]>;
  cost: { spoofMs: number[]; spoofCpuMs: number[]; cueCpuMs: number[]; load0: number; load1: number };
}
let load0 = os.loadavg()[0]!;
let load1: number;
if (args.observations && fs.existsSync(args.observations)) {
  // Re-running the rules on recorded scores: the evidence rule's constants are chosen in seconds, not a 45 min run.
  const saved = JSON.parse(fs.readFileSync(args.observations, 'utf8')) as ObservationsFile;
  if (saved.fps !== fps) throw new Error(`${args.observations} was recorded at ${saved.fps} fps, not ${fps}`);
  for (const source of sources) {
    const frames = saved.sources[sourceKey(source)];
    if (!frames) throw new Error(`${args.observations} has no frames of ${sourceKey(source)}: run without it`);
    observed.push({ source, frames });
  }
  spoofMs.push(...saved.cost.spoofMs);
  spoofCpuMs.push(...saved.cost.spoofCpuMs);
  cueCpuMs.push(...saved.cost.cueCpuMs);
  ({ load0, load1 } = saved.cost);
  process.stderr.write(`read the observations of ${observed.length} sources from ${args.observations}\n`);
} else {
  const bar = progress('liveness', sources.length);
  for (const source of sources) {
    const frames: (FrameObs | null)[] = [];
    for (const jpeg of await source.frames()) frames.push(await observe(jpeg));
    observed.push({ source, frames });
    bar.tick(1, source.name);
  }
  bar.done();
  load1 = os.loadavg()[0]!;
  if (args.observations) {
    const file: ObservationsFile = {
      fps,
      sources: Object.fromEntries(observed.map((o) => [sourceKey(o.source), o.frames])),
      cost: { spoofMs, spoofCpuMs, cueCpuMs, load0, load1 },
    };
    fs.writeFileSync(args.observations, JSON.stringify(file));
    process.stderr.write(`wrote ${args.observations}\n`);
  }
}

const size = Math.round(seconds * fps);
const tracks: TrackObs[] = observed
  .filter((o) => o.source.tracks)
  .flatMap((o) => windows(o.frames, size).map((frames) => ({ source: `${o.source.group}: ${o.source.name}`, kind: o.source.kind, fps, frames })));
const allFrames: TrackObs[] = observed.map((o) => ({ source: o.source.name, kind: o.source.kind, fps, frames: o.frames }));
const byGroup = (g: string) => allFrames.filter((_, i) => observed[i]!.source.group === g);
const groups = [...new Set(observed.map((o) => o.source.group))];

const evidenceGrid: LivenessEvidenceSettings[] = [];
for (const minReal of [0.5, 0.7, 0.8, 0.9]) for (const realRun of [1, 3, 5, 8]) evidenceGrid.push({ ...DEFAULT_LIVENESS_EVIDENCE, minReal, realRun });
for (const attackRun of [1, 3]) evidenceGrid.push({ ...DEFAULT_LIVENESS_EVIDENCE, attackRun });
const RECOVER_GRID = [10, 15, 20, 30, 45, 60];
for (const recoverRun of RECOVER_GRID) evidenceGrid.push({ ...DEFAULT_LIVENESS_EVIDENCE, recoverRun });
// The rule before: a refusal lifted by a recovery run, like a withholding.
evidenceGrid.push({ ...DEFAULT_LIVENESS_EVIDENCE, refusalFinal: false });
// 1: the spread cue off.
for (const maxSpread of [1, 0.1, 0.15, 0.25]) evidenceGrid.push({ ...DEFAULT_LIVENESS_EVIDENCE, maxSpread });
/** MiniFASNet's score and the run rules alone: the base each cue's held-out measurement adds one cue to. */
const TEXTURE_ONLY = { ...DEFAULT_LIVENESS_EVIDENCE, maxSpread: 1 };
// The real pairs (the dev set's replay and live videos, not the made attacks) for the held-out measurements.
const realPairs = observed.filter((o) => o.source.group === 'replay video' || o.source.group === 'live video');
// Each window a track of its own: its frames copied, so that the score spread is over the track's frames only.
/** Track windows of a video, each with its own copy of the frames so that the score spread is over its own frames. */
const trackWindows = (frames: (FrameObs | null)[], starts: number[]) =>
  starts.map((s0) => {
    const copy = frames.slice(s0, s0 + size).map((f) => (f ? { ...f, cues: f.cues ? { ...f.cues } : undefined } : null));
    withScoreSpread(copy);
    return copy;
  });
const tiled = (n: number) => windows([...Array(n).keys()], size).map((w) => w[0]!);
/** A track may begin at any moment: full windows starting every second (overlapping). */
const SLIDE_STEP = fps;
const sliding = (n: number) => Array.from({ length: Math.max(0, Math.floor((n - size) / SLIDE_STEP) + 1) }, (_, i) => i * SLIDE_STEP);
const cueTrackVideos: CueTrackVideo[] = realPairs.map((o) => ({
  name: o.source.name,
  kind: o.source.kind,
  fps,
  windows: trackWindows(o.frames, tiled(o.frames.length)),
}));
const slidingVideos: CueTrackVideo[] = realPairs.map((o) => ({
  name: o.source.name,
  kind: o.source.kind,
  fps,
  windows: trackWindows(o.frames, sliding(o.frames.length)),
}));
const cueVideos: CueVideo[] = cueTrackVideos.map((v) => ({
  name: v.name,
  attack: v.kind !== 'bona-fide',
  frames: v.windows.flat().flatMap((f) => (f?.cues ? [{ real: f.real, cues: f.cues }] : [])),
}));
const videoTracks = cueTrackVideos.map((v) => ({
  name: v.name,
  tracks: v.windows.map((frames) => ({ source: v.name, kind: v.kind, fps, frames })),
}));
/** What evidence refuses a track (an event): runs of frames scored below a threshold, from the rule before (2 below 0.7). */
const REFUSAL_GRID = [2, 3, 5, 8, 10, 15, 20].flatMap((refuseRun) => [0.7, 0.5, 0.3, 0.1].map((refuseBelow) => ({ refuseRun, refuseBelow })));
/** The rule before: refused after 2 attack frames, the spread cue's included (refuseBelow 0.7 leaves those out). */
const REFUSAL_BEFORE = { ...DEFAULT_LIVENESS_EVIDENCE, refuseRun: 2, refuseBelow: DEFAULT_LIVENESS_EVIDENCE.minReal, refusalFinal: false };
const slidingTracks = slidingVideos.map((v) => ({ name: v.name, tracks: v.windows.map((frames) => ({ source: v.name, kind: v.kind, fps, frames })) }));
/** Each real replay and live video as one track, from its first frame: a presentation followed as the tracker would. */
const wholeVideos: TrackObs[] = realPairs.map((o) => ({ source: o.source.name, kind: o.source.kind, fps, frames: o.frames }));
/**
 * Whether a refusal is final, and the real frames that lift a refusal (or withholding) when it is not: the rule before
 * (refusals lifted after `recoverRun`), the default (a refusal final for its track, withholding lifted after
 * `recoverRun`), and neither ever lifted within a video.
 */
const WHOLE_RULES = [
  { recoverRun: 10, refusalFinal: false },
  { recoverRun: 30, refusalFinal: false },
  { recoverRun: 60, refusalFinal: false },
  { recoverRun: DEFAULT_LIVENESS_EVIDENCE.recoverRun, refusalFinal: true },
  { recoverRun: 1_000_000, refusalFinal: true },
];
const cues: MotionCue[] = [0.01, 0.02, 0.03, 0.05].map((minResidual) => ({ lag: 5, window: 5, minResidual }));

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
  return { n: s.length, median: q(0.5), p90: q(0.9), mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) };
};
const results = {
  generated: new Date().toISOString(),
  command: recordedCommand('eval:liveness'),
  set: 'development set (chose the evidence defaults: not a held-out figure)',
  fps,
  seconds,
  sources: observed.map((o) => ({
    group: o.source.group,
    kind: o.source.kind,
    name: o.source.name,
    frames: o.frames.length,
    withFace: o.frames.filter(Boolean).length,
  })),
  perFrame: {
    thresholds: [0.3, 0.5, 0.7, 0.9].map((minReal) => ({
      minReal,
      all: frameRates(allFrames, minReal),
      byGroup: Object.fromEntries(groups.map((g) => [g, frameRates(byGroup(g), minReal)])),
    })),
  },
  perTrack: {
    tracks: tracks.length,
    default: DEFAULT_LIVENESS_EVIDENCE,
    evidence: evidenceGrid.map((cfg) => ({ cfg, rates: trackRates(tracks, cfg, undefined) })),
    motionCueBase: DEFAULT_LIVENESS_EVIDENCE,
    motionCue: cues.map((cue) => ({ cue, rates: trackRates(tracks, DEFAULT_LIVENESS_EVIDENCE, cue) })),
    // How long a run lifts a refusal: measured where it does (refusals not final), as when it was chosen.
    recoverHeldOut: recoverRunHeldOut(videoTracks, { ...TEXTURE_ONLY, recoverRun: 10, refusalFinal: false }, RECOVER_GRID),
  },
  wholeVideo: WHOLE_RULES.map((rule) => ({ ...rule, rates: trackRates(wholeVideos, { ...DEFAULT_LIVENESS_EVIDENCE, ...rule }, undefined) })),
  refusal: {
    grid: REFUSAL_GRID.map((g) => {
      const cfg = { ...DEFAULT_LIVENESS_EVIDENCE, ...g };
      return {
        cfg,
        tiled: trackRates(tracks, cfg, undefined),
        sliding: trackRates(
          slidingTracks.flatMap((v) => v.tracks),
          cfg,
          undefined,
        ),
      };
    }),
    heldOutSliding: refusalHeldOut(slidingTracks, REFUSAL_BEFORE, REFUSAL_GRID),
    heldOutTiled: refusalHeldOut(videoTracks, REFUSAL_BEFORE, REFUSAL_GRID),
  },
  cues: {
    minReal: DEFAULT_LIVENESS_EVIDENCE.minReal,
    realFlagShare: 0.01,
    otherFaces: groups.map((g) => {
      const fs_ = observed.filter((o) => o.source.group === g).flatMap((o) => o.frames.filter((f): f is FrameObs => !!f));
      return { group: g, frames: fs_.length, withOtherFaces: fs_.filter((f) => (f.cues?.otherFaces ?? 0) > 0).length };
    }),
    heldOut: CUE_NAMES.filter((c) => c !== 'otherFaces').map((c) => cueHeldOut(cueVideos, c, DEFAULT_LIVENESS_EVIDENCE.minReal)),
    tracksHeldOut: CUE_NAMES.filter((c) => c !== 'otherFaces').map((c) => cueTracksHeldOut(cueTrackVideos, c, TEXTURE_ONLY)),
    slidingStepSeconds: SLIDE_STEP / fps,
    slidingHeldOut: CUE_NAMES.filter((c) => c !== 'otherFaces').map((c) => cueTracksHeldOut(slidingVideos, c, TEXTURE_ONLY)),
    cpuMsPerFace: stats(cueCpuMs),
  },
  cost: {
    spoofMsPerFace: stats(spoofMs),
    spoofCpuMsPerFace: stats(spoofCpuMs),
    load: { start: load0, end: load1, cpus: os.cpus().length },
    runtime: 'onnxruntime-node, 1 intra-op thread, graphOptimizationLevel all (PRelu-free files), both models, one face a call',
  },
};
fs.mkdirSync(path.dirname(args.out!), { recursive: true });
fs.writeFileSync(args.out!, `${JSON.stringify(results, null, 2)}\n`);
process.stderr.write(`wrote ${args.out}\n`);
if (args.docs) {
  fs.writeFileSync(args.docs, replaceSection(fs.readFileSync(args.docs, 'utf8'), livenessSection(results)));
  process.stderr.write(`rewrote the liveness section of ${args.docs}\n`);
}
process.stdout.write(`${JSON.stringify({ perFrame: results.perFrame.thresholds[1], defaultTrack: results.perTrack.evidence, cost: results.cost }, null, 1)}\n`);
