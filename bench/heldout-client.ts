// The acceptance test's shape, run in-house: a camera client that knows only docs/protocol.md and docs/api.md enrols
// people of the identity half that chose nothing (`--half test`: train/lib/heldout.ts's seed-1 split, the people
// docs/accuracy.md reports held out) from 3 photos each through REST, then streams scenes of 1 or 2 faces to a real
// server at default settings: the person's other photos as news photos and as small tight crops (112 px, as
// train/lib/degrade.ts cuts them), alone or side by side, present from the first frame or sliding in from the edge
// of a settled scene, with strangers of the same half among them. The client stamps `captureTime` on its own clock.
// What it counts is what a door shows: each face's name over the scene's last frames, any frame that shows another
// person's name on a face, and faces never boxed.
// Results go to train/results/ with the other evaluations on a data set: bench/results/ holds BENCHMARKS.md's suites.
// Usage: npx tsx bench/heldout-client.ts --root ../shared/faces [--half test] [--enrolled 16] [--out train/results/heldout-client.json]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp, { type OverlayOptions } from 'sharp';
import type { Overlay } from '../src/shared/protocol.js';
import { walkDataset, type Person } from '../train/lib/dataset.js';
import { degrade, type FaceBox } from '../train/lib/degrade.js';
import { identityFolds } from '../train/lib/heldout.js';
import { connectCamera } from './lib/camera.js';
import { callJson as call } from './lib/rest.js';
import { heldoutClientKey, heldoutClientMarkers, heldoutClientSection, replaceMarked, type HeldoutClientRow } from './lib/eval-sections.js';
import { sampleLoad } from './lib/machine.js';
import { startServerProcess } from './lib/server-process.js';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    half: { type: 'string', default: 'test' },
    enrolled: { type: 'string', default: '16' },
    photos: { type: 'string', default: '3' },
    out: { type: 'string', default: 'train/results/heldout-client.json' },
    env: { type: 'string', multiple: true, default: [] },
    conditions: { type: 'string', default: 'news,tight112,tight80' },
    fps: { type: 'string', default: '15' },
    pace: { type: 'string', default: 'flood' },
    docs: { type: 'string' },
  },
});
if (!values.root) throw new Error('usage: npx tsx bench/heldout-client.ts --root <folder of person folders>');
const root = path.resolve(values.root);
const half = values.half === 'all' ? null : values.half === 'dev' ? 0 : 1;
const enrolPhotos = Number(values.photos);
const extraEnv = Object.fromEntries(values.env.map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string]));

const W = 640;
const H = 480;
/**
 * The camera's frame rate, and how the client sends: `flood` sends each frame once the last is answered, stamped on
 * the scene's own clock (a recording played back, no frame dropped); `realtime` sends at the frame rate, stamped with
 * the client's wall clock at send, and a frame with no free slot is not sent (a live camera, slow or fast).
 */
const FPS = Number(values.fps);
const PACE = values.pace;
if (PACE !== 'flood' && PACE !== 'realtime') throw new Error('--pace: flood or realtime');
/** Frames a scene lasts (2 s at 15 fps; 12 frames, 4 s, at a slow rate), and the frame a sliding face starts to enter on (the scene has settled by then). */
const SCENE_FRAMES = FPS >= 10 ? 30 : 12;
const ENTER_AT = Math.round(SCENE_FRAMES * 0.27);
const ENTER_FRAMES = Math.round(SCENE_FRAMES * 0.27);
/** A face is judged by what its box shows over the scene's last frames. */
const JUDGE_FRAMES = FPS >= 10 ? 5 : 3;
const CAMERA = 'heldout-client';

const CONDITIONS = ['news', 'tight112', 'tight80'] as const;
type Condition = (typeof CONDITIONS)[number];
const conditions = values.conditions.split(',') as Condition[];
for (const c of conditions) if (!CONDITIONS.includes(c)) throw new Error(`--conditions: ${c} is not one of ${CONDITIONS.join(', ')}`);
interface Probe {
  person: string;
  enrolled: boolean;
  photo: string;
  condition: Condition;
  tile: Buffer;
  width: number;
  height: number;
}
interface Placed {
  probe: Probe;
  /** Final top-left position in the frame; a sliding tile starts off the left or right edge. */
  x: number;
  y: number;
  slides: boolean;
  side: 'left' | 'right';
}

/** The largest face the server finds in a photo (POST /api/v1/identify), for the tight crop. */
async function faceBox(url: string, bytes: Buffer): Promise<FaceBox | null> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'probe.jpg');
  const res = await fetch(`${url}/api/v1/identify`, { method: 'POST', body: form });
  if (!res.ok) return null;
  const out = (await res.json()) as { faces: { box: FaceBox }[] };
  return out.faces.map((f) => f.box).sort((a, b) => b.width * b.height - a.width * a.height)[0] ?? null;
}

/** A probe's tile: a news photo fitted into a 300x440 box, or the 112 or 80 px tight crop as it is. */
async function tileOf(bytes: Buffer, condition: Condition, box: FaceBox | null): Promise<{ tile: Buffer; width: number; height: number } | null> {
  const src = condition === 'news' ? await sharp(bytes).rotate().jpeg().toBuffer() : await degrade(bytes, condition, box);
  if (!src) return null;
  const fitted = condition === 'news' ? sharp(src).resize(300, 440, { fit: 'inside' }) : sharp(src);
  const { data, info } = await fitted.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { tile: await sharp(data, { raw: info }).png().toBuffer(), width: info.width, height: info.height };
}

/** Where a placed tile is on frame `f` (sliding ones move in from their side between ENTER_AT and ENTER_AT + ENTER_FRAMES). */
function positionAt(p: Placed, f: number): { x: number; y: number } | null {
  if (!p.slides) return { x: p.x, y: p.y };
  if (f < ENTER_AT) return null;
  const t = Math.min(1, (f - ENTER_AT) / ENTER_FRAMES);
  const start = p.side === 'left' ? -p.probe.width : W;
  return { x: Math.round(start + (p.x - start) * t), y: p.y };
}

/** One frame of a scene: grey with a little sensor noise, each tile's visible part composited in. */
async function frameOf(scene: Placed[], f: number, noise: Buffer): Promise<Uint8Array> {
  const layers: OverlayOptions[] = [];
  for (const p of scene) {
    const at = positionAt(p, f);
    if (!at) continue;
    const left = Math.max(0, at.x);
    const right = Math.min(W, at.x + p.probe.width);
    if (right - left < 2) continue;
    const part = await sharp(p.probe.tile)
      .extract({ left: left - at.x, top: 0, width: right - left, height: p.probe.height })
      .toBuffer();
    layers.push({ input: part, left, top: at.y });
  }
  const jpeg = await sharp(noise, { raw: { width: W, height: H, channels: 3 } })
    .composite(layers)
    .jpeg({ quality: 85 })
    .toBuffer();
  return new Uint8Array(jpeg);
}

/** The tile a track's box belongs to on frame `f`: the one holding its centre. */
function tileOfTrack(scene: Placed[], f: number, [x, y, w, h]: readonly number[]): Placed | null {
  const cx = x! + w! / 2;
  const cy = y! + h! / 2;
  for (const p of scene) {
    const at = positionAt(p, f);
    if (at && cx >= at.x && cx < at.x + p.probe.width && cy >= at.y && cy < at.y + p.probe.height) return p;
  }
  return null;
}

const load = sampleLoad();
const server = await startServerProcess(extraEnv);
try {
  const all = walkDataset(root).people.filter((p) => p.images.length > 0);
  const people: Person[] = half === null ? all : identityFolds(all, 2, 1)[half]!;
  // Enrolled: the first people (by name) with a photo left over after enrolment; everyone else in the half is a stranger.
  const enrollable = people.filter((p) => p.images.length > enrolPhotos).sort((a, b) => a.name.localeCompare(b.name));
  const enrolled = new Set(enrollable.slice(0, Number(values.enrolled)).map((p) => p.name));
  const ids = new Map<string, string>();
  const enrolment: { person: string; accepted: number }[] = [];
  for (const p of people.filter((x) => enrolled.has(x.name))) {
    const person = await call(server.url, 'POST', '/api/v1/people', { name: p.name });
    ids.set(p.name, person.id);
    const form = new FormData();
    for (const rel of p.images.slice(0, enrolPhotos))
      form.append('images', new Blob([new Uint8Array(fs.readFileSync(path.join(root, rel)))], { type: 'image/jpeg' }), path.basename(rel));
    const res = (await (await fetch(`${server.url}/api/v1/people/${person.id}/faces`, { method: 'POST', body: form })).json()) as {
      results: { status: string }[];
    };
    enrolment.push({ person: p.name, accepted: res.results.filter((r) => r.status === 'accepted').length });
  }
  const probes: Probe[] = [];
  const skipped: string[] = [];
  for (const p of people) {
    for (const rel of enrolled.has(p.name) ? p.images.slice(enrolPhotos) : p.images) {
      const bytes = fs.readFileSync(path.join(root, rel));
      const box = await faceBox(server.url, bytes);
      for (const condition of conditions) {
        const t = await tileOf(bytes, condition, box);
        if (t) probes.push({ person: p.name, enrolled: enrolled.has(p.name), photo: rel, condition, ...t });
        else skipped.push(`${rel} ${condition}`);
      }
    }
  }
  // Scenes: the probes in a fixed shuffled order, taken one or two at a time (two: side by side); every third face
  // slides in from its edge once the scene has settled.
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const order = [...probes].sort(() => rand() - 0.5);
  const scenes: Placed[][] = [];
  for (let i = 0, k = 0; i < order.length; k++) {
    const two = k % 3 !== 2 && i + 1 < order.length && order[i]!.person !== order[i + 1]!.person;
    const group = order.slice(i, i + (two ? 2 : 1));
    i += group.length;
    scenes.push(
      group.map((probe, j) => {
        const side: Placed['side'] = group.length === 2 ? (j === 0 ? 'left' : 'right') : rand() < 0.5 ? 'left' : 'right';
        const slot = group.length === 2 ? (j === 0 ? 0 : W / 2) : W / 4;
        return {
          probe,
          x: Math.round(slot + (W / 2 - probe.width) / 2),
          y: Math.round((H - probe.height) / 2),
          slides: (i + j) % 3 === 0,
          side,
        };
      }),
    );
  }
  const noise = Buffer.alloc(W * H * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = 118 + Math.floor(rand() * 12);

  interface FaceResult {
    person: string;
    enrolled: boolean;
    photo: string;
    condition: Condition;
    sceneFaces: number;
    slides: boolean;
    /** Name shown on its box over the last JUDGE_FRAMES frames (majority), null: none or unknown. */
    shown: string | null;
    /** Frames on which its box showed a name not its own. */
    wrongFrames: number;
    /** Frames on which it had a box at all. */
    boxedFrames: number;
  }
  const faces: FaceResult[] = [];
  for (const scene of scenes) {
    const frames: Uint8Array[] = [];
    for (let f = 0; f < SCENE_FRAMES; f++) frames.push(await frameOf(scene, f, noise));
    const cam = await connectCamera(server.url, CAMERA);
    const run = PACE === 'flood' ? await cam.flood(frames, FPS) : await cam.stream({ frames, fps: FPS, durationMs: (SCENE_FRAMES * 1000) / FPS });
    cam.close();
    const byFrame = new Map<number, Overlay>(run.answers.map((a) => [a.tick, a.overlay]));
    for (const p of scene) {
      let wrongFrames = 0;
      let boxedFrames = 0;
      const last: (string | null)[] = [];
      for (let f = 0; f < SCENE_FRAMES; f++) {
        const o = byFrame.get(f);
        if (!o) continue;
        const mine = o.tracks.filter((t) => tileOfTrack(scene, f, t.box) === p);
        if (mine.length) boxedFrames++;
        const names = mine.filter((t) => t.state === 'recognized' && t.name).map((t) => t.name!);
        if (names.some((n) => n !== p.probe.person)) wrongFrames++;
        if (f >= SCENE_FRAMES - JUDGE_FRAMES) last.push(names[0] ?? null);
      }
      const counts = new Map<string | null, number>();
      for (const n of last) counts.set(n, (counts.get(n) ?? 0) + 1);
      const shown = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
      faces.push({
        person: p.probe.person,
        enrolled: p.probe.enrolled,
        photo: p.probe.photo,
        condition: p.probe.condition,
        sceneFaces: scene.length,
        slides: p.slides,
        shown,
        wrongFrames,
        boxedFrames,
      });
    }
    // The next scene on a fresh socket starts with nobody in view.
    await new Promise((r) => setTimeout(r, 100));
  }
  const rate = (xs: FaceResult[], pred: (f: FaceResult) => boolean) => ({
    n: xs.length,
    k: xs.filter(pred).length,
    rate: xs.length ? +((100 * xs.filter(pred).length) / xs.length).toFixed(1) : null,
  });
  const rows: Record<string, HeldoutClientRow> = {};
  const groups: [string, (f: FaceResult) => boolean][] = [
    ['all', () => true],
    ['news', (f) => f.condition === 'news'],
    ...conditions.map((c): [string, (f: FaceResult) => boolean] => [c, (f) => f.condition === c]),
    ['alone', (f) => f.sceneFaces === 1],
    ['two side by side', (f) => f.sceneFaces === 2],
    ['sliding in', (f) => f.slides],
  ];
  for (const [label, pick] of groups) {
    const sel = faces.filter(pick);
    const mine = sel.filter((f) => f.enrolled);
    const strangers = sel.filter((f) => !f.enrolled);
    rows[label] = {
      enrolledNamed: rate(mine, (f) => f.shown === f.person),
      strangersNamed: rate(strangers, (f) => f.shown !== null),
      facesWithWrongName: rate(sel, (f) => f.wrongFrames > 0),
      wrongNameFaceFrames: sel.reduce((a, f) => a + f.wrongFrames, 0),
      neverBoxed: rate(sel, (f) => f.boxedFrames === 0),
    };
  }
  const out = {
    benchmark: 'heldout-client',
    generatedAt: new Date().toISOString(),
    root,
    half: values.half,
    settings: {
      env: extraEnv,
      enrolledPeople: enrolled.size,
      enrolPhotos,
      people: people.length,
      frame: `${W}x${H}`,
      fps: FPS,
      pace: PACE,
      sceneFrames: SCENE_FRAMES,
      judgedOn: `the last ${JUDGE_FRAMES} frames of each scene`,
      conditions: {
        news: 'the photo fitted into 300x440',
        tight112: 'train/lib/degrade.ts tight112: the detector box square-cropped and scaled to 112 px',
        tight80: 'the same at 80 px',
      },
    },
    machine: { load: load.stop() },
    enrolment,
    skipped,
    scenes: scenes.length,
    rows,
    faces,
  };
  fs.mkdirSync(path.dirname(values.out), { recursive: true });
  fs.writeFileSync(values.out, JSON.stringify(out, null, 2) + '\n');
  console.log(JSON.stringify({ scenes: scenes.length, enrolment, rows }, null, 1));
  if (values.docs) {
    const { begin, end } = heldoutClientMarkers(heldoutClientKey(out));
    fs.writeFileSync(values.docs, replaceMarked(fs.readFileSync(values.docs, 'utf8'), heldoutClientSection(out, values.docs, values.out), begin, end));
  }
} finally {
  await server.stop();
}
