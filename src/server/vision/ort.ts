// onnxruntime-node, loaded once where it is installed and loads (an optional dependency), and the session options every
// model here runs with.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';

/** What the models here read of onnxruntime-node (an optional dependency, loaded by loadOrt). */
/* eslint-disable @typescript-eslint/no-explicit-any -- onnxruntime-node is an optional dependency, typed loosely here */
export interface OrtModule {
  InferenceSession: { create(file: string | Uint8Array, opts: Record<string, unknown>): Promise<any> };
  Tensor: new (type: 'float32' | 'uint8', data: Float32Array | Uint8Array, dims: number[]) => any;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** onnxruntime-node when installed and loadable, else the reason it is not. */
export function loadOrt(): { ort: OrtModule; version: string } | { error: string } {
  try {
    const ort = createRequire(import.meta.url)('onnxruntime-node') as OrtModule & { env?: { versions?: { node?: string } } };
    return { ort, version: ort.env?.versions?.node ?? '?' };
  } catch (err) {
    return { error: `onnxruntime-node did not load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
}

/**
 * One intra-op thread: ORT's default (a thread per core, spinning) costs several times the CPU for the same answer, and
 * the server's cores are shared with the other inference threads. Graph optimisation 'all' (blocked NCHWc layout for
 * x86 convolutions), measured here at 1 thread against 'extended': BlazeFace 256 px 4.2 ms against 9.1 a frame, the
 * ResNet's chip + mirror 6.3 against 10.1, EdgeFace-XS crop + mirror 4.8 against 7.7, MiniFASNet 1.6 against 1.9 a face.
 */
export const ORT_SESSION_OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  logSeverityLevel: 3,
} as const;

/**
 * A model file's bytes, refused unless they are the committed file (`sha256`): another file would silently change what
 * the model answers under the same name. `label` names the file in the error (default: its path); `missing` says where
 * a missing file comes from.
 */
export function readVerifiedModel(file: string, sha256: string, opts: { label?: string; missing?: string } = {}): Uint8Array {
  const label = opts.label ?? file;
  if (!fs.existsSync(file)) throw new Error(`${label} is missing${opts.missing ? ` (${opts.missing})` : ''}`);
  const bytes = fs.readFileSync(file);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== sha256) throw new Error(`${label} has sha256 ${sha}, expected ${sha256}`);
  return bytes;
}
