// Open-set identification with the server's own gallery (src/server/gallery/gallery.ts: person-level best over
// templates, "match when score >= threshold"): k images a person enrolled, a share of identities left out as strangers.
// Thresholds at a target FPIR are chosen on one half of the people and DIR/FPIR measured on the other half.
import { createGallery } from '../../src/server/gallery/gallery.js';
import { createJsIndex } from '../../src/server/gallery/vector-index.js';
import { joinNets, partWeights } from '../../src/server/vision/nets-embedder.js';
import type { FaceTemplate, Store } from '../../src/server/store/types.js';
import type { Person } from './dataset.js';
import { fitZParams, netVector, parseMethod, type Method, type ZParams } from './heldout.js';
import { prng, shuffle } from './pairs.js';
import { parseConfig } from '../../src/server/load-config.js';
import { decideIdentity, PENDING, type Identity, type Vote } from '../../src/server/tracking/voting.js';
import type { PartsResult } from './parts.js';
import {
  bestKRule,
  chooseBar,
  evidenceRates,
  fitScoreModel,
  qualitySequentialRule,
  sequentialRule,
  type EvidenceFigures,
  type EvidenceRule,
  type EvidenceTrack,
  type ScoreModel,
} from './track-evidence.js';

export interface OpenSetOptions {
  /** Images per enrolled person in the gallery. */
  k: number;
  /** Share of each half's identities left out of the gallery (their photos are stranger probes). */
  strangerShare: number;
  /** Random gallery/stranger draws per half, pooled. */
  repeats: number;
  seed: number;
  /** Enrol from the clean photos and probe with the degraded ones (a good enrolment, a poor camera); else both degraded. */
  cleanGallery?: boolean;
  /**
   * Conditions whose probes (of the choosing half) the threshold is chosen on, pooled: default the clean photos only.
   * A door that sees tight or small faces can choose its threshold on them too.
   */
  calibrationSets?: Map<string, PartsResult>[];
  /** Votes a track decides over (the server's VOTE_WINDOW). */
  voteWindow?: number;
}

/** The server's default VOTE_WINDOW (src/server/config.ts), read from the server's own settings. */
export function serverVoteWindow(): number {
  const parsed = parseConfig({});
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config.VOTE_WINDOW;
}

export interface Probe {
  mated: boolean;
  /** Best person's score (null: no face, or an empty gallery). */
  score: number | null;
  /** The best person is the probe's own (mated probes only). */
  correct: boolean;
  /** Whose photo it is (a stranger's too), and the best enrolled person whatever the score: for per-track decisions. */
  person: string;
  best: string | null;
}

/** The vector the server would store for `method`: one network's unit vector, or the networks joined as nets-embedder.ts does. */
export function vectorFor(method: Method, r: PartsResult | undefined, z: ZParams, gallerySide: boolean): Float32Array | null {
  if (!r?.ok) return null;
  const { nets, regallery } = parseMethod(method);
  const parts = nets.map((n) => Float32Array.from(netVector(r.parts, n, gallerySide ? regallery : 'photo')));
  if (nets.length === 1) return parts[0]!;
  return joinNets(partWeights(nets.map((n) => z[n])), parts);
}

/** Probes of one draw over `people`: gallery of k images each for the enrolled, every stranger photo as a probe. */
export async function drawProbes(
  people: Person[],
  vec: Map<string, PartsResult>,
  method: Method,
  z: ZParams,
  o: OpenSetOptions,
  draw: number,
  galleryVec = vec,
): Promise<Probe[]> {
  const rand = prng(o.seed * 1000 + draw);
  const shuffled = shuffle(people, rand);
  const nStrangers = Math.round(shuffled.length * o.strangerShare);
  const strangers = shuffled.slice(0, nStrangers),
    enrolled = shuffled.slice(nStrangers);
  const templates: FaceTemplate[] = [];
  const probes: { rel: string; person: string | null; who: string }[] = strangers.flatMap((p) => p.images.map((rel) => ({ rel, person: null, who: p.name })));
  for (const p of enrolled) {
    const imgs = shuffle(p.images, rand);
    imgs.slice(0, o.k).forEach((rel) => {
      const v = vectorFor(method, galleryVec.get(rel), z, true);
      if (v) templates.push({ faceId: rel, personId: p.name, personName: p.name, embedding: v });
    });
    probes.push(...imgs.slice(o.k).map((rel) => ({ rel, person: p.name, who: p.name })));
  }
  const dims = templates[0]?.embedding.length ?? 1;
  // The gallery reads its templates from the store; here the store is this draw's list.
  const store = { listFaceTemplates: async () => templates } as unknown as Store;
  const gallery = await createGallery({ store, modelId: method, dims, indexFactory: createJsIndex });
  return probes.map(({ rel, person, who }) => {
    const v = vectorFor(method, vec.get(rel), z, false);
    const top = v && templates.length > 0 ? gallery.search(v, 1)[0] : undefined;
    return {
      mated: person !== null,
      score: top ? top.score : null,
      correct: top !== undefined && top.personId === person,
      person: who,
      best: top?.personId ?? null,
    };
  });
}

/** Lowest threshold at which at most `fpir` of the stranger probes are named (scores from the choosing half). */
export function thresholdAtFpir(probes: Probe[], fpir: number): number {
  const s = probes
    .filter((p) => !p.mated && p.score !== null)
    .map((p) => p.score!)
    .sort((a, b) => b - a);
  const n = probes.filter((p) => !p.mated).length;
  const allowed = Math.floor(fpir * n);
  // Accept at most `allowed` strangers: the threshold sits just above the (allowed+1)-th highest stranger score.
  return allowed < s.length ? s[allowed]! + 1e-6 : -Infinity;
}

export function rates(probes: Probe[], threshold: number) {
  const mated = probes.filter((p) => p.mated),
    strangers = probes.filter((p) => !p.mated);
  const named = (p: Probe) => p.score !== null && p.score >= threshold;
  return {
    dir: mated.filter((p) => p.correct && named(p)).length / Math.max(1, mated.length),
    fpir: strangers.filter(named).length / Math.max(1, strangers.length),
    /** Mated probes given another enrolled person's name. */
    misidentified: mated.filter((p) => !p.correct && named(p)).length / Math.max(1, mated.length),
  };
}

export interface OpenSetFigures {
  rank1: number;
  mated_probes: number;
  stranger_probes: number;
  at: { fpir_target: number; threshold: number[]; dir: number; fpir: number; misidentified: number }[];
  /** DIR against FPIR on the report halves, for the DET/ROC plot. */
  curve: { fpir: number; dir: number }[];
  /**
   * Best DIR at a realised FPIR of at most 1% on the report halves' own probes (threshold set after the fact): how well
   * a model ranks mates above strangers, apart from whether a threshold chosen elsewhere transfers to this condition.
   */
  dir_at_equal_fpir_1e_2: number;
  /** Per-track decisions at each half's FPIR-1% threshold chosen on the other half (trackRates). */
  tracks: TrackFigures;
  /** The same voting rule on the choosing halves' own calibration tracks (in-sample): how the calibration transfers. */
  tracks_dev: EvidenceFigures;
  /** Per-track evidence rules (track-evidence.ts), fitted on each choosing half, reported on the other half. */
  evidence: EvidenceReport[];
}

export interface EvidenceReport {
  rule: string;
  /** Per half: the bar chosen on the other half's calibration tracks (per-track false-accept target 1%, no wrong name) and the score model fitted there. */
  fitted: { bar: number; model?: ScoreModel }[];
  /** On the report halves (held out). */
  heldout: EvidenceFigures;
  /** On the choosing halves' own calibration tracks (in-sample). */
  dev: EvidenceFigures;
}

/** Per-track false-accept target the evidence rules' bars are chosen at. */
export const TRACK_FALSE_ACCEPT_TARGET = 0.01;

/** One track per person per draw, frames in probe order (as trackRates forms them). */
export function evidenceTracks(draws: Probe[][], quality?: (draw: number) => string): EvidenceTrack[] {
  return draws.flatMap((probes, d) => {
    const byPerson = new Map<string, Probe[]>();
    for (const p of probes) byPerson.set(p.person, [...(byPerson.get(p.person) ?? []), p]);
    return [...byPerson].map(([person, track]) => ({
      person,
      enrolled: track[0]!.mated,
      frames: track.map((p) => ({ best: p.best, score: p.score, ...(quality ? { quality: quality(d) } : {}) })),
    }));
  });
}

/** Score model from probes: same-person scores are enrolled faces matched to themselves; the rest are impostor scores. */
export function fitProbeScores(probes: Probe[]): ScoreModel {
  const scored = probes.filter((p) => p.score !== null);
  return fitScoreModel(
    scored.filter((p) => p.mated && p.correct).map((p) => p.score!),
    scored.filter((p) => !p.mated || !p.correct).map((p) => p.score!),
  );
}

/** Pools per-half figures, weighting each by its track counts. */
export function poolFigures<T extends { mated_tracks: number; stranger_tracks: number; dir: number; fpir: number; wrong: number }>(
  parts: T[],
): EvidenceFigures {
  const mated = parts.reduce((s, p) => s + p.mated_tracks, 0),
    strangers = parts.reduce((s, p) => s + p.stranger_tracks, 0);
  const w = (key: 'dir' | 'wrong' | 'fpir', m: boolean) =>
    parts.reduce((s, p) => s + p[key] * (m ? p.mated_tracks : p.stranger_tracks), 0) / Math.max(1, m ? mated : strangers);
  return { mated_tracks: mated, stranger_tracks: strangers, dir: w('dir', true), fpir: w('fpir', false), wrong: w('wrong', true) };
}

export interface TrackFigures {
  /** Enrolled people's tracks, and strangers'. */
  mated_tracks: number;
  stranger_tracks: number;
  /** Frames a track has, over every track. */
  frames_mean: number;
  /** Enrolled tracks showing their own name on their last frame. */
  dir: number;
  /** Stranger tracks that showed any name on any frame. */
  fpir: number;
  /** Enrolled tracks that showed another enrolled person's name on any frame. */
  wrong: number;
}

/**
 * Per-track decisions the way the live tracker makes them (src/server/tracking/voting.ts): a person's probe photos
 * shown one after another as the frames of one track, each frame a vote (its best person when at or above the
 * threshold, else "nobody"), the identity a majority over the last `window` votes, and a name shown only on a frame
 * whose own vote agrees with it (tracker.ts `shownIdentity`). One track per person per draw.
 */
export function trackRates(draws: Probe[][], threshold: number | ((draw: number) => number), window: number): TrackFigures {
  let mated = 0,
    strangers = 0,
    frames = 0,
    named = 0,
    falseNamed = 0,
    wrong = 0;
  draws.forEach((probes, d) => {
    const t = typeof threshold === 'number' ? threshold : threshold(d);
    const byPerson = new Map<string, Probe[]>();
    for (const p of probes) byPerson.set(p.person, [...(byPerson.get(p.person) ?? []), p]);
    for (const [person, track] of byPerson) {
      const votes: Vote[] = track.map((p) => {
        const ok = p.score !== null && p.score >= t && p.best !== null;
        return { personId: ok ? p.best : null, name: ok ? p.best : null, score: p.score ?? 0 };
      });
      let identity: Identity = PENDING;
      const shown: (string | null)[] = votes.map((v, i) => {
        identity = decideIdentity(votes.slice(Math.max(0, i + 1 - window), i + 1), identity);
        return identity.state === 'recognized' && v.personId === identity.personId ? identity.personId : null;
      });
      frames += track.length;
      if (track[0]!.mated) {
        mated += 1;
        if (shown[shown.length - 1] === person) named += 1;
        if (shown.some((s) => s !== null && s !== person)) wrong += 1;
      } else {
        strangers += 1;
        if (shown.some((s) => s !== null)) falseNamed += 1;
      }
    }
  });
  return {
    mated_tracks: mated,
    stranger_tracks: strangers,
    frames_mean: frames / Math.max(1, mated + strangers),
    dir: named / Math.max(1, mated),
    fpir: falseNamed / Math.max(1, strangers),
    wrong: wrong / Math.max(1, mated),
  };
}

export async function openSet(
  clean: Map<string, PartsResult>,
  vec: Map<string, PartsResult>,
  method: Method,
  halves: Person[][],
  o: OpenSetOptions,
  fpirs: number[],
): Promise<OpenSetFigures> {
  const reported: Probe[] = [];
  const reportedDraws: { probes: Probe[]; threshold: number }[] = [];
  const perTarget = fpirs.map((f) => ({ fpir_target: f, threshold: [] as number[], hits: [] as Probe[][] }));
  const window = o.voteWindow ?? serverVoteWindow();
  const votingDev: TrackFigures[] = [];
  const evidence = new Map<string, { fitted: { bar: number; model?: ScoreModel }[]; heldout: EvidenceFigures[]; dev: EvidenceFigures[] }>();
  for (let h = 0; h < halves.length; h++) {
    const choose = halves.filter((_, j) => j !== h).flat(),
      report = halves[h]!;
    const z = fitZParams(clean, choose);
    const chooseProbes: Probe[] = [],
      chooseDraws: Probe[][] = [],
      reportProbes: Probe[] = [],
      draws: Probe[][] = [];
    for (let d = 0; d < o.repeats; d++) {
      for (const set of o.calibrationSets ?? [clean]) {
        chooseDraws.push(await drawProbes(choose, set, method, z, o, d));
        chooseProbes.push(...chooseDraws[chooseDraws.length - 1]!);
      }
      draws.push(await drawProbes(report, vec, method, z, o, d, o.cleanGallery ? clean : vec));
      reportProbes.push(...draws[draws.length - 1]!);
    }
    perTarget.forEach((t) => {
      t.threshold.push(thresholdAtFpir(chooseProbes, t.fpir_target));
      t.hits.push(reportProbes);
    });
    const at1 = thresholdAtFpir(chooseProbes, 1e-2);
    reportedDraws.push(...draws.map((probes) => ({ probes, threshold: at1 })));
    votingDev.push(trackRates(chooseDraws, at1, window));
    // Evidence rules: everything fitted on the choosing half's calibration tracks, then applied to the report half.
    const devTracks = evidenceTracks(chooseDraws),
      reportTracks = evidenceTracks(draws);
    const model = fitProbeScores(chooseProbes);
    const rules: { rule: EvidenceRule; model?: ScoreModel; dev?: EvidenceTrack[]; report?: EvidenceTrack[] }[] = [
      { rule: sequentialRule(model), model },
      { rule: bestKRule(2) },
    ];
    // With several calibration conditions, each (a quality class) gets its own score model; the report half's frames
    // are of the reported condition's class.
    const sets = o.calibrationSets ?? [clean];
    if (sets.length > 1 && sets.includes(vec)) {
      const perSet = chooseDraws.length / o.repeats;
      const byClass = new Map(sets.map((_, s) => [String(s), fitProbeScores(chooseDraws.filter((_, i) => i % perSet === s).flat())]));
      rules.push({
        rule: qualitySequentialRule(byClass),
        dev: evidenceTracks(chooseDraws, (i) => String(i % perSet)),
        report: evidenceTracks(draws, () => String(sets.indexOf(vec))),
      });
    }
    for (const { rule, model: m, dev = devTracks, report: rep = reportTracks } of rules) {
      const bar = chooseBar(rule, dev, window, TRACK_FALSE_ACCEPT_TARGET);
      const e = evidence.get(rule.name) ?? { fitted: [], heldout: [], dev: [] };
      e.fitted.push({ bar, ...(m ? { model: m } : {}) });
      e.heldout.push(evidenceRates(rule, rep, window, bar));
      e.dev.push(evidenceRates(rule, dev, window, bar));
      evidence.set(rule.name, e);
    }
    reported.push(...reportProbes);
  }
  const mated = reported.filter((p) => p.mated);
  const named = reported.filter((p) => !p.mated && p.score !== null).map((p) => p.score!);
  const curve = [...new Set(named)]
    .sort((a, b) => b - a)
    .map((t) => rates(reported, t))
    .map((r) => ({ fpir: r.fpir, dir: r.dir }));
  return {
    rank1: mated.filter((p) => p.correct).length / Math.max(1, mated.length),
    mated_probes: mated.length,
    stranger_probes: reported.length - mated.length,
    at: perTarget.map((t) => {
      // Each half's probes against the threshold its other half chose.
      const parts = t.hits.map((probes, h) => ({ n: probes, r: rates(probes, t.threshold[h]!) }));
      const w = (key: 'dir' | 'fpir' | 'misidentified', m: boolean) => {
        const tot = parts.reduce((s, p) => s + p.n.filter((x) => x.mated === m).length, 0);
        return parts.reduce((s, p) => s + p.r[key] * p.n.filter((x) => x.mated === m).length, 0) / Math.max(1, tot);
      };
      return { fpir_target: t.fpir_target, threshold: t.threshold, dir: w('dir', true), fpir: w('fpir', false), misidentified: w('misidentified', true) };
    }),
    curve,
    dir_at_equal_fpir_1e_2: rates(reported, thresholdAtFpir(reported, 0.01)).dir,
    tracks: trackRates(
      reportedDraws.map((d) => d.probes),
      (d) => reportedDraws[d]!.threshold,
      window,
    ),
    tracks_dev: poolFigures(votingDev),
    evidence: [...evidence].map(([rule, e]) => ({ rule, fitted: e.fitted, heldout: poolFigures(e.heldout), dev: poolFigures(e.dev) })),
  };
}
