// Messages between the server and an inference worker thread. Plain, structured-clone-able data only.
import type { AnalyzeOptions, AnalyzeResult, FaceAnalyzer } from '../analyzer.js';
import type { FaceDetection } from '../detector.js';
import type { FaceEmbedding } from '../embedder.js';
import type { VisionSettings } from '../settings.js';

/** What the worker needs to build its analyzer (the same settings createFaceAnalyzer takes). */
export interface WorkerInit extends Omit<VisionSettings, 'EMBEDDING_MODEL'> {
  modelId: string;
}

export type WorkerRequest =
  | { op: 'analyze'; bytes: Uint8Array; maxPixels: number; opts?: AnalyzeOptions }
  | { op: 'embed'; frameId: number; indices: number[]; wideChips?: boolean }
  | { op: 'spoof'; frameId: number; indices: number[] }
  | { op: 'release'; frameId: number }
  | { op: 'embedAll'; bytes: Uint8Array; maxPixels: number }
  | { op: 'embedChips'; chips: Uint8Array[] };

/** An analyzed frame as it crosses the thread boundary: its faces, and a handle for embed and release. */
export interface RemoteFrame {
  frameId: number;
  width: number;
  height: number;
  faces: FaceDetection[];
  timings: { decode: number; detect: number };
  motion?: Uint8Array;
  still?: boolean;
}

export type AnalyzeReply = { ok: true; frame: RemoteFrame } | Extract<AnalyzeResult, { ok: false }>;
export type EmbedAllReply = Awaited<ReturnType<FaceAnalyzer['embedAll']>>;

export type WorkerReply = { id: number; ok: true; value: unknown; tensors: number } | { id: number; ok: false; error: string };

/** Sent once when the models are loaded. */
export interface WorkerReady {
  ready: true;
  backend: string;
  tfVersion: string;
  modelId: string;
  dims: number;
  models: string[];
  threshold: number;
}

export type Embeddings = FaceEmbedding[];
