// Wrong names on faces, simulated: the tracker, its clock and the pipeline's detect-or-coast rule driven as the server
// drives them (src/server/recognition/pipeline.ts), on seeded scenes (bench/tracking-scenes.ts), with clients that stamp
// captureTime at capture, at send time, with jitter, or not at all (frozen). Embeddings are simulated from the truth
// with realistic misses (below the threshold, or closest to someone else) but never a false match: what is counted is
// every name the tracking around the model puts on the wrong face. The answer budget runs as the pipeline runs it
// (src/server/recognition/answer-budget.ts): on a quiet server every embedding lands within it; on a loaded one an
// embedding takes as long as EMBED_WAIT_LOADED says, and one past the budget votes after its frame was answered, while
// the frames after it are predicted. Shared by bench/naming.ts and its unit test.
import { AnswerBudget, FRAME_MS_AT_15_FPS } from '../src/server/recognition/answer-budget.js';
import { FrameClock } from '../src/server/tracking/clock.js';
import { Tracker, type TrackSnapshot } from '../src/server/tracking/tracker.js';
import type { Vote } from '../src/server/tracking/voting.js';

import { iou } from '../src/server/tracking/geometry.js';
import { detectFrames, HEIGHT, makeScene, NATIVE_FPS, rng, WIDTH, type Rng, type Scene, type SceneKind } from './tracking-scenes.js';

export type ClientClock = 'capture' | 'send' | 'jitter' | 'frozen';
export const CLIENT_CLOCKS: ClientClock[] = ['capture', 'send', 'jitter', 'frozen'];

/**
 * How long a frame's embedding takes, from the frame's arrival to its votes (queue and inference): `quiet`, always within
 * the answer budget; `loaded`, EMBED_WAIT_LOADED.
 */
export type ServerLoad = 'quiet' | 'loaded';
export const SERVER_LOADS: ServerLoad[] = ['quiet', 'loaded'];
/**
 * A loaded server's embedding wait: 30 ms plus an exponential tail of mean 70 ms (p50 ~80 ms, p95 ~240 ms), capped at
 * 1.5 s. Harsher than measured: six busy cameras on two cores waited 52 ms (queue p95) plus 90 ms (embed p95).
 */
export const EMBED_WAIT_LOADED = { minMs: 30, meanTailMs: 70, maxMs: 1500 };

/** The server's defaults (src/server/config.ts): DETECT_INTERVAL_MS, TRACK_MIN_IOU, TRACK_MAX_MISSES, VOTE_WINDOW, REEMBED_EVERY. */
const DETECT_INTERVAL_MS = 200;
const TRACKER = { minIou: 0.3, maxMisses: 5, voteWindow: 5, reembedEvery: 15 };

/** How a simulated embedding of an enrolled face turns out: matched, below the threshold (closest to them), closest to another. */
const EMBED = { match: 0.85, below: 0.13 };

export interface NamingCount {
  /** Face-frames (a true face on a processed frame, detected or predicted) of enrolled people and of strangers. */
  enrolledFaceFrames: number;
  strangerFaceFrames: number;
  /** Enrolled face-frames showing that person's name. */
  named: number;
  /** Face-frames showing a name that is not theirs (another enrolled person's, or any name on a stranger). */
  wrongName: number;
  /** Named boxes on no face at all (a predicted box left behind). */
  namedGhosts: number;
  /** Faces that came fully into view while the processed frames went on, and those detected (shown) within 300 ms of it. */
  entered: number;
  foundWithin300: number;
  /** Time from fully in view to first shown, ms, per entered face that was shown at all. */
  detectMs: number[];
  /** Check-ins that would be recorded: a track's first recognised frame per (track, person); and those for the wrong person. */
  checkins: number;
  wrongCheckins: number;
  /** The work the decisions cost (issue 20): processed frames, those detected rather than predicted, faces embedded. */
  frames: number;
  detectedFrames: number;
  embeddings: number;
}

const emptyCount = (): NamingCount => ({
  enrolledFaceFrames: 0,
  strangerFaceFrames: 0,
  named: 0,
  wrongName: 0,
  namedGhosts: 0,
  entered: 0,
  foundWithin300: 0,
  detectMs: [],
  checkins: 0,
  wrongCheckins: 0,
  frames: 0,
  detectedFrames: 0,
  embeddings: 0,
});

/** The client's frame stamps and the server's arrival times for frames captured at `captureMs` (scene time, ms). */
function stamps(clock: ClientClock, captureMs: number[], r: Rng): { captureTime: number; receivedAt: number }[] {
  const epoch = 1_700_000_000_000;
  let queue = 0;
  let lastSend = -Infinity;
  return captureMs.map((c) => {
    const net = r.between(5, 40);
    if (clock === 'send') {
      // A client that queues frames and stamps them as it sends them: the stamp carries the queue's wandering delay.
      queue = Math.min(600, Math.max(0, queue + r.normal() * 120));
      const sent = Math.max(lastSend + 1, c + queue);
      lastSend = sent;
      return { captureTime: epoch + sent, receivedAt: sent + net };
    }
    if (clock === 'jitter') return { captureTime: epoch + c + r.normal() * 150, receivedAt: c + net };
    if (clock === 'frozen') return { captureTime: epoch, receivedAt: c + net };
    return { captureTime: epoch + c, receivedAt: c + net };
  });
}

/** Who each true face is: enrolled (`p<id>`) or a stranger (null). Both people of the side-by-side and handover scenes are enrolled. */
function identities(scene: Scene, r: Rng): (string | null)[] {
  return scene.faces.map((f) => (scene.kind === 'side' || scene.kind === 'handover' || r.uniform() < 0.7 ? `p${f.id}` : null));
}

function simulateVote(person: string | null, others: string[], r: Rng): Vote {
  const someone = () => others[Math.floor(r.uniform() * others.length)] ?? null;
  if (person === null) return { personId: null, name: null, score: 0.3, bestPersonId: someone() };
  const u = r.uniform();
  if (u < EMBED.match) return { personId: person, name: person, score: 0.9, bestPersonId: person };
  if (u < EMBED.match + EMBED.below) return { personId: null, name: null, score: 0.6, bestPersonId: person };
  return { personId: null, name: null, score: 0.5, bestPersonId: someone() };
}

/** A face's box wholly inside the picture, and not more than half behind a larger one, at native frame f. */
function fullyInView(scene: Scene, faceId: number, f: number): boolean {
  const face = scene.faces[faceId]!;
  const b = face.boxes[f - face.first];
  if (!b || b.x < 0 || b.y < 0 || b.x + b.width > WIDTH || b.y + b.height > HEIGHT) return false;
  return !scene.faces.some((o) => {
    const ob = o.boxes[f - o.first];
    if (o.id === faceId || !ob || ob.width * ob.height <= b.width * b.height) return false;
    return iou(ob, b) > 0.2;
  });
}

/** Votes cast on a frame's embeddings, landing at `doneAt` (receive clock, ms). */
interface PendingVotes {
  doneAt: number;
  votes: { trackId: number; vote: Vote }[];
}

export function simulateNaming(scene: Scene, fps: number, clock: ClientClock, seed: number, load: ServerLoad = 'quiet'): NamingCount {
  const r = rng(seed ^ 0x5bd1e995);
  // Its own stream, so the scenes, stamps and votes are the same under either load.
  const waits = rng(seed ^ 0x2545f491);
  const embedWait = () =>
    load === 'quiet' ? 0 : Math.min(EMBED_WAIT_LOADED.maxMs, EMBED_WAIT_LOADED.minMs - EMBED_WAIT_LOADED.meanTailMs * Math.log(1 - waits.uniform()));
  const frames = detectFrames(scene, fps, seed);
  const times = stamps(
    clock,
    frames.map((f) => f.now),
    r,
  );
  const who = identities(scene, r);
  const enrolled = who.filter((p): p is string => p !== null);
  const tracker = new Tracker(TRACKER);
  const frameClock = new FrameClock();
  const count = emptyCount();
  let lastDetected: { at: number; receivedAt: number } | null = null;
  let livenessDue = true;
  let coastedInRow = 0;
  const inViewSince = new Map<number, number>();
  const found = new Set<number>();
  const checkedIn = new Set<string>();
  const budget = new AnswerBudget();
  // An answered frame's embedding still running (the pipeline's `checking`).
  let pending: PendingVotes | null = null;
  const land = (p: PendingVotes) => {
    for (const { trackId, vote } of p.votes) tracker.vote(trackId, vote);
    pending = null;
  };

  frames.forEach((frame, i) => {
    const { captureTime, receivedAt } = times[i]!;
    count.frames += 1;
    budget.noteArrival(receivedAt);
    const now = frameClock.tick(captureTime, receivedAt).now;
    // As the pipeline's withinInterval(): both clocks must place the frame inside the detection interval.
    const since =
      lastDetected === null ||
      receivedAt - lastDetected.receivedAt >= DETECT_INTERVAL_MS ||
      coastedInRow >= Math.max(1, Math.round(DETECT_INTERVAL_MS / FRAME_MS_AT_15_FPS) - 1)
        ? NaN
        : now - lastDetected.at;
    const withinInterval = since > 0 && since < DETECT_INTERVAL_MS;
    // As process(): while an answered frame's embedding runs, a frame within the interval waits for it up to the budget
    // and is predicted; any other frame waits until its votes are in.
    let predict = false;
    if (pending !== null) {
      const p: PendingVotes = pending;
      const wait = withinInterval ? budget.budgetMs(false) : null;
      if (wait === null || p.doneAt <= receivedAt + wait) land(p);
      predict = withinInterval;
    }
    // Which true face each shown track is on: by detection on a detected frame, by overlap on a predicted one.
    const shown: { track: TrackSnapshot; face: number }[] = [];
    if (predict || (withinInterval && !livenessDue && tracker.settled())) {
      const present = scene.faces.filter((t) => frame.index >= t.first && frame.index < t.first + t.boxes.length);
      coastedInRow += 1;
      // A predicted box is on the face it overlaps most (two boxes may both be on one face: each is counted).
      for (const track of tracker.coast({ now, trusted: true, picture: { width: WIDTH, height: HEIGHT } })) {
        let best = -1;
        let bestIou = 0.2;
        for (const t of present) {
          const o = iou(track.box, t.boxes[frame.index - t.first]!);
          if (o > bestIou) [best, bestIou] = [t.id, o];
        }
        shown.push({ track, face: best });
      }
    } else {
      lastDetected = { at: now, receivedAt };
      coastedInRow = 0;
      const { trackIds, needEmbedding } = tracker.update(frame.boxes, { now, trusted: true, picture: { width: WIDTH, height: HEIGHT } });
      livenessDue = needEmbedding.length > 0;
      count.detectedFrames += 1;
      count.embeddings += needEmbedding.length;
      const votes = needEmbedding.map((d) => {
        const face = frame.truth[d]!;
        const person = face < 0 ? null : who[face]!;
        const others = enrolled.filter((p) => p !== person);
        return { trackId: trackIds[d]!, vote: simulateVote(person, others, r) };
      });
      // As process(): routine checks of settled tracks land after the frame is answered; any other vote is waited for
      // within the answer budget (always on the socket's first frame), and past it lands after the frame too.
      const routine = votes.length > 0 && votes.every((v) => tracker.routineCheck(v.trackId));
      const doneAt = receivedAt + (votes.length > 0 ? embedWait() : 0);
      const wait = budget.budgetMs(false);
      if (!routine && (wait === null || doneAt <= receivedAt + wait)) land({ doneAt, votes });
      else if (votes.length > 0) pending = { doneAt, votes };
      const faceOfTrack = new Map(trackIds.map((id, d) => [id, frame.truth[d]!]));
      for (const track of tracker.visible()) shown.push({ track, face: faceOfTrack.get(track.id) ?? -1 });
    }
    // Entering faces: from the first native frame fully in view to the first processed frame that shows them.
    for (const f of scene.faces) {
      if (inViewSince.has(f.id)) continue;
      for (let k = Math.max(f.first, i > 0 ? frames[i - 1]!.index + 1 : 0); k <= frame.index; k++)
        if (fullyInView(scene, f.id, k)) {
          inViewSince.set(f.id, (k * 1000) / NATIVE_FPS);
          count.entered += 1;
          break;
        }
    }
    for (const { track, face } of shown) {
      if (face >= 0 && inViewSince.has(face) && !found.has(face)) {
        found.add(face);
        const ms = frame.now - inViewSince.get(face)!;
        count.detectMs.push(ms);
        if (ms <= 300) count.foundWithin300 += 1;
      }
      const name = track.state === 'recognized' ? track.personId : null;
      if (face < 0) {
        if (name) count.namedGhosts += 1;
        continue;
      }
      const person = who[face]!;
      if (person) count.enrolledFaceFrames += 1;
      else count.strangerFaceFrames += 1;
      if (name && name === person) count.named += 1;
      if (name && name !== person) count.wrongName += 1;
      if (name && !checkedIn.has(`${track.id}:${name}`)) {
        checkedIn.add(`${track.id}:${name}`);
        count.checkins += 1;
        if (name !== person) count.wrongCheckins += 1;
      }
    }
  });
  return count;
}

export interface NamingEvaluation extends Omit<NamingCount, 'detectMs'> {
  scenes: number;
  wrongNamePer1000: number;
  namedShare: number;
  newFaceRecall300: number;
  detectP95Ms: number | null;
}

const p95 = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(0.95 * xs.length))]! : null);

/** Sums `scenes` seeded scenes of each kind, processed at `fps`, with the given client clock. */
export function evaluateNaming(kinds: SceneKind[], fps: number, clock: ClientClock, o: { scenes: number; seed: number; load?: ServerLoad }): NamingEvaluation {
  const total = emptyCount();
  let n = 0;
  for (const kind of kinds)
    for (let i = 0; i < o.scenes; i++) {
      const seed = o.seed * 100_003 + i * 7_919 + kinds.indexOf(kind) * 104_729;
      const c = simulateNaming(makeScene(kind, seed), fps, clock, seed, o.load);
      n += 1;
      for (const k of Object.keys(total) as (keyof NamingCount)[]) {
        if (k === 'detectMs') total.detectMs.push(...c.detectMs);
        else total[k] += c[k];
      }
    }
  const { detectMs, ...rest } = total;
  const faceFrames = total.enrolledFaceFrames + total.strangerFaceFrames;
  return {
    ...rest,
    scenes: n,
    wrongNamePer1000: faceFrames ? +((1000 * total.wrongName) / faceFrames).toFixed(3) : 0,
    namedShare: total.enrolledFaceFrames ? +(total.named / total.enrolledFaceFrames).toFixed(4) : 0,
    newFaceRecall300: total.entered ? +(total.foundWithin300 / total.entered).toFixed(4) : 0,
    detectP95Ms: p95(detectMs) === null ? null : Math.round(p95(detectMs)!),
  };
}
