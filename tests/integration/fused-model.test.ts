// The fused model end to end on real photos: one 320-d unit vector per face whose inner product separates people at
// the manifest's threshold, the stored-chip route for re-embedding, a gallery moved from the ResNet model, no leaks.
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFaceAnalyzer, type ModelAnalyzer } from '../../src/server/vision/analyzer.js';
import { FUSED_MODEL_ID, fusionWeights, splitParts } from '../../src/server/vision/fused-embedder.js';
import { resolveModel } from '../../src/server/vision/models.js';
import { reembedStoredChip } from '../helpers/reembed.js';
import { testConfig } from '../helpers/server.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);
const photo = (rel: string) => fs.readFileSync(`tests/fixtures/faces/${rel}`);

describe('fused ResNet + MobileFaceNet model', () => {
  let fused: ModelAnalyzer;
  beforeAll(async () => {
    fused = await createFaceAnalyzer(testConfig(), () => {}, { model: resolveModel(FUSED_MODEL_ID) });
  }, 120_000);

  async function face(rel: string) {
    const r = await fused.embedAll(photo(rel), 4096 * 4096);
    if (!r.ok || !r.faces[0]) throw new Error(`${rel}: no face`);
    return r.faces[0];
  }

  it('embeds a face as a 320-d unit vector that tells people apart at the manifest threshold', { timeout: 120_000 }, async () => {
    expect(fused.dims).toBe(320);
    expect(fused.models.join(' ')).toMatch(/mobilefacenet/);
    const [o1, o2, o5, b1, g2] = await Promise.all(
      ['Barack_Obama/1.jpg', 'Barack_Obama/2.jpg', 'Barack_Obama/5.jpg', 'Joe_Biden/1.jpg', 'Guido_van_Rossum/2.jpg'].map(face),
    );
    expect(o1!.embedding).toHaveLength(320);
    expect(Math.hypot(...o1!.embedding)).toBeCloseTo(1, 4);
    const t = fused.threshold;
    expect(dot(o1!.embedding, o2!.embedding)).toBeGreaterThanOrEqual(t);
    expect(dot(o1!.embedding, o5!.embedding)).toBeGreaterThanOrEqual(t);
    for (const other of [b1!, g2!]) expect(dot(o1!.embedding, other.embedding)).toBeLessThan(t);
    // Both halves carry identity: each alone ranks the same person above the others.
    const w = fusionWeights(fused.manifest.fusion!);
    const p = [o1!, o2!, b1!].map((f) => splitParts(w, f.embedding));
    expect(dot(p[0]!.resnet, p[1]!.resnet)).toBeGreaterThan(dot(p[0]!.resnet, p[2]!.resnet));
    expect(dot(p[0]!.mobilefacenet, p[1]!.mobilefacenet)).toBeGreaterThan(dot(p[0]!.mobilefacenet, p[2]!.mobilefacenet) + 0.3);
  });

  it('re-embeds a stored chip: the ResNet half exactly, the MobileFaceNet half from the chip (close, not equal)', { timeout: 60_000 }, async () => {
    const f = await face('Barack_Obama/2.jpg');
    const [again] = await fused.embedChips([f.chip]);
    const w = fusionWeights(fused.manifest.fusion!);
    const live = splitParts(w, f.embedding),
      chip = splitParts(w, again!);
    expect(dot(live.resnet, chip.resnet)).toBeGreaterThan(0.9999);
    expect(dot(live.mobilefacenet, chip.mobilefacenet)).toBeGreaterThan(0.6);
    expect(dot(f.embedding, again!)).toBeGreaterThanOrEqual(fused.threshold);
    // The wide chip an enrolment stores holds MobileFaceNet's ArcFace crop whole: its route comes closer to the photo's.
    const [wide] = await fused.embedChips([f.wideChip!]);
    const fromWide = splitParts(w, wide!);
    expect(dot(live.resnet, fromWide.resnet)).toBeGreaterThan(0.9999);
    expect(dot(live.mobilefacenet, fromWide.mobilefacenet)).toBeGreaterThan(dot(live.mobilefacenet, chip.mobilefacenet));
  });

  it('moves a gallery enrolled with the ResNet model onto the fused model, and the moved face is still found', { timeout: 60_000 }, async () => {
    const enrolled = await face('Barack_Obama/1.jpg');
    // What the ResNet model stored for it: the fusion's ResNet part is that network, run the same way, so it is kept.
    const w = fusionWeights(fused.manifest.fusion!);
    const resnet = Float32Array.from(splitParts(w, enrolled.embedding).resnet);
    const { result, template } = await reembedStoredChip(fused, enrolled.chip, 150, resnet);
    expect(Array.from(splitParts(w, template).resnet)).toEqual(Array.from(resnet, (x) => expect.closeTo(x, 6)));
    expect(result).toEqual({ reembedded: 1, refused: [] });
    expect(fused.manifest.id).toBe(FUSED_MODEL_ID);
    expect(template).toHaveLength(320);
    const probe = await face('Barack_Obama/2.jpg'),
      stranger = await face('Joe_Biden/1.jpg');
    expect(dot(template, probe.embedding)).toBeGreaterThanOrEqual(fused.threshold);
    expect(dot(template, stranger.embedding)).toBeLessThan(fused.threshold);
  });

  it('frees the tensors of each frame', { timeout: 60_000 }, async () => {
    await face('Amy/1.jpg');
    const before = fused.tensorCount();
    await face('Amy/2.jpg');
    expect(fused.tensorCount()).toBe(before);
  });
});
