// The EdgeFace models end to end on real photos: 512-d unit vectors that tell people apart at the manifest's threshold,
// the faces of a frame embedded together exactly as alone, the stored-chip route, a gallery moved from the ResNet
// model, no tensor leaks.
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFaceAnalyzer, type ModelAnalyzer } from '../../src/server/vision/analyzer.js';
import { resolveModel } from '../../src/server/vision/models.js';
import { reembedStoredChip } from '../helpers/reembed.js';
import { testConfig } from '../helpers/server.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);
const photo = (rel: string) => fs.readFileSync(`tests/fixtures/faces/${rel}`);

describe.each(['edgeface-xs.v1', 'edgeface-xxs.v1'])('%s', (id) => {
  let model: ModelAnalyzer;
  beforeAll(async () => {
    model = await createFaceAnalyzer(testConfig(), () => {}, { model: resolveModel(id) });
  }, 120_000);

  async function face(rel: string) {
    const r = await model.embedAll(photo(rel), 4096 * 4096);
    if (!r.ok || !r.faces[0]) throw new Error(`${rel}: no face`);
    return r.faces[0];
  }

  it('embeds a face as a 512-d unit vector that tells people apart at the manifest threshold', { timeout: 120_000 }, async () => {
    expect(model.dims).toBe(512);
    expect(model.models.join(' ')).toMatch(/onnx:edgeface/);
    expect(model.models.join(' ')).not.toMatch(/dlib ResNet/);
    const [o1, o2, o5, b1, g2, p1] = await Promise.all(
      ['Barack_Obama/1.jpg', 'Barack_Obama/2.jpg', 'Barack_Obama/5.jpg', 'Joe_Biden/1.jpg', 'Guido_van_Rossum/2.jpg', 'Paul_Allen/1.jpg'].map(face),
    );
    expect(o1!.embedding).toHaveLength(512);
    expect(Math.hypot(...o1!.embedding)).toBeCloseTo(1, 4);
    const t = model.threshold;
    expect(dot(o1!.embedding, o2!.embedding)).toBeGreaterThanOrEqual(t);
    expect(dot(o1!.embedding, o5!.embedding)).toBeGreaterThanOrEqual(t);
    for (const other of [b1!, g2!, p1!]) expect(dot(o1!.embedding, other.embedding)).toBeLessThan(t);
  });

  it('embeds the faces of one frame together as it embeds each alone', { timeout: 60_000 }, async () => {
    const r = await model.analyze(photo('_group/obama_and_biden.jpg'), 4096 * 4096, { liveness: false });
    if (!r.ok) throw new Error(r.message);
    try {
      expect(r.frame.faces.length).toBeGreaterThanOrEqual(2);
      const both = await r.frame.embed([0, 1]);
      const [a] = await r.frame.embed([0]);
      const [b] = await r.frame.embed([1]);
      expect(dot(both[0]!.embedding, a!.embedding)).toBeGreaterThan(0.9999);
      expect(dot(both[1]!.embedding, b!.embedding)).toBeGreaterThan(0.9999);
      expect(dot(a!.embedding, b!.embedding)).toBeLessThan(model.threshold);
    } finally {
      r.frame.release();
    }
  });

  it('re-embeds a stored chip close to the photo route, and moves a ResNet gallery over', { timeout: 60_000 }, async () => {
    const enrolled = await face('Barack_Obama/1.jpg');
    const [again] = await model.embedChips([enrolled.chip]);
    expect(again).toHaveLength(512);
    // The chip route cuts the ArcFace crop from the 150x150 dlib chip (forehead filled from its edge): close, not equal.
    expect(dot(enrolled.embedding, again!)).toBeGreaterThan(0.6);
    expect(dot(enrolled.embedding, again!)).toBeLessThan(0.9999);
    const { result, template } = await reembedStoredChip(model, enrolled.chip, 150);
    expect(result).toEqual({ reembedded: 1, refused: [] });
    expect(template).toHaveLength(512);
    const probe = await face('Barack_Obama/2.jpg'),
      stranger = await face('Joe_Biden/1.jpg');
    expect(dot(template, probe.embedding)).toBeGreaterThanOrEqual(model.threshold);
    expect(dot(template, stranger.embedding)).toBeLessThan(model.threshold);
  });

  it('re-embeds the wide chip an enrolment stores (the ArcFace crop whole) closer to the photo route than the 150 px chip', { timeout: 60_000 }, async () => {
    const enrolled = await face('Barack_Obama/1.jpg');
    expect(enrolled.wideChip).toHaveLength(220 * 220 * 3);
    const [fromWide, fromChip] = await model.embedChips([enrolled.wideChip!, enrolled.chip]);
    // Measured: 0.990 / 0.987 (XS / XXS) from the wide chip, 0.947 / 0.953 from the 150 px chip.
    expect(dot(enrolled.embedding, fromWide!)).toBeGreaterThan(0.98);
    expect(dot(enrolled.embedding, fromWide!)).toBeGreaterThan(dot(enrolled.embedding, fromChip!) + 0.02);
    // Through the gallery: stored as the JPEG crop an enrolment writes, and re-embedded from it at start.
    const { result, template } = await reembedStoredChip(model, enrolled.wideChip!, 220);
    expect(result).toEqual({ reembedded: 1, refused: [] });
    expect(dot(template, enrolled.embedding)).toBeGreaterThan(0.97); // the JPEG costs a little
  });

  it('frees the tensors of each frame', { timeout: 60_000 }, async () => {
    await face('Amy/1.jpg');
    const before = model.tensorCount();
    await face('Amy/2.jpg');
    expect(model.tensorCount()).toBe(before);
  });
});
