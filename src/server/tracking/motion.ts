// Motion models for tracks: predict where a face's box will be at a given time from its past boxes, and how sure that
// prediction is. Noise is expressed in box sizes, so a small face and a large one are judged alike. Pure state.
import type { Box } from '../vision/detector.js';

/** Where a track's box is expected at some time, with the standard deviation of that guess's centre (px). */
export interface Prediction {
  box: Box;
  sigmaX: number;
  sigmaY: number;
  /** Standard deviation of ln(size) of the guess. */
  sigmaSize: number;
}

export interface Motion {
  /** Moves the state to time t (ms) and returns the prediction there. */
  predict(t: number): Prediction;
  /** Folds in the box detected at the time of the last predict(). */
  correct(box: Box): void;
  /** An independent copy of the state (the tracker keeps one to undo a lost track's doubtful re-acquisition). */
  clone?(): Motion;
}

export interface MotionParams {
  /** Standard deviation of a detection's centre, in box sizes. */
  measureNoise: number;
  /** Random acceleration of a face's centre, in box sizes per second squared (spectral density's square root). */
  accel: number;
  /** Standard deviation of an unknown new track's speed, in box sizes per second (also the most it grows to). */
  initialSpeed: number;
  /** Seconds over which an unseen face's velocity fades: people hidden behind others slow down and stop (Singer). */
  velocityTau: number;
}

// Face detectors' boxes jitter by a few % of their size (each track also learns its own, up to 3x this); people walking
// past a camera reach ~10 face sizes per second. Tuned on seed 1 of bench/tracking-scenes.ts, with detector jitter of
// 4% and 8% (bench/results/tracking.json is measured on other seeds).
export const DEFAULT_MOTION: MotionParams = { measureNoise: 0.06, accel: 4, initialSpeed: 3, velocityTau: 2 };

// ln(size) changes slowly (a face approaching the camera); it is measured about as well as the centre.
const SIZE_NOISE_RATIO = 1.25;
// Measurement variance may grow to 9x the default (3x the jitter), learnt at this rate per detection.
const MAX_NOISE_SCALE = 9;
const NOISE_RATE = 0.15;
// A face's size changes by tens of % a second at most (walking up to the camera): a detection of another size is
// another face more likely than this one's size jumping (a face entering takes over the track of one it hides).
const SIZE_ACCEL = 0.3;
const SIZE_RATE0 = 0.3;
const SIZE_TAU = 0.5;

/**
 * A face's size is its box's longer side: a face cut off by the edge of the picture (walking in or out) keeps the
 * other side whole, so its size does not seem to jump while its box is clipped.
 */
export const sizeOf = (b: Box) => Math.max(1e-3, b.width, b.height);
/** A box of this centre, size and aspect ratio (width / height). */
const boxAt = (cx: number, cy: number, s: number, aspect: number): Box => {
  const w = s * Math.min(1, aspect);
  const h = s * Math.min(1, 1 / aspect);
  return { x: cx - w / 2, y: cy - h / 2, width: w, height: h };
};

/** A constant-velocity Kalman filter on one coordinate: state (position, velocity), 2x2 covariance. */
class Axis {
  v = 0;
  constructor(
    public p: number,
    private p00: number,
    private p01: number,
    private p11: number,
  ) {}

  clone(): Axis {
    const a = new Axis(this.p, this.p00, this.p01, this.p11);
    a.v = this.v;
    return a;
  }

  /** q: white-noise acceleration density; maxVar: the velocity variance never grows past this (faces have a top speed). */
  predict(dt: number, q: number, maxVar: number): void {
    this.p += this.v * dt;
    // P = F P F' + Q for F = [[1, dt], [0, 1]].
    this.p00 += 2 * dt * this.p01 + dt * dt * this.p11 + (q * dt ** 3) / 3;
    this.p01 += dt * this.p11 + (q * dt * dt) / 2;
    this.p11 += q * dt;
    if (this.p11 > maxVar) {
      // Shrink the velocity's share of the covariance as a whole, so it stays positive definite.
      this.p01 *= Math.sqrt(maxVar / this.p11);
      this.p11 = maxVar;
    }
  }

  /** Mean-reverting velocity (the size of a face drifts, it does not keep growing while unseen). */
  damp(dt: number, tau: number): void {
    const k = Math.exp(-dt / tau);
    this.v *= k;
  }

  /** Variance of the next measurement's innovation for measurement variance r. */
  innovation(r: number): number {
    return this.p00 + r;
  }

  /** The next measurement's squared innovation in units of its expected variance (1 on average if r is right). */
  surprise(z: number, r: number): number {
    return (z - this.p) ** 2 / (this.p00 + r);
  }

  correct(z: number, r: number): void {
    const s = this.p00 + r;
    const k0 = this.p00 / s;
    const k1 = this.p01 / s;
    const y = z - this.p;
    this.p += k0 * y;
    this.v += k1 * y;
    this.p11 -= k1 * this.p01;
    this.p01 *= 1 - k0;
    this.p00 *= 1 - k0;
  }
}

/** SORT-style constant-velocity Kalman filter on the box centre and ln(size); the aspect ratio is smoothed. */
export function kalmanMotion(first: Box, t0: number, params: MotionParams = DEFAULT_MOTION): Motion {
  const s0 = sizeOf(first);
  const r0 = (params.measureNoise * s0) ** 2;
  const v0 = (params.initialSpeed * s0) ** 2;
  const sizeNoise = params.measureNoise * SIZE_NOISE_RATIO;
  return kalmanFrom(
    {
      x: new Axis(first.x + first.width / 2, r0, 0, v0),
      y: new Axis(first.y + first.height / 2, r0, 0, v0),
      ls: new Axis(Math.log(s0), sizeNoise ** 2, 0, SIZE_RATE0 ** 2),
      aspect: first.width / Math.max(1e-6, first.height),
      t: t0,
      // Detectors differ in how much their boxes jitter: each track learns its own from how surprised it keeps being.
      noiseScale: 1,
    },
    params,
  );
}

interface KalmanState {
  x: Axis;
  y: Axis;
  ls: Axis;
  aspect: number;
  t: number;
  noiseScale: number;
}

function kalmanFrom(s: KalmanState, params: MotionParams): Motion {
  const sizeNoise = params.measureNoise * SIZE_NOISE_RATIO;
  const size = () => Math.exp(s.ls.p);
  const r = () => s.noiseScale * (params.measureNoise * size()) ** 2;
  return {
    predict(at) {
      const dt = Math.max(0, at - s.t) / 1000;
      s.t = Math.max(s.t, at);
      const q = (params.accel * size()) ** 2;
      const maxVar = (params.initialSpeed * size()) ** 2;
      s.x.damp(dt, params.velocityTau);
      s.y.damp(dt, params.velocityTau);
      s.x.predict(dt, q, maxVar);
      s.y.predict(dt, q, maxVar);
      s.ls.damp(dt, SIZE_TAU);
      s.ls.predict(dt, SIZE_ACCEL ** 2, SIZE_RATE0 ** 2);
      return {
        box: boxAt(s.x.p, s.y.p, size(), s.aspect),
        sigmaX: Math.sqrt(s.x.innovation(r())),
        sigmaY: Math.sqrt(s.y.innovation(r())),
        sigmaSize: Math.sqrt(s.ls.innovation(s.noiseScale * sizeNoise ** 2)),
      };
    },
    correct(box) {
      const rr = r();
      const surprise = (s.x.surprise(box.x + box.width / 2, rr) + s.y.surprise(box.y + box.height / 2, rr)) / 2;
      s.noiseScale = Math.min(MAX_NOISE_SCALE, Math.max(1, s.noiseScale * (1 - NOISE_RATE + NOISE_RATE * Math.min(surprise, 9))));
      s.x.correct(box.x + box.width / 2, rr);
      s.y.correct(box.y + box.height / 2, rr);
      s.ls.correct(Math.log(sizeOf(box)), s.noiseScale * sizeNoise ** 2);
      s.aspect = 0.7 * s.aspect + (0.3 * box.width) / Math.max(1e-6, box.height);
    },
    clone: () => kalmanFrom({ ...s, x: s.x.clone(), y: s.y.clone(), ls: s.ls.clone() }, params),
  };
}

/**
 * Alpha-beta filter: the Kalman filter's steady state with fixed gains, and an uncertainty that grows with the time
 * since the last detection. Kept as the measured alternative (bench/tracking.ts); the tracker uses kalmanMotion.
 */
export function alphaBetaMotion(first: Box, t0: number, params: MotionParams = DEFAULT_MOTION, alpha = 0.6, beta = 0.3): Motion {
  let cx = first.x + first.width / 2;
  let cy = first.y + first.height / 2;
  let vx = 0;
  let vy = 0;
  let s = sizeOf(first);
  let aspect = first.width / Math.max(1e-6, first.height);
  let t = t0;
  let lastSeen = t0;
  let hits = 1;
  return {
    predict(at) {
      const dt = Math.max(0, at - t) / 1000;
      t = Math.max(t, at);
      cx += vx * dt;
      cy += vy * dt;
      const gap = (t - lastSeen) / 1000;
      // Until a second detection there is no velocity: the unknown speed dominates the uncertainty.
      const speed = hits < 2 ? params.initialSpeed : params.accel * Math.sqrt(gap);
      const sigma = s * Math.hypot(params.measureNoise * 1.5, speed * gap);
      return { box: boxAt(cx, cy, s, aspect), sigmaX: sigma, sigmaY: sigma, sigmaSize: 0.1 + SIZE_RATE0 * gap };
    },
    correct(box) {
      const rx = box.x + box.width / 2 - cx;
      const ry = box.y + box.height / 2 - cy;
      const a = hits < 2 ? 1 : alpha;
      cx += a * rx;
      cy += a * ry;
      const gap = Math.max(1e-3, (t - lastSeen) / 1000);
      vx += (hits < 2 ? 1 : beta) * (rx / gap);
      vy += (hits < 2 ? 1 : beta) * (ry / gap);
      s = (1 - a) * s + a * sizeOf(box);
      aspect = 0.7 * aspect + (0.3 * box.width) / Math.max(1e-6, box.height);
      lastSeen = t;
      hits += 1;
    },
  };
}
