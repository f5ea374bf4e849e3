// Score fusion: the joined vector is unit length and its inner product is an increasing affine map of the mean z-score;
// the fused manifest resolves; held-out and open-set helpers on small hand-made cases.
import { describe, expect, it } from 'vitest';
import {
  fusedCosineToZ,
  fusionWeights,
  FUSED_MODEL_ID,
  joinParts,
  splitParts,
  zToFusedCosine,
  type FusionParams,
} from '../../src/server/vision/fused-embedder.js';
import { reembedCompatibility, resolveModel } from '../../src/server/vision/models.js';
import { EMBEDDING_MODEL_ID } from '../../src/server/vision/embedder.js';
import { fitZParams, heldoutVerification, identityFolds, scorePair } from '../../train/lib/heldout.js';
import { rates, thresholdAtFpir, trackRates, type Probe } from '../../train/lib/open-set.js';
import type { ImageParts, PartsResult } from '../../train/lib/parts.js';
import { joinedCosineToZ, joinNets, partWeights, splitNets, type NetPart } from '../../src/server/vision/nets-embedder.js';

const P: FusionParams = { resnet: { mean: 0.83, std: 0.034 }, mobilefacenet: { mean: 0.02, std: 0.146, flip: false } };

function unit(n: number, seed: number): Float32Array {
  let s = seed;
  const v = Float32Array.from({ length: n }, () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);

describe('fused vectors', () => {
  it('are unit length, and their inner product is the mean z-score mapped affinely', () => {
    const w = fusionWeights(P);
    expect(w.resnet ** 2 + w.mobilefacenet ** 2).toBeCloseTo(1, 12);
    // The model with the narrower spread gets the larger weight: one z unit of each counts the same.
    expect(w.resnet).toBeGreaterThan(w.mobilefacenet);
    const r = [unit(128, 1), unit(128, 2), unit(128, 3)],
      m = [unit(192, 4), unit(192, 5), unit(192, 6)];
    const f = r.map((x, i) => joinParts(w, x, m[i]!));
    for (const v of f) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    const meanZ = (i: number, j: number) =>
      ((dot(r[i]!, r[j]!) - P.resnet.mean) / P.resnet.std + (dot(m[i]!, m[j]!) - P.mobilefacenet.mean) / P.mobilefacenet.std) / 2;
    for (const [i, j] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      expect(fusedCosineToZ(P, dot(f[i]!, f[j]!))).toBeCloseTo(meanZ(i, j), 4);
      expect(zToFusedCosine(P, meanZ(i, j))).toBeCloseTo(dot(f[i]!, f[j]!), 5);
    }
    const back = splitParts(w, f[0]!);
    expect(dot(back.resnet, r[0]!)).toBeCloseTo(1, 5);
    expect(dot(back.mobilefacenet, m[0]!)).toBeCloseTo(1, 5);
  });

  it('any number of networks: unit vector, inner product = mean z-score mapped affinely, parts split back out', () => {
    const parts: NetPart[] = [
      { net: 'edgeface-xs', flip: true, mean: 0.01, std: 0.09 },
      { net: 'mobilefacenet', flip: false, mean: 0.02, std: 0.146 },
      { net: 'resnet', flip: true, mean: 0.83, std: 0.034 },
    ];
    const w = partWeights(parts);
    expect(w.reduce((s, x) => s + x * x, 0)).toBeCloseTo(1, 12);
    const vs = [0, 1].map((k) => [unit(512, 10 + k), unit(192, 20 + k), unit(128, 30 + k)]);
    const [a, b] = vs.map((v) => joinNets(w, v));
    expect(a).toHaveLength(832);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 5);
    const meanZ = parts.reduce((s, p, i) => s + (dot(vs[0]![i]!, vs[1]![i]!) - p.mean!) / p.std!, 0) / 3;
    expect(joinedCosineToZ(parts, dot(a!, b!))).toBeCloseTo(meanZ, 4);
    splitNets(parts, w, a!).forEach((v, i) => expect(dot(v, vs[0]![i]!)).toBeCloseTo(1, 5));
    expect(partWeights([{ std: 0.5 }])).toEqual([1]);
    expect(() => partWeights([{ std: 0.1 }, {}])).toThrow(/impostor std/);
  });

  it('the EdgeFace models resolve, are 512-d, and take stored ResNet crops', () => {
    for (const id of ['edgeface-xs.v1', 'edgeface-xxs.v1']) {
      const m = resolveModel(id).manifest;
      expect(m.dims).toBe(512);
      expect(m.nets).toHaveLength(1);
      expect(reembedCompatibility(EMBEDDING_MODEL_ID, m)).toEqual({ ok: true });
      expect(reembedCompatibility(FUSED_MODEL_ID, m)).toEqual({ ok: true });
    }
  });

  it('the shipped fused model resolves, is 320-d, and takes stored ResNet crops', () => {
    const model = resolveModel(FUSED_MODEL_ID);
    expect(model.manifest.dims).toBe(320);
    expect(model.manifest.fusion?.mobilefacenet.flip).toBe(false);
    expect(model.manifest.base).toBe(EMBEDDING_MODEL_ID);
    expect(fusedCosineToZ(model.manifest.fusion!, model.manifest.threshold)).toBeGreaterThan(2);
    expect(reembedCompatibility(EMBEDDING_MODEL_ID, model.manifest)).toEqual({ ok: true });
    expect(reembedCompatibility(FUSED_MODEL_ID, resolveModel(EMBEDDING_MODEL_ID).manifest)).toEqual({ ok: true });
  });
});

/** Two people a, b with two photos each; parts chosen so that the ResNet confuses them and MobileFaceNet does not. */
function toyData(): { people: { name: string; images: string[] }[]; vec: Map<string, PartsResult> } {
  const e = (k: number, n: number) => Array.from({ length: n }, (_, i) => (i === k ? 1 : 0));
  const mix = (x: number[], y: number[], t: number) => {
    const v = x.map((a, i) => a * Math.cos(t) + y[i]! * Math.sin(t));
    return v;
  };
  const part = (resnet: number[], mfn: number[]): PartsResult => ({
    ok: true,
    parts: {
      nets: { resnet, mobilefacenet: mfn },
      chip: { mobilefacenet: mfn },
      wideChip: { mobilefacenet: mfn },
      box: { x: 0, y: 0, width: 1, height: 1 },
      ms: 0,
    },
  });
  const people = ['a', 'b', 'c', 'd'].map((n) => ({ name: n, images: [`${n}/1`, `${n}/2`] }));
  const vec = new Map<string, PartsResult>();
  people.forEach((p, k) => {
    vec.set(p.images[0]!, part(mix(e(0, 4), e(1, 4), 0.1 * k), e(k, 4)));
    vec.set(p.images[1]!, part(mix(e(0, 4), e(1, 4), 0.1 * k + 0.05), mix(e(k, 4), e((k + 1) % 4, 4), 0.3)));
  });
  return { people, vec };
}

describe('held-out helpers', () => {
  it('z constants come from different-person pairs only, and fusion follows the separating model', () => {
    const { people, vec } = toyData();
    const z = fitZParams(vec, people);
    expect(z.resnet.mean).toBeGreaterThan(0.9);
    expect(z.mobilefacenet.mean).toBeLessThan(0.2);
    const same = scorePair('resnet+mobilefacenet', vec.get('a/1'), vec.get('a/2'), z)!,
      diff = scorePair('resnet+mobilefacenet', vec.get('a/1'), vec.get('b/1'), z)!;
    expect(same).toBeGreaterThan(diff);
    expect(scorePair('resnet+mobilefacenet', vec.get('a/1'), { ok: false, reason: 'no face detected' }, z)).toBeNull();
    // The fused score is the mean z-score of the two cosines.
    const nets = (rel: string) => (vec.get(rel) as { ok: true; parts: ImageParts }).parts.nets;
    const r = dot(nets('a/1').resnet!, nets('a/2').resnet!);
    const m = dot(nets('a/1').mobilefacenet!, nets('a/2').mobilefacenet!);
    expect(same).toBeCloseTo(((r - z.resnet.mean) / z.resnet.std + (m - z.mobilefacenet.mean) / z.mobilefacenet.std) / 2, 9);
    expect(() => scorePair('resnet+nonesuch', vec.get('a/1'), vec.get('a/2'), z)).toThrow(/unknown method/);
  });

  it('folds split people, never photos, and every pair is tested once', () => {
    const { people, vec } = toyData();
    const folds = identityFolds(people, 2, 1);
    expect(
      folds
        .flat()
        .map((p) => p.name)
        .sort(),
    ).toEqual(['a', 'b', 'c', 'd']);
    const f = heldoutVerification({ clean: vec, vec, folds, method: 'mobilefacenet' });
    expect(f.same).toBe(4);
    expect(f.different).toBe(2 * 4); // 2 people a fold: 2x2 different pairs in each of 2 folds
  });
});

describe('open-set helpers', () => {
  const probes: Probe[] = [
    ...[0.9, 0.8, 0.7, 0.2].map((score, i) => ({ mated: true, score, correct: score > 0.5, person: `p${i}`, best: score > 0.5 ? `p${i}` : 'x' })),
    ...[0.75, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.1, 0.1, 0.1].map((score, i) => ({ mated: false, score, correct: false, person: `s${i}`, best: 'p0' })),
  ];
  it('decides per track as the live tracker votes: majority over the window, a name shown only on a frame that agrees', () => {
    const f = (person: string, mated: boolean, frames: [string | null, number][]): Probe[] =>
      frames.map(([best, score]) => ({ mated, score, correct: best === person, person, best }));
    const draw = [
      ...f('ada', true, [
        ['ada', 0.9],
        ['ada', 0.5],
        ['ada', 0.9],
      ]), // named at the end
      ...f('bob', true, [
        ['cy', 0.9],
        ['bob', 0.9],
        ['bob', 0.9],
      ]), // showed Cy's name on its first frame: wrong
      ...f('dan', true, [['dan', 0.5]]), // below the threshold: never named
      ...f('eve', false, [
        ['ada', 0.9],
        ['ada', 0.5],
      ]), // a stranger named on its first frame
      ...f('fay', false, [['ada', 0.5]]),
    ];
    const t = trackRates([draw], 0.8, 5);
    expect(t).toMatchObject({ mated_tracks: 3, stranger_tracks: 2 });
    expect(t.dir).toBeCloseTo(2 / 3, 9);
    expect(t.wrong).toBeCloseTo(1 / 3, 9);
    expect(t.fpir).toBeCloseTo(1 / 2, 9);
    // At a threshold above every score nothing is named.
    expect(trackRates([draw], 0.95, 5)).toMatchObject({ dir: 0, wrong: 0, fpir: 0 });
  });
  it('picks the lowest threshold that names at most the target share of strangers', () => {
    expect(thresholdAtFpir(probes, 0.1)).toBeCloseTo(0.6 + 1e-6, 9); // 10 strangers: 1 may be named
    expect(thresholdAtFpir(probes, 0.01)).toBeCloseTo(0.75 + 1e-6, 9); // none may be
    const r = rates(probes, 0.6 + 1e-6);
    expect(r.fpir).toBeCloseTo(0.1, 9);
    expect(r.dir).toBeCloseTo(3 / 4, 9);
    expect(r.misidentified).toBe(0);
  });
});
