// EdgeFace (Idiap; EdgeNeXt backbone, 512-d ArcFace-style embedding) on onnxruntime-node: ArcFace-aligned 112x112 RGB
// crops scaled as its trainers did ((px / 255 - 0.5) / 0.5, NCHW), each crop and its mirror in one batch, every face of
// a frame in one session.run. Weights and provenance: models/edgeface/SOURCE.md.
import path from 'node:path';
import { ARCFACE_SIZE } from './align-arcface.js';
import { mirrorChip } from './embedder.js';
import { l2 } from './mobilefacenet.js';
import { ORT_SESSION_OPTIONS, readVerifiedModel, type OrtModule } from './ort.js';

export const EDGEFACE_DIMS = 512;

/** The float ONNX exports under models/ and their sha256 (models/edgeface/SOURCE.md): another file would change every embedding. */
export const EDGEFACE_NETS = {
  'edgeface-xs': { file: 'edgeface/edgeface_xs.onnx', sha256: '9b503c1246b4c92111b85af4c8a8cb1b351ff9c9c208b0b927782153f37519d1' },
  'edgeface-xxs': { file: 'edgeface/edgeface_xxs.onnx', sha256: '09487ce407c9af6dfbed6dd43293d3d5d6c88c4e2abea3fa05db7ddefa8fb001' },
} as const;
export type EdgeFaceNet = keyof typeof EDGEFACE_NETS;

export interface EdgeFace {
  readonly net: EdgeFaceNet;
  /** Raw network output for an NCHW float batch [n, 3, 112, 112] (the reference check reads this). */
  run(input: Float32Array, n: number): Promise<Float32Array[]>;
  /** L2-normalised embeddings of packed RGB 112x112 crops; with `flip`, each crop's output is summed with its mirror's first. */
  embed(crops: Uint8Array[], flip: boolean): Promise<Float32Array[]>;
}

const PX = ARCFACE_SIZE * ARCFACE_SIZE;

/** Packed RGB (HWC, 0..255) crops into one NCHW batch in [-1, 1]. */
export function toNchw(crops: Uint8Array[]): Float32Array {
  const out = new Float32Array(crops.length * 3 * PX);
  crops.forEach((c, i) => {
    if (c.length !== 3 * PX) throw new Error(`EdgeFace takes ${ARCFACE_SIZE}x${ARCFACE_SIZE} RGB crops (${3 * PX} bytes), got ${c.length} bytes`);
    const base = i * 3 * PX;
    for (let p = 0; p < PX; p++) {
      out[base + p] = c[3 * p]! / 127.5 - 1;
      out[base + PX + p] = c[3 * p + 1]! / 127.5 - 1;
      out[base + 2 * PX + p] = c[3 * p + 2]! / 127.5 - 1;
    }
  });
  return out;
}

export async function loadEdgeFace(ort: OrtModule, net: EdgeFaceNet, modelsDir: string): Promise<EdgeFace> {
  const { file: rel, sha256 } = EDGEFACE_NETS[net];
  const file = path.join(modelsDir, rel);
  // The verified bytes themselves make the session: the file is read once.
  const bytes = readVerifiedModel(file, sha256, { missing: 'models/edgeface/SOURCE.md says where it comes from' });
  const session = await ort.InferenceSession.create(bytes, ORT_SESSION_OPTIONS);
  const inputName: string = session.inputNames[0];
  const outputName: string = session.outputNames[0];

  async function run(input: Float32Array, n: number): Promise<Float32Array[]> {
    if (n === 0) return [];
    const out = await session.run({ [inputName]: new ort.Tensor('float32', input, [n, 3, ARCFACE_SIZE, ARCFACE_SIZE]) });
    const flat = out[outputName].data as Float32Array;
    return Array.from({ length: n }, (_, i) => flat.slice(i * EDGEFACE_DIMS, (i + 1) * EDGEFACE_DIMS));
  }

  return {
    net,
    run,
    async embed(crops, flip) {
      if (crops.length === 0) return [];
      const views = flip ? crops.flatMap((c) => [c, mirrorChip(c, ARCFACE_SIZE)]) : crops;
      const outs = await run(toNchw(views), views.length);
      if (!flip) return outs.map(l2);
      return crops.map((_, i) => l2(outs[2 * i]!.map((x, k) => x + outs[2 * i + 1]![k]!)));
    },
  };
}
