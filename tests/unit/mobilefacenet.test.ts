// MobileFaceNet on TF.js (tflite.ts + tflite-graph.ts) against Google's TFLite runtime on the same crops.
// tests/fixtures/mobilefacenet/reference.json was written once by scripts/mobilefacenet-reference.cjs, which runs
// models/mobilefacenet/MobileFaceNet.tflite in @tensorflow/tfjs-tflite 0.0.1-alpha.10 (WASM, XNNPACK) on the fixture
// crops there (ArcFace-aligned with scripts/make-mobilefacenet-fixtures.ts), as a batch of [crop, mirror].
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { mirrorChip } from '../../src/server/vision/embedder.js';
import { createMobileFaceNet, MOBILEFACENET_SHA256, readMobileFaceNetWeights, type MobileFaceNet } from '../../src/server/vision/mobilefacenet.js';
import { MODELS_DIR } from '../../src/server/vision/models.js';
import { loadRuntime } from '../../src/server/vision/runtime.js';
import { parseTflite, TfliteFormatError } from '../../src/server/vision/tflite.js';

const DIR = 'tests/fixtures/mobilefacenet';
const reference = JSON.parse(fs.readFileSync(path.join(DIR, 'reference.json'), 'utf8')) as { crops: Record<string, { crop: number[]; mirror: number[] }> };
const names = Object.keys(reference.crops);

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

async function crop(name: string): Promise<Uint8Array> {
  const { data } = await sharp(path.join(DIR, name)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

describe('MobileFaceNet on TF.js', () => {
  let net: MobileFaceNet;
  let tf: any;
  beforeAll(async () => {
    const rt = await loadRuntime('wasm', () => {});
    tf = rt.tf;
    net = createMobileFaceNet(tf, readMobileFaceNetWeights(MODELS_DIR));
  }, 120_000);

  it('reads the upstream file: 230 operators of the 8 expected types, one 2x112x112x3 input, a 2x192 output', () => {
    const g = parseTflite(new Uint8Array(fs.readFileSync(path.join(MODELS_DIR, 'mobilefacenet/MobileFaceNet.tflite'))));
    expect(g.operators).toHaveLength(230);
    expect(new Set(g.operators.map((o) => o.op))).toEqual(new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'RELU', 'ABS', 'SUB', 'MUL', 'ADD', 'RESHAPE']));
    expect(g.tensors[g.inputs[0]!]!.shape).toEqual([2, 112, 112, 3]);
    expect(g.tensors[g.outputs[0]!]!.shape).toEqual([2, 192]);
    // Every RELU/ABS/SUB/MUL/ADD group of the file is a PReLU and runs as one op.
    expect(net.prelus).toBe(g.operators.filter((o) => o.op === 'ABS').length);
  });

  it('matches the tflite runtime on every fixture crop and its mirror (cosine >= 0.999), in a batch of any size', async () => {
    expect(names.length).toBeGreaterThanOrEqual(5);
    const crops = await Promise.all(names.map(crop));
    // All crops and mirrors in one batch of 10: the file's batch of 2 does not bind the TF.js graph.
    const outs = await net.raw(crops.flatMap((c) => [c, mirrorChip(c, 112)]));
    names.forEach((n, i) => {
      expect(cosine(outs[2 * i]!, reference.crops[n]!.crop), n).toBeGreaterThanOrEqual(0.999);
      expect(cosine(outs[2 * i + 1]!, reference.crops[n]!.mirror), `${n} mirror`).toBeGreaterThanOrEqual(0.999);
      const maxAbs = Math.max(...outs[2 * i]!.map((x, k) => Math.abs(x - reference.crops[n]!.crop[k]!)));
      expect(maxAbs, n).toBeLessThan(1e-3);
    });
    // Different people stay apart: the output depends on the face, not only on the weights.
    const e = await net.embed(crops, false);
    expect(cosine(e[0]!, e[1]!)).toBeLessThan(0.999);
  }, 60_000);

  it('frees every tensor it creates (weights excepted)', async () => {
    const c = await crop(names[0]!);
    await net.embed([c], true);
    const before = tf.memory().numTensors;
    await net.embed([c, c], true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a wrong crop size and a file that is not the pinned weights', async () => {
    await expect(net.raw([new Uint8Array(10)])).rejects.toThrow(/112x112 RGB crops/);
    expect(() => parseTflite(new Uint8Array(64))).toThrow(TfliteFormatError);
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'mfn-'));
    fs.mkdirSync(path.join(dir, 'mobilefacenet'));
    fs.writeFileSync(path.join(dir, 'mobilefacenet/MobileFaceNet.tflite'), 'not the model');
    expect(() => readMobileFaceNetWeights(dir)).toThrow(new RegExp(`expected ${MOBILEFACENET_SHA256}`));
  });
});
