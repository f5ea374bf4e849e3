// `npm run eval -- --heldout --root DIR` and `npm run eval -- --open-set --root DIR`: held-out-by-identity figures of
// every network alone and of their fusions, per degradation, from one cached embedding pass of all networks (parts.ts).
// `--half dev|test`: only one half of the identities (seed-split), so that a choice made on dev is reported on test.
import fs from 'node:fs';
import path from 'node:path';
import { recordedPath } from './args.js';
import { CONDITION_HELP, CONDITIONS, type Condition } from './degrade.js';
import { loadHeldoutData } from './heldout-data.js';
import {
  fitZParams,
  heldoutVerification,
  identityFolds,
  methodHelp,
  methodOfManifest,
  METHODS as ALL_METHODS,
  parseMethod,
  type HeldoutFigures,
  type Method,
  type ZParams,
} from './heldout.js';
import type { PartsResult } from './parts.js';
import { modelFor } from './pipeline.js';
import {
  drawProbes,
  openSet,
  rates,
  serverVoteWindow,
  thresholdAtFpir,
  TRACK_FALSE_ACCEPT_TARGET,
  trackRates,
  type OpenSetFigures,
  type TrackFigures,
} from './open-set.js';
import type { EvidenceFigures } from './track-evidence.js';
import { htmlPage, lineChart, table } from './report.js';

export interface HeldoutCliOptions {
  root: string;
  model: string;
  openSet: boolean;
  folds: number;
  seed: number;
  conditions: Condition[];
  k: number;
  strangerShare: number;
  repeats: number;
  cleanGallery: boolean;
  out: string;
  cacheDir?: string;
  padRetry: number;
  /** Methods to score (default METHODS); the model's own is always among them. */
  methods?: Method[];
  /** One half of the identities only: 'dev' (choose on it) or 'test' (report on it). */
  half?: 'dev' | 'test';
  /** Open set: choose the threshold on the clean probes (default) or on every condition's probes pooled. */
  calibrateOn?: 'clean' | 'all';
}

const FPIRS = [1e-2, 1e-3];
const PALETTE = ['#1f77b4', '#2ca02c', '#d62728', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939'];
const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

export async function runHeldoutCli(o: HeldoutCliOptions): Promise<{ lines: string[]; summary: Record<string, unknown> }> {
  const t0 = performance.now();
  const own = methodOfManifest(modelFor(o.model).manifest);
  const METHODS = [...new Set([own, ...(o.methods ?? ALL_METHODS)])];
  METHODS.forEach(parseMethod);
  const COLORS: Record<string, string> = Object.fromEntries(METHODS.map((m, i) => [m, PALETTE[i % PALETTE.length]!]));
  const data = await loadHeldoutData({ root: o.root, conditions: o.conditions, cacheDir: o.cacheDir, padRetry: o.padRetry });
  const clean = data.byCondition.get('clean')!;
  // The halves are fixed by seed 1 whatever --seed says, so dev and test never swap people between runs.
  const people = o.half ? identityFolds(data.people, 2, 1)[o.half === 'dev' ? 0 : 1]! : data.people;
  const inHalf = new Set(people.flatMap((p) => p.images));
  const missed = Object.fromEntries([...data.byCondition].map(([c, m]) => [c, [...m].filter(([rel, r]) => inHalf.has(rel) && !r.ok).length]));
  const missedFiles = Object.fromEntries(
    [...data.byCondition].map(([c, m]) => [
      c,
      [...m].filter(([rel, r]) => inHalf.has(rel) && !r.ok).map(([rel, r]) => `${rel}: ${(r as { reason: string }).reason}`),
    ]),
  );
  const lines: string[] = [
    `model        ${o.model} (scored as ${own}; methods: ${METHODS.join(', ')})`,
    `people       ${people.length}${o.half ? ` (${o.half} half of ${data.people.length}, split seed 1)` : ''}, images ${inHalf.size}, seed ${o.seed}`,
  ];
  const sections: { heading: string; html: string }[] = [];
  const summary: Record<string, unknown> = {
    model: o.model,
    method: own,
    half: o.half ?? 'all',
    root: recordedPath(o.root),
    people: people.length,
    images: inHalf.size,
    seed: o.seed,
    missed,
    missed_files: missedFiles,
    ms_per_image_clean: medianMs(clean, inHalf),
  };

  if (!o.openSet) {
    const folds = identityFolds(people, o.folds, o.seed);
    const rows: Record<string, unknown>[] = [];
    const figures: Record<string, Record<string, HeldoutFigures>> = {};
    for (const c of o.conditions) {
      const vec = data.byCondition.get(c)!;
      figures[c] = {};
      for (const m of METHODS) {
        const f = heldoutVerification({ clean, vec, folds, method: m });
        figures[c]![m] = f;
        rows.push({
          condition: c,
          method: m,
          accuracy: `${pct(f.accuracy)} ± ${pct(f.accuracy_std)}`,
          'same matched': pct(f.tar),
          'different rejected': pct(f.tnr),
          AUC: f.auc.toFixed(4),
          'TAR@FAR=0.1%': pct(f['tar_at_far_1e-3']),
          pairs: `${f.same}+${f.different}`,
          'missed faces': missed[c],
        });
      }
      lines.push(`${c.padEnd(9)}    ${METHODS.map((m) => `${m} ${pct(figures[c]![m]!.accuracy)}`).join('   ')}   (missed ${missed[c]})`);
    }
    lines.splice(
      2,
      0,
      `protocol     ${o.folds}-fold by identity: z constants and threshold from the other folds' people; balanced accuracy (mean of same and different)`,
    );
    const z = fitZParams(clean, people);
    lines.push(
      `z (all)      ${Object.entries(z)
        .map(([n, v]) => `${n} mean ${v.mean.toFixed(4)} std ${v.std.toFixed(4)}`)
        .join('; ')} (impostor pairs of these people: for the shipped manifest)`,
    );
    summary.protocol = `${o.folds}-fold by identity`;
    summary.verification = figures;
    summary.z_all = z;
    sections.push({ heading: 'Held-out verification (k-fold by identity)', html: table(rows) });
  } else {
    const halves = identityFolds(people, 2, o.seed);
    const os: Record<string, Record<string, OpenSetFigures>> = {};
    const rows: Record<string, unknown>[] = [];
    let charts = '';
    for (const c of o.conditions) {
      os[c] = {};
      const calibrationSets = o.calibrateOn === 'all' ? o.conditions.map((k) => data.byCondition.get(k)!) : undefined;
      for (const m of METHODS) os[c]![m] = await openSet(clean, data.byCondition.get(c)!, m, halves, { ...o, calibrationSets }, FPIRS);
      for (const m of METHODS) {
        const f = os[c]![m]!;
        rows.push({
          condition: c,
          method: m,
          'rank-1': pct(f.rank1),
          ...Object.fromEntries(
            f.at.flatMap((a) => [
              [`DIR@FPIR ${a.fpir_target}`, pct(a.dir)],
              [`FPIR got`, pct(a.fpir)],
              [`threshold (per half)`, a.threshold.map((t) => t.toFixed(4)).join(', ')],
              ['misidentified', pct(a.misidentified)],
            ]),
          ),
          probes: `${f.mated_probes} mated, ${f.stranger_probes} strangers`,
        });
      }
      lines.push(`${c.padEnd(9)}    ${METHODS.map((m) => `${m} rank-1 ${pct(os[c]![m]!.rank1)} DIR@1% ${pct(os[c]![m]!.at[0]!.dir)}`).join('   ')}`);
      const curve = (m: Method) => ({
        name: m,
        color: COLORS[m] ?? '#000',
        points: os[c]![m]!.curve.map((p) => ({ x: Math.log10(Math.max(p.fpir, 1e-4)), y: 1 - p.dir })),
      });
      charts += lineChart(`DET, ${c}: miss rate (1 - DIR) against log10 FPIR`, 'log10 FPIR', '1 - DIR', METHODS.map(curve));
    }
    // The shipped threshold: the same draws over every person of the run (clean photos), at FPIR 1%, for the model's method.
    const zAll = fitZParams(clean, people);
    const sets = o.calibrateOn === 'all' ? o.conditions.map((k) => data.byCondition.get(k)!) : [clean];
    const allProbes = (await Promise.all(sets.flatMap((set) => Array.from({ length: o.repeats }, (_, d) => drawProbes(people, set, own, zAll, o, d))))).flat();
    const shipped = thresholdAtFpir(allProbes, 1e-2);
    const shippedRates = rates(allProbes, shipped);
    lines.push(
      `threshold    ${own}, ${people.length} people, ${o.calibrateOn === 'all' ? 'every condition pooled' : 'clean'}, FPIR 1%: ${shipped.toFixed(4)} (in-sample there: DIR ${pct(shippedRates.dir)}, FPIR ${pct(shippedRates.fpir)}; z ${Object.entries(
        zAll,
      )
        .map(([n, v]) => `${n} ${v.mean.toFixed(4)}/${v.std.toFixed(4)}`)
        .join(', ')})`,
    );
    // Per-track decisions with the shipped calibration: the manifest's threshold and fusion constants, every person of
    // the run, per condition. The shipped threshold was chosen on the dev set's people, so on them this is in-sample.
    const manifest = modelFor(o.model).manifest;
    if (Number.isFinite(manifest.threshold)) {
      const zShipped = (manifest.fusion ?? Object.fromEntries((manifest.nets ?? []).map((n) => [n.net, { mean: n.mean, std: n.std }]))) as ZParams;
      const shippedTracks: Record<string, TrackFigures> = {};
      for (const c of o.conditions) {
        const draws = await Promise.all(Array.from({ length: o.repeats }, (_, d) => drawProbes(people, data.byCondition.get(c)!, own, zShipped, o, d)));
        shippedTracks[c] = trackRates(draws, manifest.threshold, serverVoteWindow());
      }
      summary.tracks_shipped = { threshold: manifest.threshold, vote_window: serverVoteWindow(), per_condition: shippedTracks };
      lines.push(
        `tracks       shipped calibration (threshold ${manifest.threshold}, VOTE_WINDOW ${serverVoteWindow()}; in-sample: chosen on these people):`,
        ...o.conditions.map((c) => {
          const t = shippedTracks[c]!;
          return `  ${c.padEnd(9)}  named ${pct(t.dir)} of ${t.mated_tracks} enrolled tracks, strangers named ${pct(t.fpir)} of ${t.stranger_tracks}, wrong name ${pct(t.wrong)} (${t.frames_mean.toFixed(1)} frames a track)`;
        }),
        `tracks       held out (each half at the FPIR-1% threshold its other half chose):`,
        ...o.conditions.map((c) => {
          const t = os[c]![own]!.tracks;
          return `  ${c.padEnd(9)}  named ${pct(t.dir)} of ${t.mated_tracks}, strangers named ${pct(t.fpir)} of ${t.stranger_tracks}, wrong name ${pct(t.wrong)}`;
        }),
        `tracks       evidence rules held out (fitted on the other half, per-track false-accept target ${pct(TRACK_FALSE_ACCEPT_TARGET)}, no wrong name there; dev = in-sample on the fitting half):`,
        ...o.conditions.flatMap((c) => {
          const f = os[c]![own]!;
          const row = (name: string, h: EvidenceFigures, d: EvidenceFigures) =>
            `  ${c.padEnd(9)}  ${name.padEnd(21)} named ${pct(h.dir)}, strangers ${pct(h.fpir)}, wrong ${pct(h.wrong)}   (dev: ${pct(d.dir)} / ${pct(d.fpir)} / ${pct(d.wrong)})`;
          return [row('voting', f.tracks, f.tracks_dev), ...f.evidence.map((e) => row(e.rule, e.heldout, e.dev))];
        }),
      );
    }
    summary.shipped = {
      method: own,
      fpir_target: 1e-2,
      threshold: shipped,
      z: zAll,
      in_sample: shippedRates,
      stranger_probes: allProbes.filter((p) => !p.mated).length,
    };
    lines.splice(
      2,
      0,
      `protocol     open set: ${o.k} ${o.cleanGallery ? 'clean' : 'same-condition'} images a person enrolled, ${pct(o.strangerShare)} of identities strangers, ${o.repeats} draws; thresholds at FPIR ${FPIRS.join(', ')} chosen on one half of the people, DIR/FPIR on the other (both ways)`,
    );
    summary.protocol = `open set, k=${o.k}${o.cleanGallery ? ' (clean gallery)' : ''}, strangers ${o.strangerShare}, ${o.repeats} draws, 2 identity halves${o.calibrateOn === 'all' ? ', threshold chosen on every condition pooled' : ''}`;
    summary.open_set = Object.fromEntries(
      Object.entries(os).map(([c, ms]) => [c, Object.fromEntries(Object.entries(ms).map(([m, f]) => [m, { ...f, curve: undefined }]))]),
    );
    sections.push({ heading: 'Open-set identification (server gallery rule)', html: table(rows) }, { heading: 'DET curves (report halves)', html: charts });
  }
  sections.push({ heading: 'Conditions', html: table(o.conditions.map((c) => ({ condition: c, what: CONDITION_HELP[c], 'missed faces': missed[c] }))) });
  sections.push({ heading: 'Methods', html: table(METHODS.map((m) => ({ method: m, what: methodHelp(m) }))) });
  fs.mkdirSync(o.out, { recursive: true });
  fs.writeFileSync(path.join(o.out, 'report.html'), htmlPage(`${o.openSet ? 'open-set' : 'held-out'}: ${o.model}`, sections));
  summary.seconds = Math.round((performance.now() - t0) / 100) / 10;
  fs.writeFileSync(path.join(o.out, 'result.json'), `${JSON.stringify(summary, null, 2)}\n`);
  lines.push(`report       ${path.join(o.out, 'report.html')}`);
  return { lines, summary };
}

export function parseConditions(s: string | undefined): Condition[] {
  if (!s) return [...CONDITIONS];
  const list = s.split(',').map((x) => x.trim()) as Condition[];
  const bad = list.filter((c) => !CONDITIONS.includes(c));
  if (bad.length) throw new Error(`unknown condition(s) ${bad.join(', ')}; known: ${CONDITIONS.join(', ')}`);
  return list.includes('clean') ? list : ['clean', ...list];
}

/** Median whole-image time (detect + landmarks + every network + the chip route) of the clean pass, ms; cached entries keep their first run's time. */
function medianMs(vec: Map<string, PartsResult>, rels: Set<string>): number {
  const ms = [...vec]
    .filter(([rel, r]) => rels.has(rel) && r.ok)
    .map(([, r]) => (r as { ok: true; parts: { ms: number } }).parts.ms)
    .sort((a, b) => a - b);
  return Math.round(ms[Math.floor(ms.length / 2)] ?? 0);
}
