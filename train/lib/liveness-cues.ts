// Presentation-attack cues beyond MiniFASNet's texture, measured one by one (issue 17): per frame, on the presented face
// and its surroundings, and judged leave-one-video-out against the development set's real replays and live videos.
// Only measured here: none is on the live path unless docs/accuracy.md shows it helping held out.
import type { RgbImage } from '../../src/server/vision/align.js';
import type { Box } from '../../src/server/vision/detector.js';
import { spoofCropRect } from '../../src/server/vision/minifasnet.js';
import type { LivenessEvidenceSettings } from '../../src/server/tracking/liveness-evidence.js';
import { runTrack, type CueName, type FrameCues, type Rate } from './liveness-metrics.js';

export { CUE_NAMES, type CueName, type FrameCues } from './liveness-metrics.js';

/** What each cue measures, for the report. */
export const CUE_DESCRIPTIONS: Record<CueName, string> = {
  otherFaces: 'other faces in the frame (a held phone usually shows its holder too)',
  border: 'strongest straight horizontal or vertical edge in the 4x crop outside the face box (a phone bezel or paper edge), mean gray step',
  glare: 'share of near-white pixels (all channels > 245) in the 2.7x crop (screen glare)',
  chroma: 'mean chroma (max - min channel) in the 2.7x crop (a screen or print narrows the colour gamut)',
  detail: 'Laplacian energy of the inner face resampled to 48x48 (moiré raises it, a re-capture blurs it), scale-free',
  scoreSpread: "standard deviation of the track's last 15 MiniFASNet scores (a replay's score flickers)",
};

type Rect = { x0: number; y0: number; x1: number; y1: number };

function grayRect(img: RgbImage, r: Rect): { g: Float32Array; w: number; h: number } {
  const w = r.x1 - r.x0 + 1,
    h = r.y1 - r.y0 + 1;
  const g = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = ((r.y0 + y) * img.width + r.x0 + x) * 3;
      g[y * w + x] = 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!;
    }
  return { g, w, h };
}

/** The longest consistently signed gradient along one row or column of the crop, outside the face box: a straight edge. */
function borderCue(img: RgbImage, box: Box): number {
  const r = spoofCropRect(box, 4, img.width, img.height);
  const { g, w, h } = grayRect(img, r);
  const fx0 = box.x - r.x0,
    fx1 = fx0 + box.width,
    fy0 = box.y - r.y0,
    fy1 = fy0 + box.height;
  let best = 0;
  for (let x = 1; x < w - 1; x++) {
    if (x > fx0 && x < fx1) continue;
    let s = 0;
    for (let y = 0; y < h; y++) s += g[y * w + x + 1]! - g[y * w + x - 1]!;
    best = Math.max(best, Math.abs(s) / (2 * h));
  }
  for (let y = 1; y < h - 1; y++) {
    if (y > fy0 && y < fy1) continue;
    let s = 0;
    for (let x = 0; x < w; x++) s += g[(y + 1) * w + x]! - g[(y - 1) * w + x]!;
    best = Math.max(best, Math.abs(s) / (2 * w));
  }
  return best;
}

function colourCues(img: RgbImage, box: Box): { glare: number; chroma: number } {
  const r = spoofCropRect(box, 2.7, img.width, img.height);
  let glare = 0,
    chroma = 0,
    n = 0;
  for (let y = r.y0; y <= r.y1; y += 2)
    for (let x = r.x0; x <= r.x1; x += 2) {
      const i = (y * img.width + x) * 3;
      const [R, G, B] = [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
      if (Math.min(R, G, B) > 245) glare++;
      chroma += Math.max(R, G, B) - Math.min(R, G, B);
      n++;
    }
  return { glare: glare / n, chroma: chroma / n };
}

const DETAIL_SIZE = 48;

function detailCue(img: RgbImage, box: Box): number {
  const r: Rect = {
    x0: Math.max(0, Math.round(box.x + box.width * 0.2)),
    y0: Math.max(0, Math.round(box.y + box.height * 0.2)),
    x1: Math.min(img.width - 1, Math.round(box.x + box.width * 0.8)),
    y1: Math.min(img.height - 1, Math.round(box.y + box.height * 0.8)),
  };
  const { g, w, h } = grayRect(img, r);
  const n = DETAIL_SIZE;
  const s = new Float32Array(n * n);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const ya = Math.floor((y * h) / n),
        yb = Math.max(ya + 1, Math.floor(((y + 1) * h) / n));
      const xa = Math.floor((x * w) / n),
        xb = Math.max(xa + 1, Math.floor(((x + 1) * w) / n));
      let sum = 0;
      for (let yy = ya; yy < Math.min(yb, h); yy++) for (let xx = xa; xx < Math.min(xb, w); xx++) sum += g[yy * w + xx]!;
      s[y * n + x] = sum / ((Math.min(yb, h) - ya) * (Math.min(xb, w) - xa));
    }
  let e = 0;
  for (let y = 1; y < n - 1; y++)
    for (let x = 1; x < n - 1; x++) {
      const lap = 4 * s[y * n + x]! - s[(y - 1) * n + x]! - s[(y + 1) * n + x]! - s[y * n + x - 1]! - s[y * n + x + 1]!;
      e += lap * lap;
    }
  return e / ((n - 2) * (n - 2));
}

/** The image cues of one presented face (`scoreSpread` is filled in over the track by `withScoreSpread`). */
export function frameCues(img: RgbImage, box: Box, otherFaces: number): FrameCues {
  return { otherFaces, border: borderCue(img, box), ...colourCues(img, box), detail: detailCue(img, box), scoreSpread: Number.NaN };
}

/** Fills each frame's `scoreSpread`: the standard deviation of the last `n` scores of its video (causal, as live). */
export function withScoreSpread(frames: ({ real: number; cues?: FrameCues } | null)[], n = 15): void {
  const recent: number[] = [];
  for (const f of frames) {
    if (!f?.cues) continue;
    recent.push(f.real);
    if (recent.length > n) recent.shift();
    const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
    f.cues.scoreSpread = Math.sqrt(recent.reduce((a, b) => a + (b - mean) ** 2, 0) / recent.length);
  }
}

export interface CueVideo {
  name: string;
  attack: boolean;
  frames: { real: number; cues: FrameCues }[];
}

export interface CueHeldOut {
  cue: CueName;
  /** Per-frame values: medians over the replay and the live frames (all videos). */
  medianAttack: number;
  medianReal: number;
  /** Held-out frames: attacks accepted (score >= minReal) without and with the cue, real frames rejected likewise. */
  apcerAlone: Rate;
  apcerWithCue: Rate;
  bpcerAlone: Rate;
  bpcerWithCue: Rate;
}

const rate = (errors: number, n: number): Rate => ({ n, errors, rate: n > 0 ? errors / n : Number.NaN });
const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : Number.NaN;
};
const quantile = (xs: number[], q: number) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : Number.NaN;
};

/**
 * A cue's flag rule learnt from training videos: its direction from the two groups' medians, its threshold where it
 * flags `realFlagShare` of the training real frames (so the cue costs real people about that much per frame).
 */
export function learnFlag(train: CueVideo[], cue: CueName, realFlagShare = 0.01): (v: number) => boolean {
  const att = train.filter((v) => v.attack).flatMap((v) => v.frames.map((f) => f.cues[cue]));
  const real = train.filter((v) => !v.attack).flatMap((v) => v.frames.map((f) => f.cues[cue]));
  const high = median(att) > median(real);
  const t = quantile(real, high ? 1 - realFlagShare : realFlagShare);
  if (!Number.isFinite(t)) return () => false;
  return high ? (x) => x > t : (x) => x < t;
}

/** Leave-one-video-out: each video judged by the flag learnt on all the others; frames counted over all held-out videos. */
export function cueHeldOut(videos: CueVideo[], cue: CueName, minReal: number): CueHeldOut {
  let aN = 0,
    aAlone = 0,
    aCue = 0,
    rN = 0,
    rAlone = 0,
    rCue = 0;
  for (const held of videos) {
    const flag = learnFlag(
      videos.filter((v) => v !== held),
      cue,
    );
    for (const f of held.frames) {
      const accepted = f.real >= minReal;
      const acceptedWithCue = accepted && !flag(f.cues[cue]);
      if (held.attack) {
        aN++;
        aAlone += accepted ? 1 : 0;
        aCue += acceptedWithCue ? 1 : 0;
      } else {
        rN++;
        rAlone += accepted ? 0 : 1;
        rCue += acceptedWithCue ? 0 : 1;
      }
    }
  }
  const all = (attack: boolean) => videos.filter((v) => v.attack === attack).flatMap((v) => v.frames.map((f) => f.cues[cue]));
  return {
    cue,
    medianAttack: median(all(true)),
    medianReal: median(all(false)),
    apcerAlone: rate(aAlone, aN),
    apcerWithCue: rate(aCue, aN),
    bpcerAlone: rate(rAlone, rN),
    bpcerWithCue: rate(rCue, rN),
  };
}

export interface CueTrackVideo {
  name: string;
  kind: string;
  fps: number;
  /** The video's track windows; each frame's `scoreSpread` is over its own window (a track starts with no history). */
  windows: ({ real: number; keypoints: { x: number; y: number }[]; cues?: FrameCues } | null)[][];
}

export interface CueTrackHeldOut {
  cue: CueName;
  alone: { attacksAccepted: Rate; realRefused: Rate; realDelayed: Rate };
  withCue: { attacksAccepted: Rate; realRefused: Rate; realDelayed: Rate };
}

/**
 * The cue inside the evidence rule, held out: for each video, the flag learnt on the other videos' frames turns a
 * flagged frame into an attack frame (score 0) before the rule of liveness-evidence.ts folds it; its windows are then
 * run as tracks. "Delayed" is live later than 1 s, as the target counts it.
 */
export function cueTracksHeldOut(videos: CueTrackVideo[], cue: CueName, cfg: LivenessEvidenceSettings): CueTrackHeldOut {
  const asCueVideo = (v: CueTrackVideo): CueVideo => ({
    name: v.name,
    attack: v.kind !== 'bona-fide',
    frames: v.windows.flat().flatMap((f) => (f?.cues ? [{ real: f.real, cues: f.cues }] : [])),
  });
  const all = videos.map(asCueVideo);
  const tally = () => ({ an: 0, ae: 0, rn: 0, refused: 0, delayed: 0 });
  const alone = tally(),
    withCue = tally();
  videos.forEach((held, i) => {
    const flag = learnFlag(
      all.filter((_, j) => j !== i),
      cue,
    );
    for (const w of held.windows)
      for (const [acc, flagged] of [
        [alone, () => false],
        [withCue, flag],
      ] as const) {
        const frames = w.map((f) => (f ? { ...f, real: f.cues && flagged(f.cues[cue]) ? 0 : f.real } : null));
        const o = runTrack({ source: held.name, kind: held.kind, fps: held.fps, frames }, cfg);
        if (o.framesWithFace === 0) continue;
        if (held.kind === 'bona-fide') {
          acc.rn++;
          if (o.liveAfter === null) acc.refused++;
          if (o.liveAfter === null || o.liveAfter > 1) acc.delayed++;
        } else {
          acc.an++;
          if (o.liveAfter !== null) acc.ae++;
        }
      }
  });
  const view = (s: ReturnType<typeof tally>) => ({ attacksAccepted: rate(s.ae, s.an), realRefused: rate(s.refused, s.rn), realDelayed: rate(s.delayed, s.rn) });
  return { cue, alone: view(alone), withCue: view(withCue) };
}
