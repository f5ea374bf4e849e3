// Scores trackers on the simulated scenes (bench/tracking-scenes.ts): MOT-style id switches per 100 faces. Shared by
// tests/unit/tracking-scenes.test.ts and bench/tracking.ts.
import { associate } from '../src/server/tracking/geometry.js';
import { Tracker, type TrackerOptions } from '../src/server/tracking/tracker.js';
import type { Box } from '../src/server/vision/detector.js';
import { detectFrames, makeScene, SCENE_KINDS, type DetectionNoise, type SceneKind, type SimFrame } from './tracking-scenes.js';

/** Gives each detection of a frame a track id. */
export type FrameTracker = (boxes: Box[], now: number) => number[];

/** The tracker before motion prediction: IoU with each track's last box, greedy, no notion of time or staleness. */
export function legacyTracker(minIou = 0.3, maxMisses = 5): FrameTracker {
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
export function projectTracker(over: Partial<TrackerOptions> = {}, timestamps = true): FrameTracker {
  const tracker = new Tracker({ minIou: 0.3, maxMisses: 5, voteWindow: 5, reembedEvery: 15, ...over });
  return (boxes, now) => tracker.update(boxes, timestamps ? { now } : {}).trackIds;
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
    const ids = track(f.boxes, f.now);
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
  switchesPer100: number;
  transfersPer100: number;
}

const per100 = (n: number, faces: number) => (faces ? +((100 * n) / faces).toFixed(2) : 0);

/** Sums counts over `scenes` seeded scenes of each kind, processed at `fps`, each with a fresh tracker. */
export function evaluate(make: () => FrameTracker, fps: number, o: { scenes: number; seed?: number; kinds?: SceneKind[]; noise?: DetectionNoise }): Evaluation {
  const total: SwitchCount = { faces: 0, switches: 0, facesWithSwitch: 0, transfers: 0 };
  for (const kind of o.kinds ?? SCENE_KINDS) {
    for (let i = 0; i < o.scenes; i++) {
      const seed = (o.seed ?? 1) * 100_003 + i * 7_919 + SCENE_KINDS.indexOf(kind) * 104_729;
      const c = countSwitches(detectFrames(makeScene(kind, seed), fps, seed, o.noise), make());
      total.faces += c.faces;
      total.switches += c.switches;
      total.facesWithSwitch += c.facesWithSwitch;
      total.transfers += c.transfers;
    }
  }
  return { ...total, switchesPer100: per100(total.switches, total.faces), transfersPer100: per100(total.transfers, total.faces) };
}
