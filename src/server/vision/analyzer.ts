// The vision facade a session talks to: decode a frame once, detect faces, and embed only the faces asked for.
// Sessions never see tensors. This is the seam where inference can later move into worker threads.
import type { Config } from '../config.js';
import type { RgbImage } from './align.js';
import { decodeImage } from './decode.js';
import { createDetector, type Box, type FaceDetection } from './detector.js';
import { createEmbedder, type FaceEmbedding } from './embedder.js';
import { loadRuntime, type Runtime } from './runtime.js';

export interface AnalyzedFrame {
  width: number;
  height: number;
  faces: FaceDetection[];
  image: RgbImage;
  timings: { decode: number; detect: number };
  /** Embeds the given faces of this frame. Call before release(). */
  embed(indices: number[]): Promise<FaceEmbedding[]>;
  /** Frees the frame's tensor. */
  release(): void;
}

export type AnalyzeResult = { ok: true; frame: AnalyzedFrame } | { ok: false; code: 'bad_image' | 'frame_too_large'; message: string };

export interface FaceAnalyzer {
  readonly backend: string;
  readonly tfVersion: string;
  readonly modelId: string;
  readonly dims: number;
  readonly models: string[];
  /** `maxPixels` is the caller's limit on the decoded size (each server or request may set its own). */
  analyze(jpeg: Uint8Array, maxPixels: number): Promise<AnalyzeResult>;
  /** Analyze + embed every face: for still images (enrol from file, compare, eval). */
  embedAll(bytes: Uint8Array, maxPixels: number): Promise<{ ok: true; faces: (FaceDetection & FaceEmbedding)[]; width: number; height: number } | { ok: false; code: string; message: string }>;
  /** Live tensors, for leak checks. */
  tensorCount(): number;
}

function now() {
  return performance.now();
}

export async function createFaceAnalyzer(
  config: Pick<Config, 'TF_BACKEND' | 'DETECT_MIN_CONFIDENCE' | 'MAX_FACES'>,
  log: (msg: string) => void,
): Promise<FaceAnalyzer> {
  const rt: Runtime = await loadRuntime(config.TF_BACKEND, log);
  const detector = await createDetector(rt, { minConfidence: config.DETECT_MIN_CONFIDENCE, maxFaces: config.MAX_FACES });
  const embedder = await createEmbedder(rt);
  const { tf } = rt;

  async function analyze(bytes: Uint8Array, maxPixels: number): Promise<AnalyzeResult> {
    const t0 = now();
    const decoded = await decodeImage(bytes, maxPixels);
    if (!decoded.ok) return decoded;
    const { image } = decoded;
    const t1 = now();
    const tensor = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    let faces: FaceDetection[];
    try {
      faces = await detector.detect(tensor);
    } catch (err) {
      tensor.dispose();
      throw err;
    }
    const t2 = now();
    let released = false;
    return {
      ok: true,
      frame: {
        width: image.width,
        height: image.height,
        faces,
        image,
        timings: { decode: t1 - t0, detect: t2 - t1 },
        embed: (indices) => {
          if (released) throw new Error('frame already released');
          const boxes: Box[] = indices.map((i) => faces[i]!.box);
          return embedder.embed(image, tensor, boxes);
        },
        release: () => {
          if (!released) tensor.dispose();
          released = true;
        },
      },
    };
  }

  const analyzer: FaceAnalyzer = {
    backend: rt.backend,
    tfVersion: rt.tfVersion,
    modelId: embedder.modelId,
    dims: embedder.dims,
    models: ['human:blazeface', 'human:facemesh', 'face-api:face_landmark_68', 'face-api:face_recognition (dlib ResNet-34)'],
    analyze,
    async embedAll(bytes, maxPixels) {
      const result = await analyze(bytes, maxPixels);
      if (!result.ok) return result;
      const { frame } = result;
      try {
        const embeddings = await frame.embed(frame.faces.map((_, i) => i));
        return { ok: true, width: frame.width, height: frame.height, faces: frame.faces.map((f, i) => ({ ...f, ...embeddings[i]! })) };
      } finally {
        frame.release();
      }
    },
    tensorCount: () => tf.memory().numTensors,
  };
  return analyzer;
}

/** Runs the whole pipeline a few times on a synthetic frame so that kernels are compiled before the first client frame. */
export async function warmUp(analyzer: FaceAnalyzer, sampleJpeg: Uint8Array, rounds = 2): Promise<number> {
  const t0 = now();
  for (let i = 0; i < rounds; i++) await analyzer.embedAll(sampleJpeg, 4096 * 4096);
  return now() - t0;
}
