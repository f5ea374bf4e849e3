// Which parts of a stored embedding a move between models keeps (src/server/gallery/reembed-plan.ts): a network both
// models run the same way is carried over, re-weighted for the new model's z-score spreads; the others come from the
// stored crop. The merged vector stays unit length, and its carried part is the stored one exactly.
import { describe, expect, it } from 'vitest';
import { carryPlan } from '../../src/server/gallery/reembed-plan.js';
import { DEFAULT_EMBEDDING_MODEL, FLOAT_DEFAULT_MODEL } from '../../src/server/config.js';
import { readManifest, type ModelManifest } from '../../src/server/vision/models.js';
import { partWeights } from '../../src/server/vision/nets-embedder.js';

const manifest = (id: string): ModelManifest => readManifest(id)!;
const unit = (n: number, seed: number) => {
  const v = Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 31 + i * 7.3));
  const s = Math.hypot(...v);
  return v.map((x) => x / s);
};
const joined = (weights: number[], parts: Float32Array[]) => Float32Array.from(parts.flatMap((p, i) => Array.from(p, (x) => x * weights[i]!)));

describe('carryPlan', () => {
  const float = manifest(FLOAT_DEFAULT_MODEL);
  const int8 = manifest(DEFAULT_EMBEDDING_MODEL);

  it('keeps MobileFaceNet when only the ResNet changes (float -> int8), and says the face keeps its quality', () => {
    const plan = carryPlan(float, int8)!;
    expect(plan).not.toBeNull();
    expect(plan.carried).toEqual(['mobilefacenet']);
    expect(plan.recomputed).toEqual(['resnet-int8']);
    expect(plan.keepsQuality).toBe(true);
    const [wf, wq] = [partWeights([float.fusion!.resnet, float.fusion!.mobilefacenet]), partWeights(int8.nets!)];
    const [rOld, mfnOld, rNew, mfnFromCrop] = [unit(128, 1), unit(192, 2), unit(128, 3), unit(192, 4)];
    const merged = plan.merge(joined(wf, [rOld, mfnOld]), joined(wq, [rNew, mfnFromCrop]));
    expect(merged.length).toBe(320);
    expect(Math.hypot(...merged)).toBeCloseTo(1, 5);
    // The ResNet part is the new model's; MobileFaceNet's is the stored one, under the new weight.
    for (let k = 0; k < 128; k++) expect(merged[k]!).toBeCloseTo(rNew[k]! * wq[0]!, 6);
    for (let k = 0; k < 192; k++) expect(merged[128 + k]!).toBeCloseTo(mfnOld[k]! * wq[1]!, 6);
  });

  it('and back (int8 -> float)', () => {
    const plan = carryPlan(int8, float)!;
    expect(plan.carried).toEqual(['mobilefacenet']);
    expect(plan.recomputed).toEqual(['resnet']);
  });

  it('carries nothing from the ResNet alone to the fusion (the int8 ResNet is another network), nor across landmarks', () => {
    expect(carryPlan(manifest('dlib-resnet128.chip150.crop1.25.flip.v1'), int8)).toBeNull();
    expect(carryPlan(float, { ...int8, embedder: { ...int8.embedder, cropScale: 1.1 } })).toBeNull();
    expect(carryPlan(float, { ...int8, nets: [int8.nets![0]!, { ...int8.nets![1]!, flip: true }] })).toBeNull();
  });

  it('marks a face for re-enrolment when a part that reads the ArcFace crop is computed from the stored chip', () => {
    // The ResNet alone -> EdgeFace + ResNet: EdgeFace comes from the crop.
    const edge = {
      ...int8,
      nets: [
        { net: 'edgeface-xs' as const, flip: true, mean: 0, std: 0.08 },
        { net: 'resnet' as const, flip: true, mean: 0.83, std: 0.034 },
      ],
    };
    const plan = carryPlan(float, edge)!;
    expect(plan.carried).toEqual(['resnet']);
    expect(plan.keepsQuality).toBe(false);
  });
});
