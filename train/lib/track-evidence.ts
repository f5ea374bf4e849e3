// Per-track evidence rules (issue 16): decide a track's name on the evidence of its recent frames instead of a
// majority of per-frame verdicts. Each rule gives, for a window of frames, a leading candidate and how strongly the
// frames support it; a name is shown on a frame when that support reaches the rule's bar and the frame's own best
// candidate is the leader (the same guard as tracker.ts `shownIdentity`). The bar is chosen on the dev half's tracks
// at a per-track false-accept target, like the per-frame threshold is chosen at a per-photo FPIR.

/** One frame of a track: the gallery's best person whatever the score (null: no face or an empty gallery). */
export interface EvidenceFrame {
  best: string | null;
  score: number | null;
  /** The face's quality class (in the evaluation: its degradation), for a rule with a score model per class. */
  quality?: string;
}

/** A track of the dev or report half: its frames and whose face it is (`enrolled` false: a stranger). */
export interface EvidenceTrack {
  person: string;
  enrolled: boolean;
  frames: EvidenceFrame[];
}

export interface Support {
  leader: string | null;
  value: number;
}

/** A rule: how strongly a window of frames supports its leading candidate (larger is stronger). */
export interface EvidenceRule {
  name: string;
  support(frames: EvidenceFrame[]): Support;
}

/**
 * Same-person and impostor score densities of the gallery's best match, as Gaussians with a pooled spread. The pooled
 * spread makes the log-likelihood ratio linear in the score, so it is monotone: a higher score never counts against.
 */
export interface ScoreModel {
  genuineMean: number;
  impostorMean: number;
  std: number;
}

/** A frame's log-likelihood ratio is clamped here, so that one extreme frame cannot outweigh the rest of a window. */
export const LLR_CLAMP = 8;

/** Fits the score model: `genuine` are best scores of enrolled faces whose best is their own person, `impostor` the best scores of strangers and of misidentified faces. */
export function fitScoreModel(genuine: number[], impostor: number[]): ScoreModel {
  if (genuine.length < 2 || impostor.length < 2)
    throw new Error(`score model needs at least 2 genuine and 2 impostor scores (got ${genuine.length}, ${impostor.length})`);
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  const gm = mean(genuine),
    im = mean(impostor);
  const ss = genuine.reduce((s, x) => s + (x - gm) ** 2, 0) + impostor.reduce((s, x) => s + (x - im) ** 2, 0);
  const std = Math.sqrt(ss / (genuine.length + impostor.length - 2));
  if (!(gm > im) || !(std > 0)) throw new Error(`score model is degenerate (genuine mean ${gm}, impostor mean ${im}, std ${std})`);
  return { genuineMean: gm, impostorMean: im, std };
}

/** log f_genuine(score) / f_impostor(score) under the pooled-spread model, clamped to ±LLR_CLAMP. */
export function frameLlr(m: ScoreModel, score: number): number {
  const llr = ((m.genuineMean - m.impostorMean) / m.std ** 2) * (score - (m.genuineMean + m.impostorMean) / 2);
  return Math.max(-LLR_CLAMP, Math.min(LLR_CLAMP, llr));
}

/**
 * Sequential test: each candidate's summed log-likelihood ratio over the frames whose best it is; the leader's support is
 * its sum less the runner-up's (when positive), so two people who both look likely hold each other back.
 */
export function sequentialRule(m: ScoreModel): EvidenceRule {
  return {
    name: 'sequential',
    support(frames) {
      const sums = new Map<string, number>();
      for (const f of frames) if (f.best !== null && f.score !== null) sums.set(f.best, (sums.get(f.best) ?? 0) + frameLlr(m, f.score));
      return lead(sums);
    },
  };
}

/**
 * The sequential test with a score model per quality class: a class whose same-person and impostor scores overlap more
 * (small, blurred faces) gives each frame a smaller ratio, so such a track needs more frames to reach the same bar;
 * the bar itself is one for every class.
 */
export function qualitySequentialRule(models: Map<string, ScoreModel>): EvidenceRule {
  const modelOf = (f: EvidenceFrame) => {
    const m = f.quality === undefined ? undefined : models.get(f.quality);
    if (!m) throw new Error(`no score model for quality class ${String(f.quality)} (have ${[...models.keys()].join(', ')})`);
    return m;
  };
  return {
    name: 'sequential by quality',
    support(frames) {
      const sums = new Map<string, number>();
      for (const f of frames) if (f.best !== null && f.score !== null) sums.set(f.best, (sums.get(f.best) ?? 0) + frameLlr(modelOf(f), f.score));
      return lead(sums);
    },
  };
}

/** Mean of each candidate's best `k` scores (fewer when it has fewer frames); support is the leader's mean. */
export function bestKRule(k: number): EvidenceRule {
  if (!Number.isInteger(k) || k < 1) throw new Error(`best-k needs k >= 1 (got ${k})`);
  return {
    name: `mean of best ${k}`,
    support(frames) {
      const by = new Map<string, number[]>();
      for (const f of frames) if (f.best !== null && f.score !== null) by.set(f.best, [...(by.get(f.best) ?? []), f.score]);
      let leader: string | null = null,
        value = -Infinity;
      for (const [p, s] of by) {
        const top = s.sort((a, b) => b - a).slice(0, k);
        const mean = top.reduce((a, b) => a + b, 0) / top.length;
        if (mean > value) [leader, value] = [p, mean];
      }
      return { leader, value };
    },
  };
}

function lead(sums: Map<string, number>): Support {
  const ranked = [...sums].sort((a, b) => b[1] - a[1]);
  if (ranked.length === 0) return { leader: null, value: -Infinity };
  return { leader: ranked[0]![0], value: ranked[0]![1] - Math.max(0, ranked[1]?.[1] ?? 0) };
}

/** Per frame: the leader and its support over the last `window` frames, and whether the frame's own best is the leader. */
function supports(rule: EvidenceRule, frames: EvidenceFrame[], window: number): (Support & { agrees: boolean })[] {
  return frames.map((f, i) => {
    const s = rule.support(frames.slice(Math.max(0, i + 1 - window), i + 1));
    return { ...s, agrees: s.leader !== null && f.best === s.leader };
  });
}

/** The name shown on each frame at `bar`. */
export function shownNames(rule: EvidenceRule, frames: EvidenceFrame[], window: number, bar: number): (string | null)[] {
  return supports(rule, frames, window).map((s) => (s.agrees && s.value >= bar ? s.leader : null));
}

/** The lowest bar at which the track would show a false name (a stranger named, or another person's name): -Infinity if none at any bar. */
export function falsePeak(rule: EvidenceRule, t: EvidenceTrack, window: number): number {
  let peak = -Infinity;
  for (const s of supports(rule, t.frames, window)) if (s.agrees && (!t.enrolled || s.leader !== t.person)) peak = Math.max(peak, s.value);
  return peak;
}

/**
 * The bar on the dev tracks: at most `target` of the stranger tracks named, and no enrolled track showing another
 * person's name (wrong names are the failure the product is judged on, so none is allowed on the dev half).
 */
export function chooseBar(rule: EvidenceRule, dev: EvidenceTrack[], window: number, target: number): number {
  const strangers = dev.filter((t) => !t.enrolled).map((t) => falsePeak(rule, t, window));
  const peaks = strangers.filter((p) => p > -Infinity).sort((a, b) => b - a);
  const allowed = Math.floor(target * strangers.length);
  const forStrangers = allowed < peaks.length ? peaks[allowed]! : -Infinity;
  const forWrong = Math.max(-Infinity, ...dev.filter((t) => t.enrolled).map((t) => falsePeak(rule, t, window)));
  // Just above the highest false support that must not pass (bars compare with >=).
  return Math.max(forStrangers, forWrong) + 1e-9;
}

export interface EvidenceFigures {
  mated_tracks: number;
  stranger_tracks: number;
  /** Enrolled tracks showing their own name on their last frame. */
  dir: number;
  /** Stranger tracks that showed any name on any frame. */
  fpir: number;
  /** Enrolled tracks that showed another enrolled person's name on any frame. */
  wrong: number;
}

/** The rule's figures over `tracks` at `bar`, counted as open-set.ts `trackRates` counts the voting rule. */
export function evidenceRates(rule: EvidenceRule, tracks: EvidenceTrack[], window: number, bar: number): EvidenceFigures {
  let named = 0,
    falseNamed = 0,
    wrong = 0;
  for (const t of tracks) {
    const shown = shownNames(rule, t.frames, window, bar);
    if (t.enrolled) {
      if (shown[shown.length - 1] === t.person) named += 1;
      if (shown.some((s) => s !== null && s !== t.person)) wrong += 1;
    } else if (shown.some((s) => s !== null)) falseNamed += 1;
  }
  const mated = tracks.filter((t) => t.enrolled).length,
    strangers = tracks.length - mated;
  return {
    mated_tracks: mated,
    stranger_tracks: strangers,
    dir: named / Math.max(1, mated),
    fpir: falseNamed / Math.max(1, strangers),
    wrong: wrong / Math.max(1, mated),
  };
}
