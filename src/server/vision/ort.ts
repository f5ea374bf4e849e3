// onnxruntime-node, loaded once where it is installed and loads (an optional dependency), and the session options every
// model here runs with.
import { createRequire } from 'node:module';
import type { OrtModule } from './blazeface-onnx.js';

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
 * the server's cores are shared with the other inference threads.
 */
export const ORT_SESSION_OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'extended',
  executionMode: 'sequential',
  logSeverityLevel: 3,
} as const;
