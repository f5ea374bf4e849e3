// Each enrolment gate's curve along the value it measures, and where the gate goes: at the first bin (walking from
// good views to bad) where a view costs recognition, i.e. lowers DIR at the operating threshold (the model's FPIR-1%
// point) by COST_POINTS or more, and the next worse bin does too (one probe is about a point here: a single bin's dip
// is noise until its neighbour agrees). Views are binned by what the server's gate measures on them, not by the
// degradation.
import type { Axis } from './gate-degrade.js';
import type { GateMeasures } from './gate-views.js';
import type { PairedView } from './gate-curves.js';

export const COST_POINTS = 0.01;
/** A bin with fewer mated probes is merged into its worse neighbour: one probe is then at most ~7 points. */
export const MIN_PROBES = 15;

export interface GateSpec {
  /** The setting (src/server/config.ts). */
  setting: string;
  measure: keyof GateMeasures | 'angle';
  /** min: the gate refuses values below it; max: above it. */
  kind: 'min' | 'max';
  /** Which degradations give views along this value (the clean views always count). Empty: natural variation only. */
  axes: Axis[];
  /** Bin edges, ascending. */
  edges: number[];
  /** The value that turns the gate off. */
  off: number;
  /** The default before this measurement (degrees for angles), kept where the data does not reach it. */
  before: number;
  unit: string;
  /** Where something before the gate already refuses (the detector's DETECT_MIN_CONFIDENCE): reaching it, the gate goes. */
  floor?: number;
}

const ALL: Axis[] = ['dark', 'bright', 'washed', 'contrast', 'blur', 'size', 'roll'];

export const GATES: GateSpec[] = [
  {
    setting: 'ENROL_MIN_BRIGHTNESS',
    measure: 'brightness',
    kind: 'min',
    axes: ['dark'],
    edges: [0, 15, 20, 25, 30, 35, 40, 50, 60, 80, 256],
    off: 0,
    before: 60,
    unit: '0..255',
  },
  {
    setting: 'ENROL_MAX_BRIGHTNESS',
    measure: 'brightness',
    kind: 'max',
    axes: ['bright', 'washed'],
    edges: [0, 180, 190, 200, 210, 220, 230, 235, 240, 245, 256],
    off: 255,
    before: 200,
    unit: '0..255',
  },
  {
    setting: 'ENROL_MAX_CLIPPED',
    measure: 'clipped',
    kind: 'max',
    axes: ['bright', 'washed', 'contrast'],
    edges: [0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.01],
    off: 1,
    before: 0.2,
    unit: 'share',
  },
  {
    setting: 'ENROL_MIN_SHARPNESS',
    measure: 'sharpness',
    kind: 'min',
    axes: ['blur'],
    edges: [0, 3, 5, 10, 15, 20, 30, 40, 60, 100, 1e9],
    off: 0,
    before: 40,
    unit: 'Laplacian variance',
  },
  {
    setting: 'ENROL_MIN_FACE_PX',
    measure: 'facePx',
    kind: 'min',
    axes: ['size'],
    edges: [0, 24, 32, 40, 48, 56, 64, 80, 100, 1e9],
    off: 16,
    before: 80,
    unit: 'px',
  },
  {
    setting: 'ENROL_MAX_ROLL',
    measure: 'roll',
    kind: 'max',
    axes: ['roll'],
    edges: [0, 5, 10, 15, 20, 25, 30, 35, 40, 50, 180],
    off: 92,
    before: 20,
    unit: 'degrees',
  },
  {
    setting: 'ENROL_MIN_CONFIDENCE',
    measure: 'confidence',
    kind: 'min',
    axes: ALL,
    edges: [0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01],
    off: 0,
    before: 0.6,
    unit: '0..1',
    floor: 0.5,
  },
  {
    setting: 'ENROL_MAX_ANGLE',
    measure: 'angle',
    kind: 'max',
    axes: [],
    edges: [0, 5, 10, 15, 20, 25, 30, 40, 90],
    off: 92,
    before: 20,
    unit: 'degrees (yaw or pitch)',
  },
];

export interface Bin {
  from: number;
  to: number;
  views: number;
  mated: number;
  /** Paired change against the same people's clean views: DIR at FPIR 1%, mean same-person score, FPIR (scaled). */
  dDir: number;
  dScore: number;
  dFpir: number;
  costs: boolean;
}

export interface GateCurve {
  setting: string;
  kind: 'min' | 'max';
  unit: string;
  bins: Bin[];
  /** Where the gate goes (null: it goes, i.e. `off`). */
  chosen: number | null;
  before: number;
  off: number;
  note: string;
}

const valueOf = (spec: GateSpec, m: GateMeasures) => (spec.measure === 'angle' ? Math.max(m.yaw, m.pitch) : m[spec.measure]);

/** The view passes this gate at `value`. */
export function passes(spec: GateSpec, m: GateMeasures, value: number | null): boolean {
  if (value === null) return true;
  const x = valueOf(spec, m);
  return spec.kind === 'min' ? x >= value : x <= value;
}

/**
 * `others`: views the other gates refuse are left out, so a curve is this gate's own cost (a blurred view is also less
 * confidently detected; the confidence gate should not be charged with it). The confidence curve takes every axis.
 */
export function gateCurve(
  spec: GateSpec,
  views: PairedView[],
  levelAxis: (level: string) => Axis | 'clean',
  others: (m: GateMeasures) => boolean = () => true,
): GateCurve {
  const here = views.filter((v) => {
    const a = levelAxis(v.level);
    return v.view.ok && (a === 'clean' || spec.axes.includes(a)) && others(v.view.m);
  });
  const raw: (Bin & { items: PairedView[] })[] = spec.edges.slice(0, -1).map((from, i) => ({
    from,
    to: spec.edges[i + 1]!,
    items: here.filter((v) => {
      const x = valueOf(spec, (v.view as { m: GateMeasures }).m);
      return x >= from && x < spec.edges[i + 1]!;
    }),
    views: 0,
    mated: 0,
    dDir: 0,
    dScore: 0,
    dFpir: 0,
    costs: false,
  }));
  // Walk from the good end; merge thin bins into the next worse one.
  // Empty bins are dropped first, so a merge never widens a bin over values no view had.
  const seen = raw.filter((b) => b.items.length > 0);
  const ordered = spec.kind === 'min' ? [...seen].reverse() : seen;
  const merged: typeof raw = [];
  let carry: (typeof raw)[number] | null = null;
  for (const b of ordered) {
    const cur: (typeof raw)[number] = carry
      ? { ...b, from: Math.min(carry.from, b.from), to: Math.max(carry.to, b.to), items: [...carry.items, ...b.items] }
      : b;
    const mated = cur.items.reduce((s, v) => s + v.mated, 0);
    if (mated < MIN_PROBES && cur !== ordered[ordered.length - 1]) carry = cur;
    else {
      merged.push(cur);
      carry = null;
    }
  }
  if (carry && carry.items.length) merged.push(carry);
  const bins: Bin[] = merged
    .filter((b) => b.items.length > 0)
    .map(({ items, from, to }) => {
      const mated = items.reduce((s, v) => s + v.mated, 0);
      const dDir = items.reduce((s, v) => s + v.named - v.namedClean, 0) / Math.max(1, mated);
      const dScore = items.reduce((s, v) => s + v.score - v.scoreClean, 0) / items.length;
      const dFpir = items.reduce((s, v) => s + (v.strangersAdded * v.enrolled) / Math.max(1, v.strangers), 0) / items.length;
      return { from, to, views: items.length, mated, dDir, dScore, dFpir, costs: dDir <= -COST_POINTS };
    });
  const firstCost = bins.findIndex((b, i) => b.costs && (i === bins.length - 1 || bins[i + 1]!.costs));
  // No cost found: the gate opens as far as the evidence reaches (the worst bin with enough probes), never less far
  // than it was; beyond that nothing was measured. Reaching the end of the scale, the gate goes.
  const evidenced = [...bins].reverse().find((b) => b.mated >= MIN_PROBES);
  const reach = evidenced ? (spec.kind === 'min' ? evidenced.from : evidenced.to) : spec.before;
  const open = spec.kind === 'min' ? Math.min(spec.before, reach) : Math.max(spec.before, reach);
  const atFloor = spec.floor !== undefined && (spec.kind === 'min' ? open <= spec.floor : open >= spec.floor);
  const atEnd = atFloor || (spec.kind === 'min' ? open <= spec.edges[0]! : open >= spec.edges[spec.edges.length - 1]!);
  const chosen = firstCost >= 0 ? (spec.kind === 'min' ? bins[firstCost]!.to : bins[firstCost]!.from) : atEnd ? null : open;
  const note =
    firstCost < 0
      ? atFloor
        ? `no bin costs recognition down to ${fmt(spec.floor!)}, below which the detector already refuses: the gate goes`
        : atEnd
          ? 'no bin costs recognition over the whole scale: nothing measurable, the gate goes'
          : open === spec.before && reach !== spec.before
            ? `not measurable here: the views reach only ${fmt(reach)} (kept at ${fmt(spec.before)})`
            : `no bin costs recognition as far as the views reach (${fmt(reach)}); beyond it nothing was measured`
      : `from ${fmt(bins[firstCost]!.from)}–${fmt(bins[firstCost]!.to)} on, views cost DIR (${pts(bins[firstCost]!.dDir)} points there, mean same-person score ${bins[firstCost]!.dScore.toFixed(3)})`;
  return { setting: spec.setting, kind: spec.kind, unit: spec.unit, bins, chosen, before: spec.before, off: spec.off, note };
}

export const fmt = (x: number) => (x >= 1e8 ? '∞' : Number.isInteger(x) ? String(x) : x.toFixed(2));
export const pts = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;
