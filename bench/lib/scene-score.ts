// Scores a camera's run over a scene (bench/lib/camera-scenes.ts): for each face that entered, the time from the
// camera capturing the first frame it was fully in view to the answer that first put its name on it; and, over every
// answered frame, names on the right face, on someone else's face, or on no face at all. Pure: runs in, figures out.
import type { Rect, SceneStep } from './camera-scenes.js';
import { WIDTH } from './frames.js';
import { pct, round } from './stats.js';

/** What the scoring reads of a camera run (bench/lib/camera.ts). */
export interface ScoredRun {
  ticks: number;
  tickAt: number[];
  answers: { tick: number; at: number; overlay: { tracks: { box: [number, number, number, number]; name: string | null }[] } }[];
}

const inside = (box: [number, number, number, number], r: Rect) => {
  const cx = box[0] + box[2] / 2,
    cy = box[1] + box[3] / 2;
  return cx >= r.x && cx <= r.x + r.width && cy >= r.y && cy <= r.y + r.height;
};

/** A name is on a person when the named box's centre is on their tile in the frame answered. */
const namedOn = (step: SceneStep, name: string, tracks: ScoredRun['answers'][number]['overlay']['tracks']) => {
  const p = step.placements.find((x) => x.name === name);
  return p !== undefined && tracks.some((t) => t.name === name && inside(t.box, p.tile));
};

/**
 * Time to name of every entry the run saw whole: ms from the tick of the first fully-in-view frame to the first answer
 * naming that face (0 when it was named while still partly in view); null when it left the view unnamed. An entry
 * still in view when the run stopped, and not named by then, is left out (its outcome is unknown).
 */
export function entryLatencies(steps: SceneStep[], run: ScoredRun): { name: string; ms: number | null }[] {
  const byTick = [...run.answers].sort((a, b) => a.at - b.at);
  const out: { name: string; ms: number | null }[] = [];
  for (let i = 0; i < run.ticks; i++) {
    for (const e of steps[i % steps.length]!.entries) {
      const from = i - e.framesSinceVisible,
        to = i + e.framesUntilGone;
      const first = byTick.find((a) => a.tick >= from && a.tick <= to && namedOn(steps[a.tick % steps.length]!, e.name, a.overlay.tracks));
      if (first) out.push({ name: e.name, ms: Math.max(0, first.at - run.tickAt[i]!) });
      else if (to < run.ticks) out.push({ name: e.name, ms: null });
    }
  }
  return out;
}

export interface NameCounts {
  /** Answered frames x people fully in view on them. */
  faceFrames: number;
  /** ...that carried that person's name on their face. */
  named: number;
  /** Named boxes on someone else's face. */
  wrongName: number;
  /** Named boxes on no one (a track kept after its face left). */
  namedNoFace: number;
}

export function nameCounts(steps: SceneStep[], run: ScoredRun): NameCounts {
  const c: NameCounts = { faceFrames: 0, named: 0, wrongName: 0, namedNoFace: 0 };
  for (const a of run.answers) {
    const step = steps[a.tick % steps.length]!;
    for (const p of step.placements) {
      if (p.face.x < 0 || p.face.x + p.face.width > WIDTH) continue;
      c.faceFrames++;
      if (namedOn(step, p.name, a.overlay.tracks)) c.named++;
    }
    for (const t of a.overlay.tracks) {
      if (t.name === null) continue;
      const on = step.placements.filter((p) => inside(t.box, p.tile));
      if (on.length === 0) c.namedNoFace++;
      else if (!on.some((p) => p.name === t.name)) c.wrongName++;
    }
  }
  return c;
}

export function addCounts(a: NameCounts, b: NameCounts): NameCounts {
  return {
    faceFrames: a.faceFrames + b.faceFrames,
    named: a.named + b.named,
    wrongName: a.wrongName + b.wrongName,
    namedNoFace: a.namedNoFace + b.namedNoFace,
  };
}

export interface LatencySpread {
  /** Entries seen whole (named or not). */
  entries: number;
  /** Entries that left the view without being named. */
  notNamed: number;
  /** Over every entry, an unnamed one counting as never: null when the percentile falls on an unnamed one. */
  p50: number | null;
  p95: number | null;
  /** The longest of the named ones. */
  maxNamed: number | null;
}

export function latencySpread(xs: { ms: number | null }[]): LatencySpread {
  const all = xs.map((x) => x.ms ?? Infinity);
  const named = xs.flatMap((x) => (x.ms === null ? [] : [x.ms]));
  const at = (p: number) => {
    const v = pct(all, p);
    return Number.isFinite(v) ? round(v) : null;
  };
  return { entries: xs.length, notNamed: xs.length - named.length, p50: at(50), p95: at(95), maxNamed: round(named.length ? Math.max(...named) : NaN) };
}
