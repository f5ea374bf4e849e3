// The exposure mend on the server's own path (vision/exposure.ts): a washed-out or very dark face is embedded from a
// mended chip, which brings it back towards the same person's well-lit photo; `npm run eval -- --gates` measures the
// rule on whole photos mended the same way, so the server's chip-level mend must agree with that.
import fs from 'node:fs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFaceAnalyzer, type ModelAnalyzer } from '../../src/server/vision/analyzer.js';
import { exposureGamma, toneCurve } from '../../src/server/vision/exposure.js';
import { measureChip } from '../../src/server/vision/quality.js';
import { CHIP_SIZE } from '../../src/server/vision/embedder.js';
import { FUSED_MODEL_ID } from '../../src/server/vision/fused-embedder.js';
import { resolveModel } from '../../src/server/vision/models.js';
import { testConfig } from '../helpers/server.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);
const photo = (rel: string) => fs.readFileSync(`tests/fixtures/faces/${rel}`);

/** v -> 255 - (255 - v) p: a veil of light, the gates evaluation's "washed" axis. */
const washed = (img: Buffer, p: number) =>
  sharp(img)
    .linear(p, 255 * (1 - p))
    .jpeg({ quality: 95 })
    .toBuffer();
const darkened = (img: Buffer, gain: number) => sharp(img).linear(gain, 0).jpeg({ quality: 95 }).toBuffer();

/** The photo through the tone curve that brings `brightness` to 128 (what the evaluation does to a whole photo). */
async function mendedPhoto(img: Buffer, brightness: number) {
  const { data, info } = await sharp(img).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const lut = toneCurve(exposureGamma(brightness));
  for (let i = 0; i < data.length; i++) data[i] = lut[data[i]!]!;
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();
}

describe('exposure mend before embedding', () => {
  let server: ModelAnalyzer;
  let asCaptured: ModelAnalyzer;
  beforeAll(async () => {
    const model = resolveModel(FUSED_MODEL_ID);
    server = await createFaceAnalyzer(testConfig(), () => {}, { model });
    asCaptured = await createFaceAnalyzer(testConfig(), () => {}, { model, exposureMend: false });
  }, 180_000);

  async function face(a: ModelAnalyzer, img: Buffer) {
    const r = await a.embedAll(img, 4096 * 4096);
    if (!r.ok || !r.faces[0]) throw new Error('no face');
    return r.faces[0];
  }

  it.each([
    ['washed out (brightness ~225, nothing clipped)', (img: Buffer) => washed(img, 0.25)],
    ['very dark (brightness ~15)', (img: Buffer) => darkened(img, 0.1)],
  ])('%s: the mended embedding is closer to the well-lit photo, and agrees with mending the whole photo', { timeout: 180_000 }, async (_, degrade) => {
    const reference = await face(asCaptured, photo('Barack_Obama/2.jpg'));
    const bad = await degrade(photo('Barack_Obama/1.jpg'));
    const raw = await face(asCaptured, bad);
    const q = measureChip(Uint8Array.from(raw.chip), CHIP_SIZE);
    const mended = await face(server, bad);
    // The stored chip is the face as captured: the gates and the People page see what the camera saw.
    expect(Buffer.from(mended.chip).equals(Buffer.from(raw.chip))).toBe(true);
    expect(dot(mended.embedding, raw.embedding)).toBeLessThan(0.999); // it was mended at all
    expect(dot(mended.embedding, reference.embedding)).toBeGreaterThan(dot(raw.embedding, reference.embedding));
    const wholePhoto = await face(asCaptured, await mendedPhoto(bad, q.brightness));
    expect(dot(mended.embedding, wholePhoto.embedding)).toBeGreaterThan(0.97);
  });

  it('leaves an ordinary photo exactly as it was', { timeout: 120_000 }, async () => {
    const img = photo('Joe_Biden/1.jpg');
    const [a, b] = [await face(server, img), await face(asCaptured, img)];
    expect(dot(a.embedding, b.embedding)).toBeCloseTo(1, 6);
  });
});
