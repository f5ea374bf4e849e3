// Presentation attacks through the real server, whole videos: each phone replay and live video of a development set
// (`--root`, laid out as ../shared/antispoof: replay/*.mp4|MOV with Replay_30.csv naming each replay's original, and
// live/*) is streamed from its first frame to a door camera whose policy requires liveness, at its own 15 fps capture
// clock, each frame answered before the next (no frame dropped: the tracker and the evidence rule see every frame), with
// the person it shows enrolled. What a door would do with it: checked in or not, when, under how many track ids, and
// when "not live" was first shown. docs/accuracy.md's "Whole presentations" table replays the evidence rule on one
// track's per-frame scores; this runs the live path itself (detector, tracker, which frames get checked, voting).
// The set carries no licence, so it is read from a path and never committed.
// Results go to train/results/ with the other evaluations on a data set: bench/results/ holds BENCHMARKS.md's suites.
// Usage: npx tsx bench/liveness-replays.ts --root ../shared/antispoof [--out train/results/liveness-replays.json]
//   [--env K=V ...] [--docs docs/accuracy.md (rewrites its liveness-replays section from the results)]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Overlay } from '../src/shared/protocol.js';
import { connectCamera } from './lib/camera.js';
import { callJson as call } from './lib/rest.js';
import { LIVENESS_REPLAYS_MARKERS, livenessReplaysSection, replaceMarked } from './lib/eval-sections.js';
import { sampleLoad } from './lib/machine.js';
import { startServerProcess } from './lib/server-process.js';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    out: { type: 'string', default: 'train/results/liveness-replays.json' },
    env: { type: 'string', multiple: true, default: [] },
    fps: { type: 'string', default: '15' },
    window: { type: 'string', default: '5' },
    docs: { type: 'string' },
  },
});
if (!values.root) throw new Error('usage: npx tsx bench/liveness-replays.ts --root <folder with replay/ and live/>');
const root = path.resolve(values.root);
const fps = Number(values.fps);
const windowS = Number(values.window);
const extraEnv = Object.fromEntries(values.env.map((kv) => kv.split(/=(.*)/s).slice(0, 2) as [string, string]));
const CAMERA = 'door';
const VIDEO = /\.(mp4|mov|3gp)$/i;

interface Video {
  kind: 'replay' | 'live';
  file: string;
  id: string;
  /** The live video a replay shows, when the set holds it. */
  original: string | null;
}

function videos(): Video[] {
  const list = (dir: string) =>
    fs.existsSync(path.join(root, dir))
      ? fs
          .readdirSync(path.join(root, dir))
          .filter((f) => VIDEO.test(f))
          .sort()
      : [];
  const csv = path.join(root, 'replay', 'Replay_30.csv');
  const originalOf = new Map<string, string>();
  if (fs.existsSync(csv))
    for (const line of fs.readFileSync(csv, 'utf8').split('\n').slice(1)) {
      const [liveId, , link] = line.split(';');
      if (liveId && link) originalOf.set(link.split('/')[0]!, liveId);
    }
  const liveFiles = list('live');
  const id = (f: string) => f.replace(VIDEO, '');
  return [
    ...list('replay').map((f): Video => {
      const o = originalOf.get(id(f));
      const file = o ? liveFiles.find((l) => id(l) === o) : undefined;
      return { kind: 'replay', file: path.join(root, 'replay', f), id: id(f), original: file ? path.join(root, 'live', file) : null };
    }),
    ...liveFiles.map((f): Video => ({ kind: 'live', file: path.join(root, 'live', f), id: id(f), original: null })),
  ];
}

/** The video at `fps` as JPEGs no wider than 640 (what a camera client sends), upright (ffmpeg applies the rotation tag). */
function frames(file: string): Uint8Array<ArrayBuffer>[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pad-video-'));
  try {
    execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-vf', `fps=${fps},scale='min(640,iw)':-2`, '-q:v', '4', path.join(dir, 'f%04d.jpg')]);
    return fs
      .readdirSync(dir)
      .sort()
      .map((f) => new Uint8Array(fs.readFileSync(path.join(dir, f))));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Enrols `name` from frames at 30%, 50% and 70% of the video; returns how many the enrolment gates accepted. */
async function enrol(url: string, name: string, from: Uint8Array<ArrayBuffer>[]): Promise<number> {
  const person = await call(url, 'POST', '/api/v1/people', { name });
  const form = new FormData();
  for (const at of [0.3, 0.5, 0.7]) form.append('images', new Blob([from[Math.floor(from.length * at)]!], { type: 'image/jpeg' }), `f${at}.jpg`);
  const res = await fetch(`${url}/api/v1/people/${person.id}/faces`, { method: 'POST', body: form });
  const out = (await res.json()) as { results: { status: string }[] };
  return out.results.filter((r) => r.status === 'accepted').length;
}

/** What the door showed for one presentation (a fresh socket: a fresh track). */
interface Presentation {
  kind: Video['kind'];
  video: string;
  /** 'whole', or the 5 s window's start (s). */
  window: 'whole' | number;
  frames: number;
  framesWithFace: number;
  trackIds: number;
  /** Seconds from the first frame with a face to the first `liveOk: true` (a check-in follows once named); null: never. */
  liveAfterS: number | null;
  /** ...to the first frame showing the enrolled name with `liveOk: true`. */
  namedLiveAfterS: number | null;
  notLiveAfterS: number | null;
}

async function present(url: string, v: Video, name: string, shown: Uint8Array[], window: Presentation['window']): Promise<Presentation> {
  const cam = await connectCamera(url, CAMERA);
  const run = await cam.flood(shown, fps);
  cam.close();
  const answers = [...run.answers].sort((a, b) => a.tick - b.tick);
  const firstFace = answers.findIndex((a) => a.overlay.tracks.length > 0);
  const after = (pred: (tr: Overlay['tracks'][number]) => boolean) => {
    const i = answers.findIndex((a) => a.overlay.tracks.some(pred));
    return i >= 0 && firstFace >= 0 ? +((i - firstFace) / fps).toFixed(2) : null;
  };
  // The next presentation starts with nobody in view: the server retires this session's tracks with the socket.
  await new Promise((res) => setTimeout(res, 300));
  return {
    kind: v.kind,
    video: path.relative(root, v.file),
    window,
    frames: answers.length,
    framesWithFace: answers.filter((a) => a.overlay.tracks.length > 0).length,
    trackIds: new Set(answers.flatMap((a) => a.overlay.tracks.map((tr) => tr.id))).size,
    liveAfterS: after((tr) => tr.liveOk === true),
    namedLiveAfterS: after((tr) => tr.liveOk === true && tr.state === 'recognized' && tr.name === name),
    notLiveAfterS: after((tr) => tr.liveOk === false),
  };
}

const count = (xs: Presentation[], pred: (p: Presentation) => boolean) => `${xs.filter(pred).length} of ${xs.length}`;

const load = sampleLoad();
const server = await startServerProcess(extraEnv);
const presentations: Presentation[] = [];
const enrolments: { video: string; from: string; accepted: number }[] = [];
try {
  await call(server.url, 'PUT', '/api/v1/camera-policies', { camera: CAMERA, requireLive: true });
  for (const v of videos()) {
    const shown = frames(v.file);
    // The person shown: enrolled from the live original where the set has it, else from the replay's own later frames
    // (the worst case: the attack then matches its enrolment as closely as it can).
    const from = v.kind === 'live' ? 'own frames' : v.original ? 'the live original' : "the replay's own frames";
    const name = `${v.kind} ${v.id}`;
    enrolments.push({ video: path.relative(root, v.file), from, accepted: await enrol(server.url, name, v.original ? frames(v.original) : shown) });
    // From its first frame, as a door sees a phone brought up to it; then each 5 s window alone, as a door sees a
    // presentation that starts with the screen already in place (docs/accuracy.md's tiled per-track table).
    presentations.push(await present(server.url, v, name, shown, 'whole'));
    const per = Math.round(windowS * fps);
    for (let at = 0; at + per <= shown.length; at += per) presentations.push(await present(server.url, v, name, shown.slice(at, at + per), at / fps));
    for (const p of presentations.filter((x) => x.video === path.relative(root, v.file))) console.log(JSON.stringify(p));
  }
  const checkins = (await call(server.url, 'GET', '/api/v1/check-ins?format=json')) as { total: number };
  const events = (await call(server.url, 'GET', '/api/v1/security-events?limit=200')) as { total: number };
  const of = (kind: Video['kind'], whole: boolean) => presentations.filter((p) => p.kind === kind && (p.window === 'whole') === whole);
  const summary = {
    'phone replays reaching "live", whole': count(of('replay', true), (p) => p.liveAfterS !== null),
    'phone replays reaching "live", 5 s windows': count(of('replay', false), (p) => p.liveAfterS !== null),
    'phone replays named and live (a check-in), 5 s windows': count(of('replay', false), (p) => p.namedLiveAfterS !== null),
    'phone replays shown "not live", 5 s windows': count(of('replay', false), (p) => p.notLiveAfterS !== null),
    'live videos never live, 5 s windows': count(of('live', false), (p) => p.liveAfterS === null),
    'live videos live later than 1 s, 5 s windows': count(of('live', false), (p) => p.liveAfterS === null || p.liveAfterS > 1),
    'live videos ever shown "not live", 5 s windows': count(of('live', false), (p) => p.notLiveAfterS !== null),
    'live videos never live, whole': count(of('live', true), (p) => p.liveAfterS === null),
    checkIns: checkins.total,
    securityEvents: events.total,
  };
  const out = {
    benchmark: 'liveness-replays',
    generatedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, load: load.stop() },
    root,
    settings: {
      camera: CAMERA,
      requireLive: true,
      fps,
      windowS,
      env: extraEnv,
      delivery: 'each presentation on a fresh socket, frames sent as fast as answered (2 in flight), capture times on the video clock',
      enrolment: '3 frames of the live original (30%, 50%, 70%), else of the video itself',
    },
    enrolments,
    presentations,
    summary,
  };
  fs.mkdirSync(path.dirname(values.out), { recursive: true });
  fs.writeFileSync(values.out, JSON.stringify(out, null, 2) + '\n');
  console.log(JSON.stringify(summary, null, 1));
  if (values.docs) {
    const { begin, end } = LIVENESS_REPLAYS_MARKERS;
    fs.writeFileSync(values.docs, replaceMarked(fs.readFileSync(values.docs, 'utf8'), livenessReplaysSection(out, values.docs, values.out), begin, end));
  }
} finally {
  await server.stop();
}
