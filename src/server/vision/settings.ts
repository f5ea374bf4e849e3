// The settings vision/ is built from. Its own type, so vision does not depend on the server's config module: the
// composition root (server.ts, train/, bench/, scripts/) passes the values; a server Config has these fields.

export type LiveDetectorChoice = 'auto' | 'onnx' | 'human';
export type EmbedRuntimeChoice = 'auto' | 'onnx' | 'tfjs';

export interface VisionSettings {
  /** tfjs backend: tfjs-node when installed (`auto`), or WASM. */
  TF_BACKEND: 'auto' | 'tensorflow' | 'wasm';
  /** Detector confidence below which a face is ignored. */
  DETECT_MIN_CONFIDENCE: number;
  /** Faces detected per frame at most. */
  MAX_FACES: number;
  /**
   * The live detector also reports faces it scores from this up to DETECT_MIN_CONFIDENCE, marked `tentative`: a small
   * face beside a larger one can score 0.3-0.5. Absent or not below DETECT_MIN_CONFIDENCE: no tentative faces.
   */
  LIVE_DETECT_FLOOR?: number;
  /** Embedding model id (a folder of models/); default the base pipeline. */
  EMBEDDING_MODEL?: string;
  /**
   * Detector for frames analysed with `mesh: false` (live frames that need boxes only): `onnx` = BlazeFace on
   * onnxruntime-node (fails at start when it cannot load), `human` = Human's mesh path as for every other frame,
   * `auto` (default) = onnx when onnxruntime-node loads, else human (the reason is in /health's model list).
   */
  LIVE_DETECTOR?: LiveDetectorChoice;
  /**
   * Where the embedding's landmark net, ResNet and MobileFaceNet run: `onnx` = onnxruntime-node (fails at start when
   * it cannot load), `tfjs` = TF.js, `auto` (default) = onnx when onnxruntime-node loads them, else tfjs (the reason
   * is in /health's model list). Both give the same embeddings (tests/unit/embedding-onnx.test.ts).
   */
  EMBED_RUNTIME?: EmbedRuntimeChoice;
}
