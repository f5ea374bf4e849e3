// docs/accuracy.md's "Per-track decisions" section, generated from train/results/open-set-tracks.json, which is itself
// cut from two `npm run eval -- --open-set` result.json files (threshold and bars chosen on the clean photos, and on
// every condition pooled) by train/tracks-report.ts. Edit the runs or this renderer, not the section.
import { replaceMarked } from './doc-section.js';

export const BEGIN = '<!-- tracks:begin (train/tracks-report.ts from train/results/open-set-tracks.json; do not edit by hand) -->';
export const END = '<!-- tracks:end -->';

export interface RateView {
  mated_tracks: number;
  stranger_tracks: number;
  dir: number;
  fpir: number;
  wrong: number;
}

/** One calibration's figures per condition: each rule held out (report halves) and in-sample (choosing halves). */
export interface CalibrationView {
  /** Per-photo FPIR-1% thresholds chosen on each half, and the FPIR they gave on the other half, per condition. */
  photo: Record<string, { threshold: number[]; fpir_got: number }>;
  rules: Record<string, Record<string, { heldout: RateView; dev: RateView; fitted?: unknown }>>;
}

export interface TracksResultsView {
  model: string;
  method: string;
  people: number;
  protocol: string;
  vote_window: number;
  frames_mean: number;
  tracks_shipped: { threshold: number; per_condition: Record<string, RateView> };
  calibrate_clean: CalibrationView;
  calibrate_all: CalibrationView;
}

type Any = any;

/** Cuts the per-track figures out of an open-set result.json (`os`: that run's `open_set`, for the model's method). */
function calibrationOf(r: Any): CalibrationView {
  const photo: CalibrationView['photo'] = {};
  const rules: CalibrationView['rules'] = {};
  for (const [c, byMethod] of Object.entries(r.open_set as Record<string, Any>)) {
    const f = byMethod[r.method];
    photo[c] = { threshold: f.at[0].threshold, fpir_got: f.at[0].fpir };
    rules[c] = { voting: { heldout: rate(f.tracks), dev: rate(f.tracks_dev) } };
    for (const e of f.evidence) rules[c]![e.rule] = { heldout: rate(e.heldout), dev: rate(e.dev), fitted: e.fitted };
  }
  return { photo, rules };
}

const rate = (x: Any): RateView => ({ mated_tracks: x.mated_tracks, stranger_tracks: x.stranger_tracks, dir: x.dir, fpir: x.fpir, wrong: x.wrong });

/** The committed summary from the clean-calibrated run and the every-condition run. */
export function tracksResults(clean: Any, all: Any): TracksResultsView {
  if (clean.method !== all.method || clean.people !== all.people) throw new Error('the two open-set runs are of different methods or people');
  const first = Object.values(clean.open_set as Record<string, Any>)[0][clean.method];
  return {
    model: clean.model,
    method: clean.method,
    people: clean.people,
    protocol: clean.protocol,
    vote_window: clean.tracks_shipped.vote_window,
    frames_mean: first.tracks.frames_mean,
    tracks_shipped: {
      threshold: clean.tracks_shipped.threshold,
      per_condition: Object.fromEntries(Object.entries(clean.tracks_shipped.per_condition as Record<string, Any>).map(([c, t]) => [c, rate(t)])),
    },
    calibrate_clean: calibrationOf(clean),
    calibrate_all: calibrationOf(all),
  };
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const cell = (r: RateView) => `${pct(r.dir)} / ${pct(r.fpir)} / ${pct(r.wrong)}`;

function calibrationTable(v: CalibrationView): string {
  const conds = Object.keys(v.rules);
  const rules = Object.keys(v.rules[conds[0]!] ?? {});
  const head = ['condition', 'per-photo FPIR got (target 1%)', ...rules.flatMap((r) => [`${r}: held out`, `${r}: dev (in-sample)`])];
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...conds.map(
      (c) => `| ${c} | ${pct(v.photo[c]!.fpir_got)} | ${rules.map((r) => `${cell(v.rules[c]![r]!.heldout)} | ${cell(v.rules[c]![r]!.dev)}`).join(' | ')} |`,
    ),
  ].join('\n');
}

/** Does `rule` beat voting on `conds`: more enrolled tracks named, no more strangers named, no more wrong names, held out? */
export function beatsVoting(v: CalibrationView, rule: string, conds: string[]): boolean {
  return conds.every((c) => {
    const r = v.rules[c]![rule]!.heldout,
      b = v.rules[c]!.voting!.heldout;
    return r.dir > b.dir && r.fpir <= b.fpir && r.wrong <= b.wrong;
  });
}

export function tracksSection(v: TracksResultsView): string {
  const n = Object.values(v.calibrate_clean.rules)[0]!.voting!.heldout;
  const shipped = v.tracks_shipped.per_condition;
  const pts = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
  const verdict = (cal: CalibrationView, what: string) =>
    Object.keys(Object.values(cal.rules)[0]!)
      .filter((r) => r !== 'voting')
      .map((r) => {
        const diff = ['clean', 'tight']
          .map((c) => {
            const a = cal.rules[c]![r]!.heldout,
              b = cal.rules[c]!.voting!.heldout;
            return `${c} named ${pts(a.dir - b.dir)}, strangers ${pts(a.fpir - b.fpir)}, wrong ${pts(a.wrong - b.wrong)} points`;
          })
          .join('; ');
        return `* ${what}, ${r}: ${beatsVoting(cal, r, ['clean', 'tight']) ? '**better than voting**' : 'not better than voting'} on clean and tight held out (against voting at the same calibration: ${diff}).`;
      });
  return [
    BEGIN,
    '',
    `The live server names a track, not a photo: a majority over its last \`VOTE_WINDOW\` (${v.vote_window}) votes, shown only on a frame whose own vote agrees (src/server/tracking/voting.ts, tracker.ts). \`train/lib/open-set.ts\` \`trackRates\` replays that rule with a person's probe photos as the frames of one track (${v.frames_mean.toFixed(1)} frames a track: the dev set has few photos a person); ${v.people} people, ${v.protocol}. Each cell: enrolled tracks named (own name on the last frame) / stranger tracks that showed any name / enrolled tracks that ever showed another person's name.`,
    '',
    `Shipped calibration (threshold ${v.tracks_shipped.threshold}; **in-sample**: chosen on these ${v.people} people), voting rule: ${Object.entries(shipped)
      .map(([c, r]) => `${c} ${cell(r)}`)
      .join('; ')}.`,
    '',
    `Beside the voting rule, the per-track evidence rules of \`train/lib/track-evidence.ts\` (issue 16): **sequential**, each candidate's summed log-likelihood ratio of its frames' best scores (same-person against impostor score densities, Gaussians with a pooled spread, fitted on the choosing half; a frame's ratio clamped to ±8), less the runner-up's; **mean of best 2**, each candidate's two best scores averaged; **sequential by quality** (only when calibrated on every condition), the sequential test with one score model per condition, the condition standing in for a face's quality class, so a frame of a class whose scores overlap more gives less evidence and a track of such frames needs more of them to reach the one bar. A name is shown when the leader's support reaches a bar and the frame's own best is the leader. Everything is fitted on one half of the people (its calibration tracks: ${n.mated_tracks} enrolled and ${n.stranger_tracks} stranger tracks over both halves) and reported on the other, both ways: the bar sits at a 1% per-track false-accept target on the choosing half with no wrong name there. "dev (in-sample)" is the same rule on the choosing half's own calibration tracks (the clean ones, or every condition's pooled, so the same in every row): the gap to "held out" is how the calibration transfers to people it was not chosen on. "per-photo FPIR got" is the share of the report half's stranger photos named at the per-photo threshold the other half chose for FPIR 1%.`,
    '',
    '### Threshold and bars chosen on the clean photos (`npm run eval -- --open-set --root ../shared/faces`)',
    '',
    calibrationTable(v.calibrate_clean),
    '',
    '### Threshold and bars chosen on every condition pooled (`npm run eval -- --open-set --calibrate-on all --root ../shared/faces`)',
    '',
    calibrationTable(v.calibrate_all),
    '',
    '### Verdict (rule in train/lib/tracks-report.ts `beatsVoting`)',
    '',
    ...verdict(v.calibrate_clean, 'clean calibration'),
    ...verdict(v.calibrate_all, 'every condition pooled'),
    '',
    END,
  ].join('\n');
}

export function replaceTracksSection(doc: string, section: string): string {
  return replaceMarked(doc, BEGIN, END, section, 'docs/accuracy.md');
}
