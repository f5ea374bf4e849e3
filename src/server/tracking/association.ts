// Pairs this frame's detections with tracks by where each track is predicted to be, not where it was last seen.
// Pure functions on plain boxes.
import type { Box } from '../vision/detector.js';
import { centreGap, iou, nearAny } from './geometry.js';
import { sizeOf, type Prediction } from './motion.js';

export interface TrackCandidate {
  prediction: Prediction;
  /** Processed frames since the track's last detection (0 = seen in the previous frame). */
  misses: number;
  /** Where the track was last detected and how long ago (s): no face walks faster than maxSpeed. */
  last: Box;
  gapS: number;
  /** Candidates with one key are one track (its state and an earlier one it may go back to): at most one is paired. */
  key?: number;
}

export interface AssociationOptions {
  /** IoU with the predicted box that always allows a pair. */
  minIou: number;
  /** Largest distance, in standard deviations of the prediction (centre and size together), that allows a pair. */
  gate: number;
  /** Fastest a face moves, in its own sizes per second (from the last sighting; half a size of slack for jitter). */
  maxSpeed?: number;
  /** Added to a pair's cost per frame the track was missed. */
  missPenalty?: number;
}

/** Distance of a detection from a prediction in standard deviations: centre x, y and ln(size), Mahalanobis-style. */
export function predictionDistance(p: Prediction, d: Box): number {
  const dx = (d.x + d.width / 2 - (p.box.x + p.box.width / 2)) / p.sigmaX;
  const dy = (d.y + d.height / 2 - (p.box.y + p.box.height / 2)) / p.sigmaY;
  const ds = Math.log(sizeOf(d) / sizeOf(p.box)) / p.sigmaSize;
  return Math.sqrt(dx * dx + dy * dy + ds * ds);
}

/** An unpaired track's prediction this near a paired detection (centres within this many times their summed sizes) contests it. */
const CONTEST_NEAR = 1;

/**
 * How unlikely a detection is as the next sighting of a track: the negative log-likelihood of a Gaussian prediction,
 * in box-size units. Unlike the distance alone it charges a wide prediction for its width, so a stale track, whose
 * prediction has spread out, loses a detection to a live track that predicted it about as well.
 */
export function pairCost(p: Prediction, d: Box): number {
  const distance = predictionDistance(p, d);
  const size = sizeOf(d);
  return (distance * distance) / 2 + Math.log((p.sigmaX * p.sigmaY) / (size * size)) + Math.log(p.sigmaSize);
}

/** The pair is allowed: IoU with the predicted box at least minIou, or within the gate, and never faster than maxSpeed. */
function allowed(track: TrackCandidate, det: Box, o: AssociationOptions): boolean {
  const overlap = iou(track.prediction.box, det);
  if (overlap < o.minIou && !(predictionDistance(track.prediction, det) <= o.gate)) return false;
  return o.maxSpeed === undefined || centreGap(track.last, det) <= sizeOf(track.last) * (0.5 + o.maxSpeed * track.gapS);
}

/** Detections and track keys where motion alone cannot decide (see associate()). */
export interface Contested {
  /** Detections that more than one track could have produced. */
  detections: Set<number>;
  /** Track keys that could have produced more than one detection. */
  keys: Set<number>;
}

/**
 * One-to-one association, greedy by cost over all pairs. A pair needs IoU >= minIou with the predicted box, or a
 * distance within the gate (so a small or fast face, whose boxes never overlap from frame to frame, still continues
 * its track). `missPenalty` is added per missed frame: tracks seen last frame choose before stale ones.
 * Returns, for each detection, the index of its track or -1, and from the same allowed pairs where motion alone cannot
 * decide: the tracker withholds those tracks' names until each face's own embedding confirms who it is.
 */
export function associate(tracks: TrackCandidate[], detections: Box[], o: AssociationOptions): { assignment: number[]; contested: Contested } {
  const pairs: { t: number; d: number; cost: number }[] = [];
  const keysOfDetection = detections.map(() => new Set<number>());
  const detectionsOfKey = new Map<number, Set<number>>();
  tracks.forEach((track, t) =>
    detections.forEach((det, d) => {
      if (!allowed(track, det, o)) return;
      pairs.push({ t, d, cost: pairCost(track.prediction, det) + (o.missPenalty ?? 0) * track.misses });
      const key = track.key ?? t;
      keysOfDetection[d]!.add(key);
      detectionsOfKey.set(key, (detectionsOfKey.get(key) ?? new Set<number>()).add(d));
    }),
  );
  pairs.sort((a, b) => a.cost - b.cost);
  const assignment = new Array<number>(detections.length).fill(-1);
  const used = new Set<number>();
  for (const { t, d } of pairs) {
    const key = tracks[t]!.key ?? t;
    if (assignment[d] !== -1 || used.has(key)) continue;
    assignment[d] = t;
    used.add(key);
  }
  const contested: Contested = { detections: new Set<number>(), keys: new Set<number>() };
  keysOfDetection.forEach((keys, d) => keys.size > 1 && contested.detections.add(d));
  for (const [key, ds] of detectionsOfKey) if (ds.size > 1) contested.keys.add(key);
  // A face seen on the last frame that finds no detection now, next to a detection another track took: perhaps that
  // track took this face (the clock said less time passed than did, and this face's gate was too tight to reach it).
  tracks.forEach((track, t) => {
    if (track.misses > 0 || used.has(track.key ?? t)) return;
    assignment.forEach((owner, d) => owner >= 0 && nearAny(track.prediction.box, [detections[d]!], CONTEST_NEAR) && contested.detections.add(d));
  });
  return { assignment, contested };
}

/** associate()'s pairing alone: for each detection, the index of its track or -1. */
export function associateTracks(tracks: TrackCandidate[], detections: Box[], o: AssociationOptions): number[] {
  return associate(tracks, detections, o).assignment;
}
