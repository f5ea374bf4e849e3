// Scores trackers on the simulated scenes (bench/tracking-scenes.ts): MOT-style id switches per 100 faces. Shared by
// tests/unit/tracking-scenes.test.ts and bench/tracking.ts.
import { associate } from '../src/server/tracking/geometry.js';
import { Tracker, type TrackerOptions } from '../src/server/tracking/tracker.js';
import type { Box } from '../src/server/vision/detector.js';
import { detectFrames, HEIGHT, makeScene, SCENE_KINDS, WIDTH, type DetectionNoise, type SceneKind, type SimFrame } from './tracking-scenes.js';

/** The scenes' frame, passed as the server passes each frame's size (pipeline.ts): tracks that left it end early. */
const PICTURE = { width: WIDTH, height: HEIGHT };

/**
 * Gives each detection of a frame a track id, or null when the frame was not detected (the server answered it with the
 * tracker's prediction). `truth` is each detection's true face (-1: false), for trackers that simulate voting.
 */
export type FrameTracker = (boxes: Box[], now: number, truth?: number[]) => number[] | null;
/** A tracker that is given every frame's detections. */
export type EveryFrameTracker = (boxes: Box[], now: number) => number[];

/** The tracker before motion prediction: IoU with each track's last box, greedy, no notion of time or staleness. */
export function legacyTracker(minIou = 0.3, maxMisses = 5): EveryFrameTracker {
  let tracks: { id: number; box: Box; misses: number }[] = [];
  let nextId = 1;
  return (boxes) => {
    const assignment = associate(
      tracks.map((t) => t.box),
      boxes,
      minIou,
    );
    const seen = new Set<number>();
    const ids = boxes.map((box, d) => {
      const existing = assignment[d]! >= 0 ? tracks[assignment[d]!]! : undefined;
      const t = existing ?? { id: nextId++, box, misses: 0 };
      if (!existing) tracks.push(t);
      t.box = box;
      t.misses = 0;
      seen.add(t.id);
      return t.id;
    });
    for (const t of tracks) if (!seen.has(t.id)) t.misses += 1;
    tracks = tracks.filter((t) => t.misses <= maxMisses);
    return ids;
  };
}

/** The project's Tracker, given each frame's capture time unless `timestamps` is false (then one frame is assumed). */
export function projectTracker(over: Partial<TrackerOptions> = {}, timestamps = true): EveryFrameTracker {
  const tracker = new Tracker({ minIou: 0.3, maxMisses: 5, voteWindow: 5, reembedEvery: 15, ...over });
  return (boxes, now) => tracker.update(boxes, timestamps ? { now, picture: PICTURE } : { picture: PICTURE }).trackIds;
}

/** What the server detects by default (DETECT_INTERVAL_MS, src/server/config.ts). */
export const SERVER_DETECT_INTERVAL_MS = 200;

/**
 * The project's Tracker as the server drives it (src/server/recognition/pipeline.ts withinInterval() and process()): a frame within
 * `intervalMs` of the last detected one, while every track is settled, is not detected and gets coast(); otherwise it
 * is detected, and each track asking for an embedding gets a vote for its true face (a false detection matches nobody).
 */
export function serverTracker(intervalMs = SERVER_DETECT_INTERVAL_MS, over: Partial<TrackerOptions> = {}): FrameTracker {
  const tracker = new Tracker({ minIou: 0.3, maxMisses: 5, voteWindow: 5, reembedEvery: 15, ...over });
  let lastDetected: number | null = null;
  return (boxes, now, truth) => {
    const since = lastDetected === null ? NaN : now - lastDetected;
    if (since > 0 && since < intervalMs && tracker.settled()) {
      tracker.coast({ now, picture: PICTURE });
      return null;
    }
    lastDetected = now;
    const { trackIds, needEmbedding } = tracker.update(boxes, { now, picture: PICTURE });
    for (const d of needEmbedding) {
      const face = truth?.[d] ?? -1;
      tracker.vote(trackIds[d]!, face < 0 ? { personId: null, name: null, score: 0.2 } : { personId: `p${face}`, name: `face ${face}`, score: 0.8 });
    }
    return trackIds;
  };
}

export interface SwitchCount {
  /** True faces detected at least once. */
  faces: number;
  /** Times a true face's track id differed from the one it had when last detected (MOT IDSW). */
  switches: number;
  /** True faces with at least one switch. */
  facesWithSwitch: number;
  /** Track ids given to more than one true face (a track took another face's detections), counted per extra face. */
  transfers: number;
}

export function countSwitches(frames: SimFrame[], track: FrameTracker): SwitchCount {
  const last = new Map<number, number>();
  const switched = new Set<number>();
  const facesOfTrack = new Map<number, Set<number>>();
  let switches = 0;
  for (const f of frames) {
    const ids = track(f.boxes, f.now, f.truth);
    // A frame the server did not detect: no detection got an id, so nothing to count (the next detected one is).
    if (ids === null) continue;
    f.truth.forEach((face, d) => {
      if (face < 0) return;
      const id = ids[d]!;
      const before = last.get(face);
      if (before !== undefined && before !== id) {
        switches += 1;
        switched.add(face);
      }
      last.set(face, id);
      const owners = facesOfTrack.get(id) ?? new Set<number>();
      owners.add(face);
      facesOfTrack.set(id, owners);
    });
  }
  let transfers = 0;
  for (const owners of facesOfTrack.values()) transfers += owners.size - 1;
  return { faces: last.size, switches, facesWithSwitch: switched.size, transfers };
}

export interface Evaluation extends SwitchCount {
  /** Share of the processed frames whose detections reached the tracker (the rest were coasted). */
  detectedShare: number;
  switchesPer100: number;
  transfersPer100: number;
}

const per100 = (n: number, faces: number) => (faces ? +((100 * n) / faces).toFixed(2) : 0);

/** Sums counts over `scenes` seeded scenes of each kind, processed at `fps`, each with a fresh tracker. */
export function evaluate(make: () => FrameTracker, fps: number, o: { scenes: number; seed?: number; kinds?: SceneKind[]; noise?: DetectionNoise }): Evaluation {
  const total: SwitchCount = { faces: 0, switches: 0, facesWithSwitch: 0, transfers: 0 };
  let [frames, detected] = [0, 0];
  for (const kind of o.kinds ?? SCENE_KINDS) {
    for (let i = 0; i < o.scenes; i++) {
      const seed = (o.seed ?? 1) * 100_003 + i * 7_919 + SCENE_KINDS.indexOf(kind) * 104_729;
      const sim = detectFrames(makeScene(kind, seed), fps, seed, o.noise);
      const track = make();
      frames += sim.length;
      const c = countSwitches(sim, (boxes, now, truth) => {
        const ids = track(boxes, now, truth);
        if (ids !== null) detected += 1;
        return ids;
      });
      total.faces += c.faces;
      total.switches += c.switches;
      total.facesWithSwitch += c.facesWithSwitch;
      total.transfers += c.transfers;
    }
  }
  return {
    ...total,
    detectedShare: frames ? +(detected / frames).toFixed(3) : 0,
    switchesPer100: per100(total.switches, total.faces),
    transfersPer100: per100(total.transfers, total.faces),
  };
}
