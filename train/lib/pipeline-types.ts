// What an embedding pipeline of the CLIs is (pipeline.ts builds them; faceres.ts is one kind), apart from how they
// are chosen, so that a kind of pipeline does not import the module that chooses among them.
import type { FaceAnalyzer } from '../../src/server/vision/analyzer.js';

export type ImageResult =
  | { ok: true; embedding: number[]; faces: number; box: { x: number; y: number; width: number; height: number }; ms: number; chip?: Uint8Array }
  | { ok: false; reason: string; ms: number };

export interface Pipeline {
  id: string;
  dims: number;
  /** Calibrated threshold from the manifest, when the model has one. */
  threshold: number | null;
  embedFile(file: string): Promise<ImageResult>;
  analyzer?: FaceAnalyzer;
}
