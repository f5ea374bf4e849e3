// The gate evaluation's pure parts: where a gate goes on a cost curve (two costly bins in a row, thin bins merged,
// open as far as the evidence when nothing costs), paired per-view DIR against clean views, the exposure mend's tone
// curve, and the generated docs section replacing only itself.
import { describe, expect, it } from 'vitest';
import { gateCurve, passes, type GateSpec } from '../../train/lib/gate-choice.js';
import { pairedViews, splitHalves } from '../../train/lib/gate-curves.js';
import { exposureGamma, toneCurve } from '../../src/server/vision/exposure.js';
import type { GateMeasures, View } from '../../train/lib/gate-views.js';
import { BEGIN, END, spliceSection } from '../../train/lib/gates-report.js';

const M: GateMeasures = { facePx: 200, confidence: 0.9, yaw: 0, pitch: 0, roll: 0, brightness: 120, clipped: 0, sharpness: 300 };
const SHARPNESS: GateSpec = {
  setting: 'ENROL_MIN_SHARPNESS',
  measure: 'sharpness',
  kind: 'min',
  axes: ['blur'],
  edges: [0, 10, 20, 40, 1e9],
  off: 0,
  before: 40,
  unit: '',
};

/** A paired view at `sharpness` whose person's 20 probes lose `lost` names against the clean view. */
function pv(sharpness: number, lost: number, level = 'blur:1') {
  const view: View = { ok: true, embedding: [1], box: { x: 0, y: 0, width: 1, height: 1 }, m: { ...M, sharpness } };
  return {
    person: 'p',
    level,
    view,
    mated: 20,
    namedClean: 20,
    named: 20 - lost,
    scoreClean: 0.9,
    score: 0.9 - lost / 100,
    strangersAdded: 0,
    enrolled: 10,
    strangers: 50,
  };
}
const axis = (l: string) => (l === 'clean' ? ('clean' as const) : ('blur' as const));

describe('where a gate goes', () => {
  it('at the first bin that costs a point of DIR when the next worse bin costs too', () => {
    const c = gateCurve(SHARPNESS, [pv(500, 0), pv(30, 0), pv(15, 1), pv(5, 8)], axis);
    expect(c.bins.map((b) => [b.from, b.costs])).toEqual([
      [40, false],
      [20, false],
      [10, true],
      [0, true],
    ]);
    expect(c.chosen).toBe(20);
  });

  it('not at a lone dip that the next worse bin does not confirm', () => {
    const c = gateCurve(SHARPNESS, [pv(500, 0), pv(30, 1), pv(15, 0), pv(5, 8)], axis);
    expect(c.chosen).toBe(10);
  });

  it('opens as far as the evidence reaches when nothing costs, never less far than before; off over the whole scale', () => {
    expect(gateCurve(SHARPNESS, [pv(500, 0), pv(30, 0), pv(15, 0)], axis)).toMatchObject({ chosen: 10 });
    expect(gateCurve(SHARPNESS, [pv(500, 0)], axis)).toMatchObject({ chosen: 40 });
    expect(gateCurve(SHARPNESS, [pv(500, 0), pv(30, 0), pv(15, 0), pv(5, 0)], axis)).toMatchObject({ chosen: null });
  });

  it('merges a bin with too few probes into the next worse one', () => {
    const thin = { ...pv(15, 0), mated: 5, namedClean: 5, named: 5 };
    const c = gateCurve(SHARPNESS, [pv(500, 0), thin, pv(5, 0)], axis);
    expect(c.bins.map((b) => [b.from, b.to, b.mated])).toEqual([
      [40, 1e9, 20],
      [0, 20, 25],
    ]);
  });

  it('leaves out views another gate refuses, and those of other axes', () => {
    const dark = { ...pv(5, 8), view: { ...(pv(5, 8).view as View & { ok: true }), m: { ...M, sharpness: 5, brightness: 10 } } };
    const c = gateCurve(
      SHARPNESS,
      [pv(500, 0), dark, pv(5, 8, 'roll:10')],
      (l) => (l === 'roll:10' ? 'roll' : 'blur'),
      (m) => m.brightness >= 15,
    );
    expect(c.bins.reduce((n, b) => n + b.views, 0)).toBe(1);
    expect(passes(SHARPNESS, { ...M, sharpness: 20 }, 20)).toBe(true);
    expect(passes(SHARPNESS, { ...M, sharpness: 19.9 }, 20)).toBe(false);
  });
});

describe('paired views', () => {
  it('counts a probe lost when the degraded view no longer names it, and a stranger it now draws', () => {
    const v = (e: number[]): View => ({ ok: true, embedding: e, box: { x: 0, y: 0, width: 1, height: 1 }, m: M });
    const people = [
      { name: 'a', images: ['a/1', 'a/2'] },
      { name: 'b', images: ['b/1', 'b/2'] },
      { name: 's', images: ['s/1'] },
    ];
    const clean = new Map<string, View>([
      ['a/1', v([1, 0, 0])],
      ['a/2', v([0.98, 0.2, 0])],
      ['b/1', v([0, 1, 0])],
      ['b/2', v([0, 0.98, 0.2])],
      ['s/1', v([0, 0, 1])],
    ]);
    const enrolFrom = new Map([
      ['a', 'a/1'],
      ['b', 'b/1'],
    ]);
    const halves = [{ people, threshold: 0.9 }];
    const degraded = new Map([['dark:0.1', new Map([['a', v([0.1, 0.1, 0.99])]])]]);
    const [pa] = pairedViews(halves, enrolFrom, clean, degraded);
    expect(pa).toMatchObject({ person: 'a', mated: 1, namedClean: 1, named: 0, strangersAdded: 1 });
    expect(splitHalves(people, 1, clean, enrolFrom)).toHaveLength(2);
  });
});

describe('exposure mend', () => {
  it('brings a measured brightness to mid-grey, within [1/3, 3], and keeps black and white', () => {
    expect(toneCurve(exposureGamma(64))[64]).toBeGreaterThanOrEqual(126);
    expect(toneCurve(exposureGamma(64))[64]).toBeLessThanOrEqual(130);
    expect(exposureGamma(1)).toBeCloseTo(1 / 3);
    expect(exposureGamma(254)).toBe(3);
    const lut = toneCurve(0.5);
    expect([lut[0], lut[255]]).toEqual([0, 255]);
  });
});

describe('docs section', () => {
  it('replaces only the generated block, or puts it before "Not done"', () => {
    const doc = `# A\n\n${BEGIN}\nold\n${END}\n\n## Not done\n`;
    expect(spliceSection(doc, 'new')).toBe(`# A\n\n${BEGIN}\nnew\n${END}\n\n## Not done\n`);
    expect(spliceSection('# A\n\n## Not done\n- x\n', 'new')).toBe(`# A\n\n${BEGIN}\nnew\n${END}\n\n## Not done\n- x\n`);
  });
});
