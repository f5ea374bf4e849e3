// The operating point shown on the status page and in /health: the estimate for a gallery size is computed from the
// counts the default model's manifest keeps, and must give what train/gallery-fpir.ts wrote for 16, 100 and 1,000
// people; another threshold or a model without the measurement gets a reason, not a number.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EMBEDDING_MODEL } from '../../src/server/config.js';
import { operatingPoint, strangerRate } from '../../src/server/recognition/operating-point.js';
import { readManifest } from '../../src/server/vision/models.js';

const measured = JSON.parse(fs.readFileSync(new URL('../../train/results/gallery-fpir.json', import.meta.url), 'utf8')) as {
  model: string;
  threshold: number;
  results: Record<string, { accepted: number; fpir: Record<string, { estimate: number; upper95: number }> }>;
};

/** The server's default EMBEDDING_MODEL. */
const DEFAULT_MODEL = DEFAULT_EMBEDDING_MODEL;

describe('operating point', () => {
  const manifest = readManifest(DEFAULT_MODEL)!;

  it("reproduces train/gallery-fpir.ts's figures from the manifest's counts at 16, 100 and 1,000 people", () => {
    expect(measured.model).toBe(manifest.id);
    for (const people of [16, 100, 1000]) {
      const op = operatingPoint(manifest, manifest.threshold, people);
      expect(op.thresholdFrom).toBe('model');
      expect(op.strangerRate).not.toBeNull();
      for (const c of op.strangerRate!.conditions) {
        const want = measured.results[c.condition]!;
        expect(c.accepted, c.condition).toBe(want.accepted);
        expect({ estimate: c.estimate, upper95: c.upper95 }, `${c.condition} at ${people}`).toEqual(want.fpir[String(people)]);
      }
      expect(op.strangerRate!.conditions.map((c) => c.condition).sort()).toEqual(Object.keys(measured.results).sort());
    }
  });

  it('grows with the gallery, names the worst condition, and says what it is based on', () => {
    const small = operatingPoint(manifest, manifest.threshold, 3);
    const large = operatingPoint(manifest, manifest.threshold, 500);
    expect(large.strangerRate!.worst.estimate).toBeGreaterThan(small.strangerRate!.worst.estimate);
    expect(small.strangerRate!.worst.condition).toMatch(/^(tight80|blur)$/);
    // The default's count on clean photos (2 of 8,478: one impostor pair near the threshold, seen from both sides).
    expect(small.strangerRate!.clean).toMatchObject({ condition: 'clean', accepted: 2 });
    expect(small.strangerRate!.clean!.estimate).toBeGreaterThan(0);
    expect(small.fpirTarget).toBe(0.01);
    expect(small.calibrationGalleryPeople).toBe(38);
    expect(small.strangerRate!.basis).toMatch(/8,478 comparisons.*Not held out/);
    expect(small.note).toMatch(
      /^With 3 people enrolled, an estimated 0\.07% of strangers named on clean photos, and up to 0\.5% on (tight80|blur) faces; the threshold was chosen for 1\.0% with 38 people\.$/,
    );
    // A measurement with no accepted comparison says how far its zero can be trusted (rule of three).
    const none = operatingPoint(
      { ...manifest, calibration: { ...manifest.calibration, gallery_fpir: { ...manifest.calibration!.gallery_fpir!, accepted: { clean: 0 } } } },
      manifest.threshold,
      3,
    );
    expect(none.strangerRate!.clean).toMatchObject({ condition: 'clean', accepted: 0, estimate: 0 });
    expect(none.strangerRate!.clean!.upper95).toBeGreaterThan(0);
    expect(none.note).toMatch(/0\.0% of strangers named on clean photos \(at most 0\.1%: none of the comparisons matched\)/);
    expect(operatingPoint(manifest, manifest.threshold, 0).strangerRate!.worst.estimate).toBe(0);
    expect(strangerRate(0.001, 1000)).toBe(0.6323);
  });

  it('gives no number for a threshold or a model that was not measured, and says why', () => {
    const other = operatingPoint(manifest, 0.9, 50);
    expect(other.thresholdFrom).toBe('MATCH_THRESHOLD');
    expect(other.strangerRate).toBeNull();
    expect(other.note).toMatch(new RegExp(`measured at threshold ${manifest.threshold} only; MATCH_THRESHOLD is 0\\.9`));
    const edge = readManifest('edgeface-xs.v1')!;
    const none = operatingPoint(edge, edge.threshold, 50);
    expect(none.strangerRate).toBeNull();
    expect(none.note).toMatch(/edgeface-xs\.v1 has no gallery-size measurement/);
    expect(operatingPoint(null, 0.5, 1).note).toMatch(/No model manifest/);
  });
});
