// The server's settings from the environment, completed with the embedding model's own: the model is resolved here,
// in the composition root, so config.ts stays a plain schema and nothing below the root reads model files to start.
import { FLOAT_DEFAULT_MODEL, parseEnv, type ConfigResult } from './config.js';
import { needsOnnxRuntime, resolveModel } from './vision/models.js';
import { loadOrt } from './vision/ort.js';

export type { Config, ConfigResult } from './config.js';

/**
 * Every bad value is reported at once; an unknown EMBEDDING_MODEL is reported with the others. The default model runs
 * its ResNet in int8 on onnxruntime-node; where that cannot run (EMBED_RUNTIME=tfjs, or onnxruntime-node does not load
 * here) and EMBEDDING_MODEL is unset, the same networks in float take its place, said in `notes`. A model named
 * explicitly is never swapped: it fails at start with the reason.
 */
export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  const parsed = parseEnv(env);
  if (!parsed.ok) return parsed;
  try {
    let config = parsed.config;
    const notes: string[] = [];
    if (env.EMBEDDING_MODEL === undefined && needsOnnxRuntime(resolveModel(config.EMBEDDING_MODEL).manifest)) {
      const loaded = config.EMBED_RUNTIME === 'tfjs' ? { error: 'EMBED_RUNTIME is tfjs' } : loadOrt();
      if ('error' in loaded) {
        notes.push(
          `EMBEDDING_MODEL ${config.EMBEDDING_MODEL} needs onnxruntime-node (${loaded.error}): using ${FLOAT_DEFAULT_MODEL}, the same networks in float`,
        );
        config = { ...config, EMBEDDING_MODEL: FLOAT_DEFAULT_MODEL };
      }
    }
    const model = resolveModel(config.EMBEDDING_MODEL);
    return { ok: true, config: { ...config, MATCH_THRESHOLD: config.MATCH_THRESHOLD ?? model.manifest.threshold }, notes };
  } catch (err) {
    return { ok: false, errors: [`EMBEDDING_MODEL: ${err instanceof Error ? err.message : String(err)}`] };
  }
}
