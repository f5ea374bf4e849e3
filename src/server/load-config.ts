// The server's settings from the environment, completed with the embedding model's own: the model is resolved here,
// in the composition root, so config.ts stays a plain schema and nothing below the root reads model files to start.
import { parseEnv, type ConfigResult } from './config.js';
import { resolveModel } from './vision/models.js';

export type { Config, ConfigResult } from './config.js';

/** Every bad value is reported at once; an unknown EMBEDDING_MODEL is reported with the others. */
export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  const parsed = parseEnv(env);
  if (!parsed.ok) return parsed;
  try {
    const model = resolveModel(parsed.config.EMBEDDING_MODEL);
    return { ok: true, config: { ...parsed.config, MATCH_THRESHOLD: parsed.config.MATCH_THRESHOLD ?? model.manifest.threshold } };
  } catch (err) {
    return { ok: false, errors: [`EMBEDDING_MODEL: ${err instanceof Error ? err.message : String(err)}`] };
  }
}
