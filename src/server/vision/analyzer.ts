// The vision facade a session talks to: decode a frame once, detect faces, and embed only the faces asked for.
// Sessions never see tensors. worker/worker-analyzer.ts offers the same interface with the models in a worker thread.
import type { RgbImage } from './align.js';
import { decodeImage, IMAGE_DECODER } from './decode.js';
import { motionSignature, unchanged } from './motion.js';
import { createDetector, type Box, type FaceDetection } from './detector.js';
import { loadOnnxFaceMesh } from './face-mesh-onnx.js';
import { createEmbedder, EMBEDDING_MODEL_ID, type FaceEmbedding, type MeshCheck } from './embedder.js';
import { createFusedEmbedder } from './fused-embedder.js';
import { loadEmbedNets } from './embed-onnx.js';
import { createNetsEmbedder, netDescription } from './nets-embedder.js';
import { boxIou, HUMAN_NMS_IOU, loadLiveDetector, type LiveDetector } from './live-detector.js';
import { loadSpoofScorer, type SpoofScore } from './minifasnet.js';
import { MODELS_DIR, resolveModel, type ModelManifest, type ResolvedModel } from './models.js';
import { loadRuntime, type Runtime } from './runtime.js';
import type { VisionSettings } from './settings.js';

export interface AnalyzedFrame {
  width: number;
  height: number;
  faces: FaceDetection[];
  timings: { decode: number; detect: number };
  /** A camera frame's picture signature (motion.ts): what the next frame's `stillSince` compares with. */
  motion?: Uint8Array;
  /** No detection ran (no faces): the picture had not changed since `AnalyzeOptions.stillSince`. */
  still?: boolean;
  /**
   * Embeds the given faces of this frame. Call before release(). `wideChips` (default: the analyze call's): return each
   * face's wide chip too, for faces that may be stored (an unknown face may become an enrolled one).
   */
  embed(indices: number[], opts?: { wideChips?: boolean }): Promise<FaceEmbedding[]>;
  /**
   * Presentation-attack scores (MiniFASNet) of the given faces of this frame, on the decoded pixels. Call before
   * release(). Rejects when the models are not loaded: a check that cannot run never passes a face.
   */
  spoof(indices: number[]): Promise<SpoofScore[]>;
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
  analyze(jpeg: Uint8Array, maxPixels: number, opts?: AnalyzeOptions): Promise<AnalyzeResult>;
  /** Analyze + embed every face: for still images (enrol from file, compare, eval). */
  embedAll(
    bytes: Uint8Array,
    maxPixels: number,
  ): Promise<{ ok: true; faces: (FaceDetection & FaceEmbedding)[]; width: number; height: number } | { ok: false; code: string; message: string }>;
  /** Live tensors, for leak checks. */
  tensorCount(): number;
}

export interface AnalyzeOptions {
  /**
   * Score every face for presentation attacks with MiniFASNet (`spoof`; default true): stills and enrolment views.
   * Live frames do not ask; AnalyzedFrame.spoof() scores the faces being named.
   */
  liveness?: boolean;
  /** Still images: when no face is found, detect again on the image padded with a grey border (default false). */
  padRetry?: boolean;
  /**
   * Run Human's face mesh on every face (default true): it gives the boxes and head pose enrolment's pose plan reads.
   * `false` (live frames that need boxes only, and no liveness): the live detector (live-detector.ts) finds the faces for
   * a few ms; boxes are mapped to the mesh's geometry and the pose is a rough keypoint estimate. embed() on such a frame
   * runs the mesh for the faces it embeds, so their crops (and embeddings) are those of the mesh path, and reports
   * what the mesh found in each result's `mesh`. Without a live detector (LIVE_DETECTOR=human, or ORT did not load), or
   * with `liveness: true`, the frame takes the mesh path.
   */
  mesh?: boolean;
  /**
   * A camera frame that may skip detection if its picture has not changed (motion.ts) since the frame of this size
   * and signature (the last detected one, which found no face): it then comes back `still`, with no faces.
   */
  stillSince?: { width: number; height: number; motion: Uint8Array };
  /**
   * Return the picture's signature (`motion`) even when faces are found: the caller may yet find that the frame shows no
   * one (the face mesh rejected every box) and compare the next frames with it. Otherwise only a frame with no face
   * pays for it (~0.25 ms).
   */
  signature?: boolean;
  /**
   * The faces embedded from this frame may be stored (enrolment views, still images): embed() also returns each face's
   * wide chip (chip-geometry.ts), the crop a gallery keeps. Live frames do not ask: it is a larger warp (~0.7 ms a face).
   */
  wideChips?: boolean;
}

function now() {
  return performance.now();
}

/** What createFaceAnalyzer returns beyond the facade sessions use: the model's own threshold and chip re-embedding. */
export interface ModelAnalyzer extends FaceAnalyzer {
  /** The model manifest's calibrated cosine threshold (MATCH_THRESHOLD overrides it when set). */
  readonly threshold: number;
  readonly manifest: ModelManifest;
  /** Re-embeds stored, already aligned RGB chips (150 px, or 220 px wide chips: chip-geometry.ts) with this model (gallery migration between models). */
  embedChips(chips: Uint8Array[]): Promise<Float32Array[]>;
}

export interface AnalyzerOptions {
  /** The embedding model (base pipeline + optional head); default: the base pipeline's manifest. */
  model?: ResolvedModel;
  /**
   * Still images only (embedAll): when no face is found, detect again on the image padded by this fraction of its
   * longer side on every edge. Tight crops (the face filling the photo) defeat BlazeFace; a border gives it context.
   */
  padRetry?: number;
  /** The exposure mend before embedding (vision/exposure.ts); default on. train/ turns it off to measure faces as captured. */
  exposureMend?: boolean;
}

export async function createFaceAnalyzer(config: VisionSettings, log: (msg: string) => void, opts: AnalyzerOptions = {}): Promise<ModelAnalyzer> {
  // The config's model when it names one, so a server, its tests and its tools default to the same model.
  const model = opts.model ?? resolveModel(config.EMBEDDING_MODEL ?? EMBEDDING_MODEL_ID);
  const padRetry = opts.padRetry ?? DEFAULT_PAD_RETRY;
  const rt: Runtime = await loadRuntime(config.TF_BACKEND, log);
  const detector = await createDetector(rt, { minConfidence: config.DETECT_MIN_CONFIDENCE, maxFaces: config.MAX_FACES });
  const { fusion, nets } = model.manifest;
  const options = { ...model.embedder, mend: opts.exposureMend ?? true };
  // The landmark net, ResNet and MobileFaceNet on onnxruntime-node when it loads them, else on TF.js (with the reason).
  const uses = nets ? nets.map((p) => p.net) : ['resnet', ...(fusion ? ['mobilefacenet'] : [])];
  const onnx = await loadEmbedNets(
    config.EMBED_RUNTIME ?? 'auto',
    MODELS_DIR,
    (['landmarks', 'resnet', 'mobilefacenet', 'resnet-int8'] as const).filter((n) => n === 'landmarks' || uses.includes(n)),
  );
  if (!onnx.nets && config.EMBED_RUNTIME !== 'tfjs') log(`embedding networks on ${onnx.note}`);
  const embedder = nets
    ? await createNetsEmbedder(rt, options, nets, model.manifest.id, MODELS_DIR, onnx.nets)
    : fusion
      ? await createFusedEmbedder(rt, options, fusion, model.manifest.id, MODELS_DIR, onnx.nets)
      : await createEmbedder(rt, options, onnx.nets);
  const runtime = onnx.nets ? `onnx (${onnx.nets.runtime})` : onnx.note;
  const live = await loadLiveDetector(config.LIVE_DETECTOR ?? 'auto', {
    minConfidence: config.DETECT_MIN_CONFIDENCE,
    floor: config.LIVE_DETECT_FLOOR ?? config.DETECT_MIN_CONFIDENCE,
    maxFaces: config.MAX_FACES,
    modelsDir: MODELS_DIR,
  });
  if (!live.detector && config.LIVE_DETECTOR !== 'human') log(`${live.note}: live frames run the face mesh`);
  // The mesh for the faces live frames embed: on onnxruntime when it loads, else Human's TF.js model (with the reason).
  const onnxMesh = live.detector ? await loadOnnxFaceMesh(MODELS_DIR) : null;
  if (onnxMesh && !onnxMesh.mesh) log(`${onnxMesh.note}: live faces run the TF.js face mesh`);
  // Tentative faces need the mesh run on their own box to be confirmed; Human's whole detect (the fallback in
  // meshChecks) keeps only faces above DETECT_MIN_CONFIDENCE, so it would reject them all, at a whole detect each.
  const meshOnBox = Boolean(onnxMesh?.mesh || detector.meshAt);
  const spoofing = await loadSpoofScorer(MODELS_DIR);
  if (!spoofing.scorer) log(spoofing.note);
  const spoofOn = (image: RgbImage, boxes: Box[]): Promise<SpoofScore[]> =>
    spoofing.scorer ? spoofing.scorer.score(image, boxes) : Promise.reject(new Error(spoofing.note));
  const { tf } = rt;

  /**
   * The frame as the [height, width, 3] tensor Human, the face mesh and TF.js landmarks read: float32 values 0..255,
   * which each of them casts an int32 frame to anyway. Built from a Float32Array because TF.js converts a Uint8Array
   * into an int32 tensor element by element: 7.5-9.6 ms of CPU for a 640x480 frame against ~1 ms, measured here.
   */
  function frameTensor(image: RgbImage) {
    return tf.tensor3d(new Float32Array(image.data), [image.height, image.width, 3], 'float32');
  }

  /** One detection pass; with `pad`, on the image inside a grey border (boxes then refer to the padded image). */
  async function detectOn(image: RgbImage) {
    const tensor = frameTensor(image);
    try {
      return { tensor, faces: await detector.detect(tensor) };
    } catch (err) {
      tensor.dispose();
      throw err;
    }
  }

  async function analyze(bytes: Uint8Array, maxPixels: number, opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
    const liveness = opts.liveness ?? true;
    const t0 = now();
    // padRetry marks a still (embedAll): sharp's pixels, which the accuracy figures were measured on (decode.ts).
    const decoded = await decodeImage(bytes, maxPixels, { cameraFrame: !opts.padRetry });
    if (!decoded.ok) return decoded;
    const t1 = now();
    // The picture's signature (motion.ts) is read only where it is used: to compare with `stillSince`, and on a camera
    // frame that found no face (the next frame's reference); a frame with faces never pays for it.
    const since = opts.padRetry ? undefined : opts.stillSince;
    const compared = since && since.width === decoded.image.width && since.height === decoded.image.height ? motionSignature(decoded.image) : undefined;
    if (compared && unchanged(since!.motion, compared)) return { ok: true, frame: stillFrame(decoded.image, compared, t1 - t0) };
    const signature = (found: FaceDetection[]) =>
      compared ?? (!opts.padRetry && (found.length === 0 || opts.signature) ? motionSignature(decoded.image) : undefined);
    if (opts.mesh === false && !liveness && live.detector) {
      const frame = await liveFrame(live.detector, decoded.image, t1 - t0, opts.wideChips ?? false);
      return { ok: true, frame: { ...frame, motion: signature(frame.faces) } };
    }
    let image = decoded.image;
    let { tensor, faces } = await detectOn(image);
    let pad = 0;
    let embedImage = image;
    if (faces.length === 0 && opts.padRetry && padRetry > 0) {
      tensor.dispose();
      image = padImage(decoded.image, padRetry);
      pad = (image.width - decoded.image.width) / 2;
      ({ tensor, faces } = await detectOn(image));
      // The grey border is for the detector: the embedding's crops have what lies outside the photo black (warpToChip).
      embedImage = padImage(decoded.image, padRetry, 0);
    }
    // Frames analysed for liveness (enrolment views, stills) carry every face's presentation-attack score.
    if (liveness && faces.length > 0) {
      const scores = spoofing.scorer
        ? await spoofing.scorer
            .score(
              image,
              faces.map((f) => f.box),
            )
            .catch(() => null)
        : null;
      faces = faces.map((f, i) => ({ ...f, spoof: scores?.[i]?.real ?? null }));
    }
    const t2 = now();
    let released = false;
    return {
      ok: true,
      frame: {
        width: decoded.image.width,
        height: decoded.image.height,
        // Callers always see boxes in the decoded image's coordinates; embedding works on the (maybe padded) image.
        faces: pad > 0 ? faces.map((f) => ({ ...f, box: { ...f.box, x: f.box.x - pad, y: f.box.y - pad } })) : faces,
        timings: { decode: t1 - t0, detect: t2 - t1 },
        motion: signature(faces),
        embed: (indices, eo) => {
          if (released) throw new Error('frame already released');
          const boxes: Box[] = indices.map((i) => faces[i]!.box);
          return embedder
            .embed(embedImage, tensor, boxes, { wideChips: eo?.wideChips ?? opts.wideChips ?? false })
            .then((es) => es.map((e) => ({ ...e, embedding: model.project(e.embedding) })));
        },
        spoof: (indices) => {
          if (released) throw new Error('frame already released');
          return spoofOn(
            image,
            indices.map((i) => faces[i]!.box),
          );
        },
        release: () => {
          if (!released) tensor.dispose();
          released = true;
        },
      },
    };
  }

  /**
   * The mesh path's box and pose for live-detected faces about to be embedded: Human's mesh on their BlazeFace boxes
   * (face-mesh-onnx.ts on onnxruntime, else face-mesh.ts on TF.js), else Human's whole detect matched by overlap.
   * Returns the frame's tensor for the embedder, or null when nothing needs one: the mesh and the landmark net both on
   * onnxruntime read the decoded pixels, and building the tensor would cost ~1 ms and 3.7 MB a 640x480 frame for nothing.
   */
  async function meshChecks(
    image: RgbImage,
    faces: FaceDetection[],
    frameFaces: FaceDetection[],
  ): Promise<{ tensor: { dispose(): void } | null; checks: MeshCheck[] }> {
    const boxes = faces.map((f) => f.detectorBox);
    const meshOnnx = onnxMesh?.mesh;
    if ((meshOnnx || detector.meshAt) && boxes.every((b) => b !== undefined)) {
      // Human keeps one face where detector boxes overlap (non-maximum suppression at IoU 0.1); the live detector
      // suppresses only at 0.3, and the mesh of a box over half a face still finds that face. Such a box is what the
      // mesh path would not have found: not confirmed.
      const suppressed = faces.map((f) =>
        frameFaces.some((g) => g !== f && g.score > f.score && g.detectorBox !== undefined && boxIou(g.detectorBox, f.detectorBox!) > HUMAN_NMS_IOU),
      );
      const scores = faces.map((f) => f.score);
      const tensor = meshOnnx && onnx.nets ? null : frameTensor(image);
      try {
        const meshed = meshOnnx
          ? await meshOnnx.meshAt(image, boxes as Box[], scores, config.DETECT_MIN_CONFIDENCE)
          : await detector.meshAt!(tensor, boxes as Box[], scores);
        const checks = faces.map((f, k): MeshCheck => {
          const m = meshed[k];
          return m && !suppressed[k] ? { confirmed: true, box: m.box, pose: m.pose } : { confirmed: false, box: f.box, pose: f.pose };
        });
        return { tensor, checks };
      } catch (err) {
        tensor?.dispose();
        throw err;
      }
    }
    const { tensor, faces: meshed } = await detectOn(image);
    return { tensor, checks: faces.map((f) => meshCheck(f, meshed)) };
  }

  /** A camera frame whose picture had not changed: no detection ran, so it has no faces to embed or score. */
  function stillFrame(image: RgbImage, motion: Uint8Array, decodeMs: number): AnalyzedFrame {
    return {
      width: image.width,
      height: image.height,
      faces: [],
      timings: { decode: decodeMs, detect: 0 },
      motion,
      still: true,
      embed: async (indices) => (indices.length === 0 ? [] : Promise.reject(new Error('a still frame has no faces'))),
      spoof: async (indices) => (indices.length === 0 ? [] : Promise.reject(new Error('a still frame has no faces'))),
      release: () => {},
    };
  }

  /** A frame analysed by the live detector: no tensor until embed() needs one; embed() runs the mesh for its faces. */
  async function liveFrame(detector: LiveDetector, image: RgbImage, decodeMs: number, wideChips: boolean): Promise<AnalyzedFrame> {
    const t = now();
    const faces = (await detector.detect(image)).filter((f) => meshOnBox || !f.tentative);
    const detectMs = now() - t;
    let released = false;
    return {
      width: image.width,
      height: image.height,
      faces,
      timings: { decode: decodeMs, detect: detectMs },
      embed: async (indices, eo) => {
        if (released) throw new Error('frame already released');
        if (indices.length === 0) return [];
        const { tensor, checks } = await meshChecks(
          image,
          indices.map((i) => faces[i]!),
          faces,
        );
        try {
          // A box the mesh found no face in is not embedded: the caller drops it (a false or tentative detection), and
          // its embedding would cost as much as a face's.
          const confirmed = checks.flatMap((c, k) => (c.confirmed ? [k] : []));
          const es =
            confirmed.length === 0
              ? []
              : await embedder.embed(
                  image,
                  tensor,
                  confirmed.map((k) => checks[k]!.box),
                  { wideChips: eo?.wideChips ?? wideChips },
                );
          const out: FaceEmbedding[] = checks.map((mesh) => ({ embedding: new Float32Array(0), chip: new Uint8Array(0), landmarks: [], mesh }));
          confirmed.forEach((k, j) => (out[k] = { ...es[j]!, embedding: model.project(es[j]!.embedding), mesh: checks[k]! }));
          return out;
        } finally {
          tensor?.dispose();
        }
      },
      spoof: (indices) => {
        if (released) throw new Error('frame already released');
        return spoofOn(
          image,
          indices.map((i) => faces[i]!.box),
        );
      },
      release: () => {
        released = true;
      },
    };
  }

  const analyzer: ModelAnalyzer = {
    backend: rt.backend,
    tfVersion: rt.tfVersion,
    modelId: model.manifest.id,
    dims: model.manifest.dims,
    threshold: model.manifest.threshold,
    manifest: model.manifest,
    embedChips: async (chips) => (await embedder.embedChips(chips)).map((e) => model.project(e)),
    models: [
      'human:blazeface',
      'human:facemesh',
      ...(onnxMesh?.mesh ? [`live faces: ${onnxMesh.mesh.description}`] : []),
      `face-api:face_landmark_68, ${runtime}`,
      ...(nets
        ? nets.map((p) => netDescription(p.net, onnx.nets))
        : [netDescription('resnet', onnx.nets), ...(fusion ? [netDescription('mobilefacenet', onnx.nets)] : [])]),
      live.note,
      spoofing.note,
      IMAGE_DECODER,
    ],
    analyze,
    async embedAll(bytes, maxPixels) {
      const result = await analyze(bytes, maxPixels, { padRetry: true, wideChips: true });
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

/** The mesh face overlapping a live detection at least this much (IoU) is taken to be the same face. */
const MESH_MATCH_IOU = 0.3;

/** The mesh's box and pose for a live detection, or the detection's own when the mesh found no face there. */
export function meshCheck(face: FaceDetection, meshed: FaceDetection[]): MeshCheck {
  let best: FaceDetection | null = null,
    bestIou = MESH_MATCH_IOU;
  for (const m of meshed) {
    const o = boxIou(face.box, m.box);
    if (o >= bestIou) [best, bestIou] = [m, o];
  }
  return best ? { confirmed: true, box: best.box, pose: best.pose } : { confirmed: false, box: face.box, pose: face.pose };
}

/** Pad used by embedAll's retry; measured on ../shared/faces (docs/accuracy.md). */
export const DEFAULT_PAD_RETRY = 0.25;

/**
 * The image with a border of `frac` x its longer side on each edge, of one grey `level` (boxes and chips then refer to
 * the padded image). Detection runs on mid-grey, embedding on black (see warpToChip).
 */
export function padImage(image: RgbImage, frac: number, level = 128): RgbImage {
  const p = Math.round(Math.max(image.width, image.height) * frac);
  const width = image.width + 2 * p,
    height = image.height + 2 * p;
  const data = new Uint8Array(width * height * 3).fill(level);
  for (let y = 0; y < image.height; y++) data.set(image.data.subarray(y * image.width * 3, (y + 1) * image.width * 3), ((y + p) * width + p) * 3);
  return { data, width, height };
}

/** Runs the whole pipeline a few times on a synthetic frame so that kernels are compiled before the first client frame. */
export async function warmUp(analyzer: FaceAnalyzer, sampleJpeg: Uint8Array, rounds = 2): Promise<number> {
  const t0 = now();
  for (let i = 0; i < rounds; i++) await analyzer.embedAll(sampleJpeg, 4096 * 4096);
  return now() - t0;
}
