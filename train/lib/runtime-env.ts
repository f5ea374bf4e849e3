// EMBED_RUNTIME from the environment for the tools' analyzers (eval, align, bench), so one command measures either
// runtime: `EMBED_RUNTIME=tfjs npm run eval -- --heldout ...` against the default (onnxruntime-node when it loads).
export function embedRuntimeEnv(): { EMBED_RUNTIME?: string } {
  const v = process.env.EMBED_RUNTIME;
  return v ? { EMBED_RUNTIME: v } : {};
}
