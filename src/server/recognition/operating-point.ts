// The match threshold's operating point for the gallery the server holds now. The threshold was chosen at an FPIR
// (share of strangers named) on a gallery of a known size; a stranger is compared with every enrolled person, so the
// same threshold names strangers more often as the gallery grows. train/gallery-fpir.ts measured q, the share of
// (stranger photo, enrolled person) comparisons at or above the threshold, per image condition; the model manifest
// keeps those counts (calibration.gallery_fpir), and a gallery of N people names a stranger with probability
// 1 - (1 - q)^N (comparisons taken as independent), exactly as docs/accuracy.md, "Gallery size", computes it.
import { z } from 'zod';
import type { ModelManifest } from '../vision/models.js';

/** What the manifest holds (written from train/results/gallery-fpir.json). */
const GalleryFpir = z.object({
  source: z.string(),
  threshold: z.number(),
  calibration_gallery_people: z.number().int().positive(),
  templates_per_person: z.number().int().positive(),
  comparisons: z.number().int().positive(),
  accepted: z.record(z.string(), z.number().int().nonnegative()),
});

export interface ConditionRate {
  /** Image condition of the measurement: clean, jpeg50, tight, tight112, tight80, blur. */
  condition: string;
  /** Comparisons at or above the threshold, of `comparisons`. */
  accepted: number;
  /** Share of strangers named by a gallery of the current size. */
  estimate: number;
  /** 95% upper bound: with none seen, the rule of three (q <= 3 / comparisons); otherwise the estimate itself. */
  upper95: number;
}

export interface OperatingPoint {
  threshold: number;
  /** `model`: the embedding model's calibrated threshold; `MATCH_THRESHOLD`: set by the operator to another value. */
  thresholdFrom: 'model' | 'MATCH_THRESHOLD';
  /** The share of strangers named that the model's threshold was chosen for, on `calibrationGalleryPeople`. */
  fpirTarget: number | null;
  calibrationGalleryPeople: number | null;
  galleryPeople: number;
  /** null when no measurement fits the running model and threshold; `note` says why. */
  strangerRate: {
    basis: string;
    comparisons: number;
    templatesPerPerson: number;
    /** Clean photos: the best case. */
    clean: ConditionRate | null;
    /** The measured condition that names strangers most often (small, blurred or recompressed faces). */
    worst: ConditionRate;
    conditions: ConditionRate[];
  } | null;
  note: string;
}

/** 1 - (1 - q)^n, rounded to 4 decimals like train/gallery-fpir.ts. */
export function strangerRate(q: number, people: number): number {
  return +(1 - (1 - q) ** Math.max(0, people)).toFixed(4);
}

const percent = (x: number) => `${(100 * x).toFixed(x < 0.001 && x > 0 ? 2 : 1)}%`;

/**
 * The operating point of `threshold` for a gallery of `galleryPeople`, from the manifest's measurements. An estimate is
 * given only for the threshold that was measured: another threshold (MATCH_THRESHOLD) or a model without the
 * measurement gets a note instead of a number that would not be based on anything.
 */
export function operatingPoint(
  manifest: Pick<ModelManifest, 'id' | 'threshold' | 'calibration'> | null,
  threshold: number,
  galleryPeople: number,
): OperatingPoint {
  const cal = manifest?.calibration ?? {};
  const fpirTarget = typeof cal.fpir_target === 'number' ? cal.fpir_target : null;
  const measured = GalleryFpir.safeParse(cal.gallery_fpir);
  const base = {
    threshold,
    thresholdFrom: manifest && Math.abs(manifest.threshold - threshold) < 1e-9 ? ('model' as const) : ('MATCH_THRESHOLD' as const),
    fpirTarget,
    calibrationGalleryPeople: measured.success ? measured.data.calibration_gallery_people : null,
    galleryPeople,
  };
  if (!manifest)
    return { ...base, strangerRate: null, note: 'No model manifest: the threshold was not calibrated here, so no stranger rate can be estimated.' };
  if (!measured.success)
    return {
      ...base,
      strangerRate: null,
      note: `The model ${manifest.id} has no gallery-size measurement (train/gallery-fpir.ts), so no stranger rate is estimated.`,
    };
  const m = measured.data;
  if (Math.abs(m.threshold - threshold) > 1e-9)
    return {
      ...base,
      strangerRate: null,
      note: `The stranger rate was measured at threshold ${m.threshold} only; MATCH_THRESHOLD is ${threshold}, so it is not estimated (run train/gallery-fpir.ts at this threshold).`,
    };
  const conditions = Object.entries(m.accepted).map(([condition, accepted]): ConditionRate => {
    const q = accepted / m.comparisons;
    const qUpper = accepted === 0 ? 3 / m.comparisons : q;
    return { condition, accepted, estimate: strangerRate(q, galleryPeople), upper95: strangerRate(qUpper, galleryPeople) };
  });
  if (conditions.length === 0) return { ...base, strangerRate: null, note: 'The gallery-size measurement lists no conditions.' };
  const clean = conditions.find((c) => c.condition === 'clean') ?? null;
  const worst = conditions.reduce((a, b) => (b.estimate > a.estimate ? b : a));
  const basis =
    `${m.comparisons.toLocaleString('en')} comparisons of stranger photos with people enrolled with up to ${m.templates_per_person} photos, ` +
    `at threshold ${m.threshold} (${m.source}); a gallery of N people names a stranger with probability 1 − (1 − q)^N. ` +
    `Not held out: the threshold was chosen on the same people.`;
  const cleanText = clean
    ? `${percent(clean.estimate)} of strangers named on clean photos${clean.accepted === 0 ? ` (at most ${percent(clean.upper95)}: none of the comparisons matched)` : ''}, and `
    : '';
  const note =
    `With ${galleryPeople} ${galleryPeople === 1 ? 'person' : 'people'} enrolled, an estimated ${cleanText}up to ${percent(worst.estimate)} on ${worst.condition} faces` +
    (fpirTarget !== null ? `; the threshold was chosen for ${percent(fpirTarget)} with ${m.calibration_gallery_people} people.` : '.');
  return { ...base, strangerRate: { basis, comparisons: m.comparisons, templatesPerPerson: m.templates_per_person, clean, worst, conditions }, note };
}
