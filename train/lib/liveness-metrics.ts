// Presentation-attack metrics (ISO/IEC 30107-3 names): APCER = share of attack presentations accepted as real, per
// attack type; BPCER = share of bona fide (real) presentations rejected. Per frame and per track, where a track is a
// window of consecutive frames of one presented face run through the server's evidence rule. Pure functions.
import { foldLiveness, initialLiveness, type LivenessEvidenceSettings } from '../../src/server/tracking/liveness-evidence.js';

export interface Point {
  x: number;
  y: number;
}

/** The per-frame cues that train/lib/liveness-cues.ts measures (there, what each one is). */
export const CUE_NAMES = ['otherFaces', 'border', 'glare', 'chroma', 'detail', 'scoreSpread'] as const;
export type CueName = (typeof CUE_NAMES)[number];
export type FrameCues = Record<CueName, number>;

/** One frame of a track: the presented face's mean "real" probability and BlazeFace keypoints; null when no face was found. */
export interface FrameObs {
  real: number;
  keypoints: Point[];
  /** The cues of train/lib/liveness-cues.ts, where the evaluation measured them. */
  cues?: FrameCues;
}

export interface TrackObs {
  source: string;
  /** 'bona-fide' or an attack type. */
  kind: string;
  fps: number;
  frames: (FrameObs | null)[];
}

/** The motion cue: accept only faces whose keypoints move non-rigidly (not as one flat picture) over recent frames. */
export interface MotionCue {
  /** Frames between the two keypoint sets compared. */
  lag: number;
  /** Recent residuals whose median is compared (the cue waits for this many). */
  window: number;
  /** Median affine-fit residual, as a fraction of the eye distance, at or above which the face moves like a 3D one. */
  minResidual: number;
}

/**
 * RMS residual of the least-squares 2D affine map from `a` to `b`, over the eye distance in `b`. A flat picture moved
 * in front of the camera (without strong perspective) maps by an affine transform; a head turning or talking does not.
 */
export function affineResidual(a: Point[], b: Point[]): number {
  const n = Math.min(a.length, b.length);
  // Normal equations for [p q r] with p*x + q*y + r = target, shared by both output coordinates.
  const m = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const vx = [0, 0, 0],
    vy = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const row = [a[i]!.x, a[i]!.y, 1];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) m[r * 3 + c]! += row[r]! * row[c]!;
      vx[r]! += row[r]! * b[i]!.x;
      vy[r]! += row[r]! * b[i]!.y;
    }
  }
  const px = solve3(m, vx),
    py = solve3(m, vy);
  if (!px || !py) return 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const ex = px[0]! * a[i]!.x + px[1]! * a[i]!.y + px[2]! - b[i]!.x;
    const ey = py[0]! * a[i]!.x + py[1]! * a[i]!.y + py[2]! - b[i]!.y;
    ss += ex * ex + ey * ey;
  }
  const eye = Math.hypot(b[1]!.x - b[0]!.x, b[1]!.y - b[0]!.y) || 1;
  return Math.sqrt(ss / n) / eye;
}

function solve3(m: number[], v: number[]): number[] | null {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  if (Math.abs(det) < 1e-9) return null;
  const inv = [e * i - f * h, c * h - b * i, b * f - c * e, f * g - d * i, a * i - c * g, c * d - a * f, d * h - e * g, b * g - a * h, a * e - b * d];
  return [0, 1, 2].map((r) => (inv[r * 3]! * v[0]! + inv[r * 3 + 1]! * v[1]! + inv[r * 3 + 2]! * v[2]!) / det);
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export interface TrackOutcome {
  /** Seconds from the track's first frame to its first "live" verdict; null when never live. */
  liveAfter: number | null;
  /** The track was refused at some point. */
  refused: boolean;
  framesWithFace: number;
}

/** Runs a track through the evidence rule (and the motion cue when given): when would a name first be announced? */
export function runTrack(t: TrackObs, cfg: LivenessEvidenceSettings, cue?: MotionCue): TrackOutcome {
  let s = initialLiveness();
  let liveAfter: number | null = null;
  let refused = false;
  let framesWithFace = 0;
  const residuals: number[] = [];
  t.frames.forEach((f, i) => {
    if (!f) return;
    framesWithFace++;
    s = foldLiveness(s, f.real, cfg);
    if (s.verdict === 'refused') refused = true;
    let moving = true;
    if (cue) {
      const prev = t.frames[i - cue.lag];
      if (prev) residuals.push(affineResidual(prev.keypoints, f.keypoints));
      moving = residuals.length >= cue.window && median(residuals.slice(-cue.window)) >= cue.minResidual;
    }
    if (liveAfter === null && s.verdict === 'live' && moving) liveAfter = i / t.fps;
  });
  return { liveAfter, refused, framesWithFace };
}

export interface Rate {
  n: number;
  errors: number;
  rate: number;
}
const rate = (errors: number, n: number): Rate => ({ n, errors, rate: n > 0 ? errors / n : Number.NaN });

/** Per-frame APCER by attack type and BPCER, at a "real" threshold; frames without a face are left out. */
export function frameRates(tracks: TrackObs[], minReal: number): { bpcer: Rate; apcer: Record<string, Rate> } {
  const counts = new Map<string, { n: number; e: number }>();
  for (const t of tracks)
    for (const f of t.frames) {
      if (!f) continue;
      const c = counts.get(t.kind) ?? { n: 0, e: 0 };
      c.n++;
      if (t.kind === 'bona-fide' ? f.real < minReal : f.real >= minReal) c.e++;
      counts.set(t.kind, c);
    }
  const apcer: Record<string, Rate> = {};
  for (const [k, c] of counts) if (k !== 'bona-fide') apcer[k] = rate(c.e, c.n);
  const b = counts.get('bona-fide') ?? { n: 0, e: 0 };
  return { bpcer: rate(b.e, b.n), apcer };
}

export interface TrackRates {
  /** Attack tracks that reached "live" (a check-in would be recorded), by attack type. */
  apcer: Record<string, Rate>;
  /** Real tracks never live within their window (refused outright, or never enough evidence). */
  bpcer: Rate;
  /** Real tracks live later than `delaySeconds` after they appeared (or never). */
  delayed: Rate;
  /** Real tracks refused at some frame, before or after being live (on a door camera: a presentation-attack event). */
  everRefused: Rate;
  /** Attack tracks refused at some frame (a presentation-attack event: the ones that should raise one), by attack type. */
  attackRefused: Record<string, Rate>;
  /** Median seconds to "live" over the real tracks that got there. */
  medianLiveAfter: number;
}

export function trackRates(tracks: TrackObs[], cfg: LivenessEvidenceSettings, cue: MotionCue | undefined, delaySeconds = 1): TrackRates {
  const att = new Map<string, { n: number; e: number; refused: number }>();
  let realN = 0,
    never = 0,
    late = 0,
    refusedSome = 0;
  const times: number[] = [];
  for (const t of tracks) {
    const o = runTrack(t, cfg, cue);
    if (o.framesWithFace === 0) continue;
    if (t.kind === 'bona-fide') {
      realN++;
      if (o.liveAfter === null) never++;
      else times.push(o.liveAfter);
      if (o.liveAfter === null || o.liveAfter > delaySeconds) late++;
      if (o.refused) refusedSome++;
    } else {
      const c = att.get(t.kind) ?? { n: 0, e: 0, refused: 0 };
      c.n++;
      if (o.liveAfter !== null) c.e++;
      if (o.refused) c.refused++;
      att.set(t.kind, c);
    }
  }
  const apcer: Record<string, Rate> = {};
  const attackRefused: Record<string, Rate> = {};
  for (const [k, c] of att) {
    apcer[k] = rate(c.e, c.n);
    attackRefused[k] = rate(c.refused, c.n);
  }
  return {
    apcer,
    bpcer: rate(never, realN),
    delayed: rate(late, realN),
    everRefused: rate(refusedSome, realN),
    attackRefused,
    medianLiveAfter: median(times),
  };
}

/** Consecutive windows of `frames` frames (the last one kept when at least half as long): one track each. */
export function windows<T>(frames: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < frames.length; i += size) {
    const w = frames.slice(i, i + size);
    if (w.length >= size / 2) out.push(w);
  }
  return out;
}

export interface RecoverHeldOut {
  grid: number[];
  /** The recoverRun each held-out video was judged with, chosen on all the other videos. */
  picks: { video: string; recoverRun: number }[];
  /** Held-out tracks under the picked settings, and under `base` (the settings before the choice), over all folds. */
  heldOut: { attacksAccepted: Rate; realRefused: Rate; realDelayed: Rate };
  base: { attacksAccepted: Rate; realRefused: Rate; realDelayed: Rate };
}

/**
 * Leave-one-video-out choice of `recoverRun` (how many consecutive real frames lift a refusal). For each video, the
 * longest-refusing value is chosen on the other videos' tracks: fewest attack tracks accepted, with no more real tracks
 * refused or delayed than `base` gives them, ties to the shorter run; the held-out video's tracks are then run with it.
 */
export function recoverRunHeldOut(videos: { name: string; tracks: TrackObs[] }[], base: LivenessEvidenceSettings, grid: number[]): RecoverHeldOut {
  const count = (tracks: TrackObs[], cfg: LivenessEvidenceSettings) => {
    let an = 0,
      ae = 0,
      rn = 0,
      refused = 0,
      delayed = 0;
    for (const t of tracks) {
      const o = runTrack(t, cfg);
      if (o.framesWithFace === 0) continue;
      if (t.kind === 'bona-fide') {
        rn++;
        if (o.liveAfter === null) refused++;
        if (o.liveAfter === null || o.liveAfter > 1) delayed++;
      } else {
        an++;
        if (o.liveAfter !== null) ae++;
      }
    }
    return { an, ae, rn, refused, delayed };
  };
  const picks: { video: string; recoverRun: number }[] = [];
  const sum = { an: 0, ae: 0, rn: 0, refused: 0, delayed: 0 };
  const sumBase = { ...sum };
  for (const held of videos) {
    const train = videos.filter((v) => v !== held).flatMap((v) => v.tracks);
    const b = count(train, base);
    let best: { recoverRun: number; ae: number } | null = null;
    for (const recoverRun of [...grid].sort((x, y) => x - y)) {
      const c = count(train, { ...base, recoverRun });
      if (c.refused > b.refused || c.delayed > b.delayed) continue;
      if (!best || c.ae < best.ae) best = { recoverRun, ae: c.ae };
    }
    const recoverRun = best?.recoverRun ?? base.recoverRun;
    picks.push({ video: held.name, recoverRun });
    for (const [acc, cfg] of [
      [sum, { ...base, recoverRun }],
      [sumBase, base],
    ] as const) {
      const c = count(held.tracks, cfg);
      for (const k of Object.keys(acc) as (keyof typeof acc)[]) acc[k] += c[k];
    }
  }
  const view = (s: typeof sum) => ({ attacksAccepted: rate(s.ae, s.an), realRefused: rate(s.refused, s.rn), realDelayed: rate(s.delayed, s.rn) });
  return { grid, picks, heldOut: view(sum), base: view(sumBase) };
}

export interface RefusalCounts {
  /** Attack tracks that reached "live" (a check-in). */
  attacksAccepted: Rate;
  /** Attack tracks refused at some frame (an event, as it should be). */
  attacksRefused: Rate;
  /** Real tracks refused at some frame (a false presentation-attack event). */
  realRefused: Rate;
  /** Real tracks live later than 1 s (or never). */
  realDelayed: Rate;
}

export interface RefusalHeldOut {
  grid: { refuseRun: number; refuseBelow: number }[];
  /** The refusal rule each held-out video was judged with, chosen on all the other videos. */
  picks: { video: string; refuseRun: number; refuseBelow: number }[];
  heldOut: RefusalCounts;
  /** The same held-out tracks under `base` (the rule before the choice). */
  base: RefusalCounts;
}

function refusalCounts(tracks: TrackObs[], cfg: LivenessEvidenceSettings) {
  const c = { an: 0, accepted: 0, attackRefused: 0, rn: 0, realRefused: 0, delayed: 0 };
  for (const t of tracks) {
    const o = runTrack(t, cfg);
    if (o.framesWithFace === 0) continue;
    if (t.kind === 'bona-fide') {
      c.rn++;
      if (o.refused) c.realRefused++;
      if (o.liveAfter === null || o.liveAfter > 1) c.delayed++;
    } else {
      c.an++;
      if (o.liveAfter !== null) c.accepted++;
      if (o.refused) c.attackRefused++;
    }
  }
  return c;
}

/**
 * Leave-one-video-out choice of the refusal rule (`refuseRun`, `refuseBelow`: what evidence raises a presentation-attack
 * event). For each video, the rule is chosen on the other videos' tracks: fewest real tracks refused, then most attack
 * tracks refused, ties to the longer run and the lower score (more evidence: a false event is the cost to avoid, an
 * attack's event a few frames later costs little, as the track is withheld meanwhile); the held-out video's tracks are
 * then run with it. The rule never changes which tracks reach "live" (a refusal and a withheld track need the same
 * recovery run).
 */
export function refusalHeldOut(
  videos: { name: string; tracks: TrackObs[] }[],
  base: LivenessEvidenceSettings,
  grid: { refuseRun: number; refuseBelow: number }[],
): RefusalHeldOut {
  const order = [...grid].sort((a, b) => b.refuseRun - a.refuseRun || a.refuseBelow - b.refuseBelow);
  const picks: RefusalHeldOut['picks'] = [];
  const sum = refusalCounts([], base),
    sumBase = refusalCounts([], base);
  for (const held of videos) {
    const train = videos.filter((v) => v !== held).flatMap((v) => v.tracks);
    let best: { g: (typeof grid)[number]; realRefused: number; attackRefused: number } | null = null;
    for (const g of order) {
      const c = refusalCounts(train, { ...base, ...g });
      if (!best || c.realRefused < best.realRefused || (c.realRefused === best.realRefused && c.attackRefused > best.attackRefused))
        best = { g, realRefused: c.realRefused, attackRefused: c.attackRefused };
    }
    const g = best?.g ?? { refuseRun: base.refuseRun, refuseBelow: base.refuseBelow };
    picks.push({ video: held.name, ...g });
    for (const [acc, cfg] of [
      [sum, { ...base, ...g }],
      [sumBase, base],
    ] as const) {
      const c = refusalCounts(held.tracks, cfg);
      for (const k of Object.keys(acc) as (keyof typeof acc)[]) acc[k] += c[k];
    }
  }
  const view = (s: typeof sum): RefusalCounts => ({
    attacksAccepted: rate(s.accepted, s.an),
    attacksRefused: rate(s.attackRefused, s.an),
    realRefused: rate(s.realRefused, s.rn),
    realDelayed: rate(s.delayed, s.rn),
  });
  return { grid, picks, heldOut: view(sum), base: view(sumBase) };
}
