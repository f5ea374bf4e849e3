// `npm run eval -- --gates --root DIR [--model ID]`: every enrolment gate's cost curve, measured held out (see
// gate-curves.ts for the protocol), the value each gate should have, and whether the exposure mend helps. Writes the
// results as JSON and the docs/accuracy.md section generated from them. Works with whatever embedding model is given.
import fs from 'node:fs';
import path from 'node:path';
import { walkDataset } from './dataset.js';
import { AXES, AXIS_HELP, allLevels, type Axis, type Level } from './gate-degrade.js';

const ALL_AXES = AXES.length;
const MAX_ROUNDS = 8;
/** The server's default DETECT_MIN_CONFIDENCE: no face below it reaches any gate. */
const SERVER_DETECT_FLOOR = 0.5;
import { measureHalves, pairedViews, splitHalves } from './gate-curves.js';
import { GATES, gateCurve, passes, type GateCurve } from './gate-choice.js';
import { embedGateViews, type View } from './gate-views.js';
import { needsExposureMend, MEND_BRIGHTER_THAN, MEND_DARKER_THAN, MEND_MAX_CLIPPED } from '../../src/server/vision/exposure.js';
import { openPipeline } from './pipeline.js';
import { gatesMarkdown, spliceSection, type GatesSummary, type LevelRow } from './gates-report.js';

export interface GatesOptions {
  root: string;
  model: string;
  seed: number;
  minConfidence: number;
  padRetry: number;
  out: string;
  docs: string | null;
  cacheDir?: string;
  mend: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

export async function runGatesCli(o: GatesOptions) {
  const t0 = performance.now();
  // Faces as captured: the server's exposure mend is measured here (the rule, applied to the views below), not assumed.
  const pipeline = await openPipeline(o.model, { minConfidence: o.minConfidence, padRetry: o.padRetry, exposureMend: false });
  if (!pipeline.analyzer) throw new Error(`model ${o.model} has no analyzer (the gate evaluation needs the server's own pipeline)`);
  const operating = pipeline.threshold;
  if (operating === null) throw new Error(`model ${o.model} has no calibrated threshold in its manifest`);
  const people = walkDataset(o.root).people;
  const levels = allLevels();
  const exposure = levels.filter((l) => l.axis === 'dark' || l.axis === 'bright' || l.axis === 'washed' || l.axis === 'contrast');
  const views = await embedGateViews({
    analyzer: pipeline.analyzer,
    root: o.root,
    people,
    levels,
    mendLevels: o.mend ? exposure : [],
    cacheDir: o.cacheDir ? path.join(o.cacheDir, `conf${o.minConfidence}.pad${o.padRetry}`) : undefined,
  });
  const { enrolFrom, clean: asIsClean, degraded: asIsDegraded } = views;
  // What the server embeds (src/server/vision/exposure.ts): the mended view where the rule picks it, with the gate
  // measures of the view as captured (the gates read the stored chip, which is not mended). Without --mend, as is.
  const ruled = (asIs: View | undefined, mended: View | undefined): View | undefined =>
    asIs?.ok && mended?.ok && needsExposureMend(asIs.m) ? { ...asIs, embedding: mended.embedding } : asIs;
  const clean = new Map([...asIsClean].map(([k, v]) => [k, ruled(v, views.mended?.clean.get(k))!]));
  const degraded = new Map(
    [...asIsDegraded].map(([id, byPerson]) => [id, new Map([...byPerson].map(([n, v]) => [n, ruled(v, views.mended?.degraded.get(id)?.get(n))!]))]),
  );
  const halves = splitHalves(people, o.seed, clean, enrolFrom);
  const asIsHalves = splitHalves(people, o.seed, asIsClean, enrolFrom);
  const mHalves = views.mended ? splitHalves(people, o.seed, views.mended.clean, enrolFrom) : null;
  const cleanOf = (n: string) => clean.get(enrolFrom.get(n)!);
  const row = (
    axis: Axis | 'clean',
    level: Level | null,
    byPerson: (n: string) => View | undefined,
    asIsOf: (n: string) => View | undefined,
    mendedOf?: (n: string) => View | undefined,
  ): LevelRow => {
    const found = [...enrolFrom.keys()].map(byPerson).filter((v): v is View & { ok: true } => Boolean(v?.ok));
    const m = (k: keyof LevelRow['measured']) => median(found.map((v) => v.m[k]));
    return {
      axis,
      level: level?.id ?? 'clean',
      param: level?.param ?? null,
      measured: {
        brightness: m('brightness'),
        clipped: m('clipped'),
        sharpness: m('sharpness'),
        facePx: m('facePx'),
        roll: m('roll'),
        confidence: m('confidence'),
      },
      heldOut: measureHalves(halves, enrolFrom, clean, byPerson),
      operating: measureHalves(halves, enrolFrom, clean, byPerson, operating),
      ...(mHalves && mendedOf
        ? {
            asIs: {
              heldOut: measureHalves(asIsHalves, enrolFrom, asIsClean, asIsOf),
              operating: measureHalves(asIsHalves, enrolFrom, asIsClean, asIsOf, operating),
            },
            mended: {
              heldOut: measureHalves(mHalves, enrolFrom, views.mended!.clean, mendedOf),
              operating: measureHalves(mHalves, enrolFrom, views.mended!.clean, mendedOf, operating),
            },
          }
        : {}),
    };
  };
  const rows: LevelRow[] = [
    row('clean', null, cleanOf, (n) => asIsClean.get(enrolFrom.get(n)!), views.mended ? (n) => views.mended!.clean.get(enrolFrom.get(n)!) : undefined),
    ...levels.map((l) =>
      row(
        l.axis,
        l,
        (n) => degraded.get(l.id)!.get(n),
        (n) => asIsDegraded.get(l.id)!.get(n),
        views.mended?.degraded.has(l.id) ? (n) => views.mended!.degraded.get(l.id)!.get(n) : undefined,
      ),
    ),
  ];
  const axisOf = new Map<string, Axis | 'clean'>([['clean', 'clean'], ...levels.map((l) => [l.id, l.axis] as const)]);
  const cleanLevel = new Map([['clean', new Map([...enrolFrom.keys()].map((n) => [n, cleanOf(n)!]))]]);
  // The curves are read at the operating threshold: the server names a face at MATCH_THRESHOLD, the model's calibrated
  // FPIR-1% point. (A half's own FPIR-1% threshold rests on ~80 stranger photos, i.e. on its single highest one.)
  const atOperating = halves.map((h) => ({ ...h, threshold: operating }));
  const paired = pairedViews(atOperating, enrolFrom, clean, new Map([...cleanLevel, ...degraded]));
  const axis = (l: string) => axisOf.get(l) ?? 'clean';
  // Each gate on its own first, then again among the views the other gates (at their first values) let through. The
  // confidence gate, whose curve spans every axis (any degradation lowers the detector's confidence), is charged only
  // with views every other gate, at its final value, lets through; and it is left out of the others' filters.
  const axisGates = GATES.filter((g) => g.axes.length !== ALL_AXES);
  // The filters are the other gates' values, which depend on this one's: start from each gate on its own and repeat
  // until no value moves (a degradation that trips two gates, e.g. a washed-out face losing contrast, is charged to
  // each only once the other has taken its share). At most MAX_ROUNDS rounds.
  let byAxis = axisGates.map((g) => gateCurve(g, paired, axis));
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const values = byAxis.map((c) => c.chosen);
    byAxis = axisGates.map((g, i) => gateCurve(g, paired, axis, (m) => axisGates.every((o, j) => j === i || passes(o, m, values[j]!))));
    if (byAxis.every((c, i) => c.chosen === values[i])) break;
  }
  const curves: GateCurve[] = GATES.map((g) => {
    const i = axisGates.indexOf(g);
    return i >= 0 ? byAxis[i]! : gateCurve(g, paired, axis, (m) => axisGates.every((o, j) => passes(o, m, byAxis[j]!.chosen)));
  });

  // Before and after: which of all the views (every level, clean included) each set of gates accepts, and how the
  // views it accepts do. The detector floor (DETECT_MIN_CONFIDENCE 0.5) applies to both.
  const accepts = (values: (number | null)[]) => (v: (typeof paired)[number]) =>
    v.view.ok && v.view.m.confidence >= SERVER_DETECT_FLOOR && GATES.every((g, i) => passes(g, v.view.ok ? v.view.m : ({} as never), values[i]!));
  const tally = (keep: (v: (typeof paired)[number]) => boolean) => {
    const vs = paired.filter(keep);
    const mated = vs.reduce((s, v) => s + v.mated, 0);
    return { views: vs.length, people: new Set(vs.map((v) => v.person)).size, mated, dir: vs.reduce((s, v) => s + v.named, 0) / Math.max(1, mated) };
  };
  const before = accepts(GATES.map((g) => g.before));
  const after = accepts(curves.map((c) => c.chosen));
  const comparison = {
    all: tally(() => true),
    before: tally(before),
    after: tally(after),
    onlyAfter: tally((v) => after(v) && !before(v)),
    onlyBefore: tally((v) => before(v) && !after(v)),
  };

  const summary: GatesSummary = {
    model: o.model,
    root: path.basename(path.resolve(o.root)),
    seed: o.seed,
    detector_min_confidence: o.minConfidence,
    operating_threshold: operating,
    held_out_thresholds: halves.map((h) => h.threshold),
    people: people.length,
    photos: people.reduce((s, p) => s + p.images.length, 0),
    enrollable: enrolFrom.size,
    halves: halves.map((h) => ({ people: h.people.length, enrollable: h.people.filter((p) => enrolFrom.has(p.name)).length })),
    axes: Object.fromEntries(AXES.map((a) => [a, AXIS_HELP[a]])),
    levels: rows,
    gates: curves,
    comparison,
    mend_rule: views.mended ? { darker_than: MEND_DARKER_THAN, brighter_than: MEND_BRIGHTER_THAN, max_clipped: MEND_MAX_CLIPPED } : null,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, `${JSON.stringify(summary, null, 2)}\n`);
  const lines = curves.map((c) => `${c.setting.padEnd(22)} ${c.chosen === null ? `off (${c.off})` : String(c.chosen)}   ${c.note}`);
  lines.push(`results      ${o.out}`);
  if (o.docs) {
    const file = o.docs;
    fs.writeFileSync(file, spliceSection(fs.readFileSync(file, 'utf8'), gatesMarkdown(summary)));
    lines.push(`docs         ${file} (section "Enrolment gates")`);
  }
  return { lines, summary };
}
