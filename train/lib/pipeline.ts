// Embedding pipelines for the CLIs, chosen by model id: a model in models/, any base variant id, or Human's faceres
// baseline. Each image gives its largest face's embedding, or the reason it gave none.
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../src/server/load-config.js';
import { embedRuntimeEnv } from './runtime-env.js';
import { createFaceAnalyzer } from '../../src/server/vision/analyzer.js';
import { parseVariantId, readManifest, resolveModel, type ResolvedModel } from '../../src/server/vision/models.js';
export { parseVariantId };
import { createFaceresPipeline, FACERES_ID } from './faceres.js';
import { readImageFile } from './dataset.js';
import type { ImageResult, Pipeline } from './pipeline-types.js';

export type { ImageResult, Pipeline } from './pipeline-types.js';

export interface PipelineOptions {
  /** embedAll's padded retry when no face is found (0 = off). */
  padRetry?: number;
  minConfidence?: number;
  modelsDir?: string;
  /** The server's exposure mend before embedding (default on, as the server); off to embed faces as captured. */
  exposureMend?: boolean;
}

/** A model from models/ when it has a manifest there, else a base variant built from its id. */
export function modelFor(id: string, modelsDir?: string): ResolvedModel {
  if (readManifest(id, modelsDir)) return resolveModel(id, modelsDir);
  const variant = parseVariantId(id);
  if (!variant)
    throw new Error(
      `unknown model ${JSON.stringify(id)}: not in models/ and not a base variant id (dlib-resnet128.chip150[.padP][.cropS][.refine][.flip].v1) nor ${FACERES_ID}`,
    );
  return { manifest: { id, base: id, embedder: variant, dims: 128, threshold: NaN, created: '' }, embedder: variant, project: (v) => v };
}

export async function openPipeline(id: string, opts: PipelineOptions = {}): Promise<Pipeline> {
  const parsed = parseConfig({ TF_BACKEND: 'wasm', DETECT_MIN_CONFIDENCE: String(opts.minConfidence ?? 0.5), MAX_FACES: '10', ...embedRuntimeEnv() });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  if (id === FACERES_ID) return createFaceresPipeline(parsed.config);
  const model = modelFor(id, opts.modelsDir);
  const analyzer = await createFaceAnalyzer(parsed.config, () => {}, { model, padRetry: opts.padRetry, exposureMend: opts.exposureMend });
  return {
    id,
    dims: analyzer.dims,
    threshold: Number.isFinite(model.manifest.threshold) ? model.manifest.threshold : null,
    analyzer,
    async embedFile(file) {
      const t0 = performance.now();
      const read = readImageFile(file);
      if (!read.ok) return { ...read, ms: 0 };
      const bytes = read.bytes;
      const r = await analyzer.embedAll(bytes, 8192 * 8192);
      const ms = performance.now() - t0;
      if (!r.ok) return { ok: false, reason: `${r.code}: ${r.message}`, ms };
      if (r.faces.length === 0) return { ok: false, reason: 'no face detected', ms };
      // An identity photo's subject is its largest face.
      const f = r.faces.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
      return { ok: true, embedding: Array.from(f.embedding), faces: r.faces.length, box: f.box, ms, chip: f.chip };
    },
  };
}

/** Embeds files under `root` (relative paths), once each; results cached by path, size and mtime for reruns. */
export async function embedAll(
  pipeline: Pipeline,
  root: string,
  rels: string[],
  cache: { done: Map<string, ImageResult>; append(k: string, r: ImageResult): void } | null,
  onEach?: (rel: string, r: ImageResult) => void,
): Promise<Map<string, ImageResult>> {
  const out = new Map<string, ImageResult>();
  for (const rel of rels) {
    if (out.has(rel)) continue;
    const file = path.join(root, rel);
    let key = rel;
    try {
      const st = fs.statSync(file);
      key = `${rel}|${st.size}|${st.mtimeMs}`;
    } catch {
      // missing file: embedFile reports it
    }
    let r = cache?.done.get(key);
    if (!r) {
      r = await pipeline.embedFile(file);
      const { chip: _chip, ...stored } = r as ImageResult & { chip?: Uint8Array };
      if (r.ok || !r.reason.startsWith('unreadable')) cache?.append(key, stored as ImageResult);
    }
    out.set(rel, r);
    onEach?.(rel, r);
  }
  return out;
}
