// The embedding's TF.js networks as ONNX on onnxruntime-node: face-api's ResNet (dlib) and 68-landmark net, and
// MobileFaceNet, converted from the same weights by train/export-embedding-onnx.py (models/faceapi/SOURCE.md,
// models/mobilefacenet/SOURCE.md). One session per network, one session.run per batch: every face of a frame and its
// mirror together. Falls back to TF.js (with the reason, for /health) where ORT cannot load, unless told not to.
import path from 'node:path';
import { loadOrt, ORT_SESSION_OPTIONS, readVerifiedModel, type OrtModule } from './ort.js';
import type { EmbedRuntimeChoice } from './settings.js';

/** The files under models/ and their sha256: another file would silently change every embedding under the same model id. */
export const EMBED_ONNX_FILES = {
  resnet: { file: 'faceapi/face_recognition_resnet34.onnx', sha256: '6ade409242d9dbdb0bf4a4a98feadadd01c8c4156e7d2dc241711316b7f8a694' },
  landmarks: { file: 'faceapi/face_landmark_68.onnx', sha256: 'cf2337f43508375ea3f5e8188712b44377fca77e2e82c3db4ff42f20f189693a' },
  mobilefacenet: { file: 'mobilefacenet/MobileFaceNet.onnx', sha256: '4610525107ed526c9728916bb24216bd82bf59ff74139d04800f957b87a1d1d3' },
  // The ResNet quantised to int8 by train/quantize-int8.py (models/faceapi/SOURCE.md): not the same embeddings, so
  // only models that name the network `resnet-int8` run it.
  'resnet-int8': { file: 'faceapi/face_recognition_resnet34.int8.onnx', sha256: 'bfcf92f760bd79c5643aacfd5ae63855524d2435cd153621a282e2832d61541d' },
} as const;
export type EmbedOnnxNet = keyof typeof EMBED_ONNX_FILES;

/** Input side of each network (square, RGB, NHWC). */
export const ONNX_INPUT_SIZE: Record<EmbedOnnxNet, number> = { resnet: 150, landmarks: 112, mobilefacenet: 112, 'resnet-int8': 150 };

export interface OrtNet {
  /** Raw outputs of a batch of n inputs, each `dims` long. */
  run(input: Uint8Array | Float32Array, n: number): Promise<Float32Array[]>;
}

export interface EmbedNets {
  resnet: OrtNet;
  landmarks: OrtNet;
  mobilefacenet: OrtNet;
  'resnet-int8': OrtNet;
  /** For /health: the runtime these run on. */
  runtime: string;
}

async function loadNet(ort: OrtModule, net: EmbedOnnxNet, modelsDir: string): Promise<OrtNet> {
  const { file: rel, sha256 } = EMBED_ONNX_FILES[net];
  const file = path.join(modelsDir, rel);
  const bytes = readVerifiedModel(file, sha256, { missing: 'train/export-embedding-onnx.py makes it' });
  const session = await ort.InferenceSession.create(bytes, ORT_SESSION_OPTIONS);
  const inputName: string = session.inputNames[0];
  const outputName: string = session.outputNames[0];
  const side = ONNX_INPUT_SIZE[net];
  const perInput = side * side * 3;
  return {
    async run(input, n) {
      if (n === 0) return [];
      if (input.length !== n * perInput) throw new Error(`${net}: ${n} inputs of ${side}x${side}x3 expected, got ${input.length} values`);
      const type = input instanceof Uint8Array ? 'uint8' : 'float32';
      const out = await session.run({ [inputName]: new ort.Tensor(type, input, [n, side, side, 3]) });
      const flat = out[outputName].data as Float32Array;
      const dims = flat.length / n;
      return Array.from({ length: n }, (_, i) => flat.slice(i * dims, (i + 1) * dims));
    },
  };
}

/** A network the model does not use: asking it is a bug, said as such. */
async function notLoaded(net: EmbedOnnxNet): Promise<OrtNet> {
  return {
    run: () => Promise.reject(new Error(`the ONNX ${net} network was not loaded: this model does not use it`)),
  };
}

/** Packed RGB images of one size into one NHWC uint8 batch. */
export function packBatch(images: Uint8Array[], side: number): Uint8Array {
  const per = side * side * 3;
  const out = new Uint8Array(images.length * per);
  images.forEach((img, i) => {
    if (img.length !== per) throw new Error(`expected ${side}x${side} RGB images (${per} bytes), got ${img.length} bytes`);
    out.set(img, i * per);
  });
  return out;
}

/**
 * `auto`: the ONNX networks when onnxruntime-node loads them, else null with the reason (the TF.js path runs);
 * `onnx`: throws instead of falling back; `tfjs`: null.
 */
export async function loadEmbedNets(
  choice: EmbedRuntimeChoice,
  modelsDir: string,
  needed: readonly EmbedOnnxNet[] = ['landmarks', 'resnet', 'mobilefacenet'],
): Promise<{ nets: EmbedNets | null; note: string }> {
  if (choice === 'tfjs') return { nets: null, note: 'tfjs (EMBED_RUNTIME=tfjs)' };
  const loaded = loadOrt();
  let failure: string;
  if ('ort' in loaded) {
    try {
      // Only the networks the model uses get a session (each holds its weights; the ResNet's takes ~1 s to build).
      const [resnet, landmarks, mobilefacenet, resnetInt8] = await Promise.all(
        (['resnet', 'landmarks', 'mobilefacenet', 'resnet-int8'] as const).map((n) => (needed.includes(n) ? loadNet(loaded.ort, n, modelsDir) : notLoaded(n))),
      );
      const runtime = `onnxruntime-node ${loaded.version}, 1 thread`;
      return { nets: { resnet: resnet!, landmarks: landmarks!, mobilefacenet: mobilefacenet!, 'resnet-int8': resnetInt8!, runtime }, note: runtime };
    } catch (err) {
      failure = `the embedding's ONNX files did not load: ${err instanceof Error ? err.message : String(err)}`;
    }
  } else failure = loaded.error;
  if (choice === 'onnx') throw new Error(`EMBED_RUNTIME=onnx but ${failure}`);
  return { nets: null, note: `tfjs (${failure})` };
}
