// Seeded synthetic camera scenes for the tracker: faces walking in and out, crossing, sliding up to the camera and
// stopping, small distant faces; detections with jitter, misses and occlusion; frames dropped to a given fps.
// Pure and deterministic: the same seed gives the same frames (tests and bench/tracking.ts share it).
import type { Box } from '../src/server/vision/detector.js';

export const NATIVE_FPS = 30;
export const WIDTH = 1280;
export const HEIGHT = 720;

export type SceneKind = 'walkers' | 'slide' | 'small' | 'crossing' | 'wander' | 'side' | 'handover';
/** The kinds the tracking benchmark scores id switches on. */
export const SCENE_KINDS: SceneKind[] = ['walkers', 'slide', 'small', 'crossing', 'wander'];
/**
 * ...and the wrong-name scenes (bench/naming.ts) add two where names are easiest to swap: two people standing side by
 * side, and one person leaving as another arrives at the same spot.
 */
export const NAMING_KINDS: SceneKind[] = [...SCENE_KINDS, 'side', 'handover'];

/** A face's true box in every native frame it exists in (it may be partly or wholly outside the picture). */
export interface TrueFace {
  id: number;
  first: number;
  boxes: Box[];
}

export interface Scene {
  kind: SceneKind;
  frames: number;
  faces: TrueFace[];
}

/** One processed frame: capture time, detections and which true face produced each (-1: a false detection). */
export interface SimFrame {
  index: number;
  now: number;
  boxes: Box[];
  truth: number[];
}

export interface Rng {
  uniform(): number;
  normal(): number;
  between(a: number, b: number): number;
}

/** mulberry32 with Box-Muller. */
export function rng(seed: number): Rng {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return {
    uniform,
    normal: () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()),
    between: (a, b) => a + (b - a) * uniform(),
  };
}

interface Waypoint {
  x: number;
  y: number;
  size: number;
  /** Cruise speed towards this point, px/s. */
  speed: number;
  /** Seconds spent standing here (with small head movements) before going on; stopping means slowing down first. */
  wait?: number;
}

/** Walks a face through its waypoints with bounded acceleration (people slow down and turn, they do not teleport). */
function walk(id: number, first: number, path: Waypoint[], accel: number, r: Rng, maxFrames: number): TrueFace {
  const dt = 1 / NATIVE_FPS;
  let [x, y, size] = [path[0]!.x, path[0]!.y, path[0]!.size];
  let [vx, vy] = [0, 0];
  let i = 1;
  let waited = 0;
  const boxes: Box[] = [];
  const start = path[1] ? Math.atan2(path[1].y - y, path[1].x - x) : 0;
  // Faces entering the scene are already walking.
  if (path[1]) [vx, vy] = [Math.cos(start) * path[1].speed, Math.sin(start) * path[1].speed];
  while (i < path.length && boxes.length < maxFrames) {
    const wp = path[i]!;
    const [dx, dy] = [wp.x - x, wp.y - y];
    const dist = Math.hypot(dx, dy);
    const stops = wp.wait !== undefined || i === path.length - 1;
    const want = stops ? Math.min(wp.speed, Math.sqrt(2 * accel * 0.8 * dist)) : wp.speed;
    const [wx, wy] = dist > 1e-9 ? [(dx / dist) * want, (dy / dist) * want] : [0, 0];
    let [ax, ay] = [(wx - vx) / dt, (wy - vy) / dt];
    const a = Math.hypot(ax, ay);
    if (a > accel) [ax, ay] = [(ax / a) * accel, (ay / a) * accel];
    vx += ax * dt;
    vy += ay * dt;
    x += vx * dt;
    y += vy * dt;
    size += (wp.size - size) * Math.min(1, 1.5 * dt);
    // Head sway: a few % of the face size, even while standing.
    const sway = 0.01 * size;
    boxes.push({ x: x - size / 2 + sway * r.normal(), y: y - size / 2 + sway * r.normal(), width: size, height: size * 1.15 });
    if (dist < Math.max(2, (wp.speed * dt) / 2) || (!stops && dist < wp.speed * dt)) {
      if (wp.wait !== undefined && waited < wp.wait) {
        waited += dt;
        continue;
      }
      waited = 0;
      i += 1;
    }
  }
  return { id, first, boxes };
}

// A face box is ~0.16 m across: walking at 1.4 m/s past the camera is ~9 face sizes a second, and slowing from that
// to a stop in ~0.6 s is ~15 sizes/s². Speeds and accelerations are drawn in those units, so small faces are as hard.
const WALK = 9;
const ACCEL = 15;

const side = (r: Rng) => (r.uniform() < 0.5 ? -1 : 1);
/** x just outside the left (-1) or right (1) edge for a face of this size. */
const outside = (s: number, size: number) => (s < 0 ? -size : WIDTH + size);

/** One scene of the given kind. */
export function makeScene(kind: SceneKind, seed: number): Scene {
  const r = rng(seed);
  const frames = 12 * NATIVE_FPS;
  const faces: TrueFace[] = [];
  const add = (first: number, path: Waypoint[], accel: number) => faces.push(walk(faces.length, first, path, accel, r, frames - first));
  const startAt = (maxS: number) => Math.floor(r.between(0, maxS) * NATIVE_FPS);
  // People who stop keep their distance: nobody stands exactly behind someone else for seconds (which no tracker
  // without re-identification by appearance could follow).
  const stops: { x: number; y: number; size: number }[] = [];
  const spot = (size: number, x: () => number, y: () => number) => {
    let p = { x: x(), y: y(), size };
    for (let k = 0; k < 50 && stops.some((o) => Math.abs(o.x - p.x) < 1.2 * (o.size + size) && Math.abs(o.y - p.y) < 1.2 * (o.size + size)); k++)
      p = { x: x(), y: y(), size };
    stops.push(p);
    return p;
  };
  if (kind === 'walkers' || kind === 'small') {
    const n = kind === 'small' ? 3 + Math.floor(r.uniform() * 3) : 2 + Math.floor(r.uniform() * 3);
    for (let k = 0; k < n; k++) {
      const size = kind === 'small' ? r.between(20, 36) : r.between(45, 150);
      const s = side(r);
      const y0 = r.between(0.15, 0.75) * HEIGHT;
      const speed = size * r.between(1.5, WALK);
      add(
        startAt(6),
        [
          { x: outside(s, size), y: y0, size, speed },
          { x: outside(-s, size), y: y0 + r.between(-0.1, 0.1) * HEIGHT, size: size * r.between(0.8, 1.25), speed },
        ],
        size * ACCEL,
      );
    }
  } else if (kind === 'slide') {
    const n = 1 + Math.floor(r.uniform() * 2);
    for (let k = 0; k < n; k++) {
      const size = r.between(60, 140);
      const s = side(r);
      const speed = r.between(240, 600);
      const at = spot(
        size * 1.4,
        () => WIDTH / 2 + r.between(-0.3, 0.3) * WIDTH,
        () => r.between(0.3, 0.6) * HEIGHT,
      );
      const stop = { x: at.x, y: at.y, size: size * 1.4, speed, wait: r.between(0.5, 2.5) };
      const nod = {
        ...stop,
        x: stop.x + r.between(-0.4, 0.4) * size,
        y: stop.y + r.between(-0.2, 0.2) * size,
        speed: r.between(60, 200),
        wait: r.between(0.3, 1.5),
      };
      const leave = side(r);
      add(
        startAt(4),
        [
          { x: outside(s, size), y: stop.y + r.between(-0.1, 0.1) * HEIGHT, size, speed },
          stop,
          nod,
          { x: outside(leave, size), y: nod.y, size, speed: r.between(240, 600) },
        ],
        size * ACCEL,
      );
    }
  } else if (kind === 'side') {
    // Two people walk in from either side and stand side by side, a fifth of a face apart, for seconds, swaying.
    const size = r.between(70, 140);
    const y = r.between(0.3, 0.6) * HEIGHT;
    const cx = WIDTH / 2 + r.between(-0.15, 0.15) * WIDTH;
    const at = startAt(1);
    for (const s of [-1, 1]) {
      const x = cx + s * 0.6 * size;
      const speed = size * r.between(2, WALK);
      const stand = { x, y: y + r.between(-0.1, 0.1) * size, size: size * 1.2, speed, wait: r.between(4, 7) };
      const shift = { ...stand, x: x + r.between(-0.1, 0.1) * size, speed: size * 0.5, wait: r.between(1, 2) };
      add(
        at + Math.floor(r.between(0, 1) * NATIVE_FPS),
        [{ x: outside(s, size), y, size, speed }, stand, shift, { x: outside(s, size), y, size, speed }],
        size * ACCEL,
      );
    }
  } else if (kind === 'handover') {
    // One person stands, leaves; another arrives at the same spot from the other side as the first goes out of view.
    const size = r.between(70, 140);
    const y = r.between(0.3, 0.6) * HEIGHT;
    const x = WIDTH / 2 + r.between(-0.2, 0.2) * WIDTH;
    const s = side(r);
    const speed = size * r.between(3, WALK);
    const first = startAt(1);
    add(
      first,
      [
        { x: outside(s, size), y, size, speed },
        { x, y, size: size * 1.2, speed, wait: r.between(1.5, 3) },
        { x: outside(s, size), y, size, speed },
      ],
      size * ACCEL,
    );
    const leaves = faces[0]!.first + faces[0]!.boxes.length;
    add(
      Math.max(0, leaves - Math.floor(r.between(0.3, 1) * NATIVE_FPS)),
      [
        { x: outside(-s, size), y, size, speed },
        { x, y, size: size * 1.2, speed, wait: 3 },
      ],
      size * ACCEL,
    );
  } else if (kind === 'crossing') {
    // Two faces at one height walking at each other: the nearer, larger one hides the other as they pass.
    const y0 = r.between(0.25, 0.65) * HEIGHT;
    const at = startAt(2);
    for (const s of [-1, 1]) {
      const size = r.between(50, 130);
      const speed = size * r.between(1.5, WALK);
      const y = y0 + r.between(-0.3, 0.3) * size;
      add(
        at + Math.floor(r.between(0, 0.5) * NATIVE_FPS),
        [
          { x: outside(s, size), y, size, speed },
          { x: outside(-s, size), y: y + r.between(-0.2, 0.2) * size, size, speed },
        ],
        size * ACCEL,
      );
    }
  } else {
    const n = 2 + Math.floor(r.uniform() * 2);
    for (let k = 0; k < n; k++) {
      const size = r.between(60, 200);
      const s = side(r);
      const speed = () => size * r.between(1, WALK);
      const path: Waypoint[] = [{ x: outside(s, size), y: r.between(0.3, 0.6) * HEIGHT, size, speed: speed() }];
      for (let w = 0; w < 3; w++) {
        const at = spot(
          size * 1.3,
          () => r.between(0.15, 0.85) * WIDTH,
          () => r.between(0.2, 0.7) * HEIGHT,
        );
        path.push({ x: at.x, y: at.y, size: size * r.between(0.8, 1.3), speed: speed(), wait: r.between(0, 1) });
      }
      path.push({ x: outside(side(r), size), y: path.at(-1)!.y, size, speed: speed() });
      add(startAt(4), path, size * ACCEL);
    }
  }
  return { kind, frames, faces };
}

export interface DetectionNoise {
  /** Centre jitter, in box sizes (standard deviation). */
  jitter: number;
  /** Chance that a visible face is not detected in a frame. */
  missRate: number;
  /** False detections per frame. */
  falseRate: number;
  /**
   * Boxes of faces partly outside the picture are cut at its edge (true), or cover the whole face (false: the project's
   * boxes are the face mesh's extent, which may reach past the edge).
   */
  clip?: boolean;
}

export const DEFAULT_NOISE: DetectionNoise = { jitter: 0.04, missRate: 0.05, falseRate: 0.02, clip: true };

const area = (b: Box) => b.width * b.height;
function intersection(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return Math.max(0, w) * Math.max(0, h);
}
function clip(b: Box): Box {
  const x0 = Math.max(0, b.x);
  const y0 = Math.max(0, b.y);
  return { x: x0, y: y0, width: Math.min(WIDTH, b.x + b.width) - x0, height: Math.min(HEIGHT, b.y + b.height) - y0 };
}

/**
 * The frames a server processing `fps` frames a second would see, with what a detector would report on each: faces
 * less than 60% in the picture or more than half hidden behind a larger (nearer) face are missed, as are random ones.
 * Dropped frames leave uneven gaps, as a busy server's newest-frame-wins queue does.
 */
export function detectFrames(scene: Scene, fps: number, seed: number, noise: DetectionNoise = DEFAULT_NOISE): SimFrame[] {
  const r = rng(seed ^ 0x9e3779b9);
  const step = NATIVE_FPS / fps;
  const out: SimFrame[] = [];
  for (let f = 0, next = 0; f < scene.frames; f++) {
    if (f < next) continue;
    next = f + Math.max(1, Math.round(step + (step > 1 ? r.between(-0.5, 0.5) * step * 0.6 : 0)));
    const present = scene.faces.filter((t) => f >= t.first && f < t.first + t.boxes.length).map((t) => ({ id: t.id, box: t.boxes[f - t.first]! }));
    const boxes: Box[] = [];
    const truth: number[] = [];
    for (const { id, box } of present) {
      const inside = clip(box);
      if (inside.width <= 0 || inside.height <= 0 || area(inside) < 0.6 * area(box)) continue;
      const seen = noise.clip === false ? box : inside;
      if (present.some((o) => o.id !== id && area(o.box) > area(box) && intersection(o.box, box) > 0.5 * area(box))) continue;
      if (r.uniform() < noise.missRate) continue;
      const size = Math.sqrt(area(seen));
      const k = Math.exp(noise.jitter * r.normal());
      const [w, h] = [seen.width * k, seen.height * k];
      const [cx, cy] = [seen.x + seen.width / 2 + noise.jitter * size * r.normal(), seen.y + seen.height / 2 + noise.jitter * size * r.normal()];
      boxes.push({ x: cx - w / 2, y: cy - h / 2, width: w, height: h });
      truth.push(id);
    }
    if (r.uniform() < noise.falseRate) {
      const size = r.between(30, 120);
      boxes.push({ x: r.between(0, WIDTH - size), y: r.between(0, HEIGHT - size), width: size, height: size });
      truth.push(-1);
    }
    out.push({ index: f, now: (f * 1000) / NATIVE_FPS, boxes, truth });
  }
  return out;
}
