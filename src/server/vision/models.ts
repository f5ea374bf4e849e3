// Embedding models by id: manifests in models/<id>/manifest.json (base pipeline or base + trained projection head),
// the head's pure-JS forward pass, and the rule for which stored faces can be re-embedded from their crops.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { WIDE_CHIP_SIZE } from './chip-geometry.js';
import { isResnet, NET_NAMES, type NetName } from './nets-embedder.js';
import { DEFAULT_EMBEDDER_OPTIONS, EMBEDDING_MODEL_ID, embedderModelId, l2normalize, type EmbedderOptions } from './embedder.js';

export const MODELS_DIR = fileURLToPath(new URL('../../../models', import.meta.url));

const EmbedderOptionsSchema = z.object({ flip: z.boolean(), chipPadding: z.number(), cropScale: z.number(), refine: z.boolean().default(false) });

const LayerSchema = z.object({
  /** out x in */
  w: z.array(z.array(z.number())),
  b: z.array(z.number()),
  activation: z.enum(['linear', 'relu']),
});
export type HeadLayer = z.infer<typeof LayerSchema>;
export const HeadSchema = z.object({ kind: z.literal('mlp'), layers: z.array(LayerSchema).min(1) });
export type HeadWeights = z.infer<typeof HeadSchema>;

const ZScoreSchema = z.object({ mean: z.number(), std: z.number().positive() });
/** Score fusion with MobileFaceNet (fused-embedder.ts): each model's cosine z-scored with these constants, then averaged. */
export const FusionSchema = z.object({ resnet: ZScoreSchema, mobilefacenet: ZScoreSchema.extend({ flip: z.boolean() }) });

/** Networks joined into one embedding (nets-embedder.ts); `embedder` then sets the landmarks and the stored chip. */
export const NetsSchema = z
  .array(z.object({ net: z.enum(NET_NAMES), flip: z.boolean(), mean: z.number().optional(), std: z.number().positive().optional() }))
  .min(1)
  .refine((parts) => parts.length === 1 || parts.every((p) => p.mean !== undefined && p.std !== undefined), {
    message: 'every part of a multi-network model needs its impostor mean and std',
  });

export const ManifestSchema = z.object({
  id: z.string().min(1),
  /** The base pipeline (detector + alignment + embedder) id; equals `id` for a base model. */
  base: z.string().min(1),
  embedder: EmbedderOptionsSchema,
  dims: z.number().int().positive(),
  /** Cosine similarity at or above which two faces are the same person (calibrated by eval/calibrate). */
  threshold: z.number().min(-1).max(1),
  created: z.string(),
  description: z.string().optional(),
  /** File (next to the manifest) holding the projection head's weights; absent for a base model. */
  head: z.string().optional(),
  /** Present for the fused ResNet + MobileFaceNet model: `embedder` then configures its ResNet half. */
  fusion: FusionSchema.optional(),
  /** Present for models built by nets-embedder.ts (EdgeFace alone, or networks fused by z-score). */
  nets: NetsSchema.optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  calibration: z.record(z.string(), z.unknown()).optional(),
});
export type ModelManifest = z.infer<typeof ManifestSchema>;

export interface ResolvedModel {
  manifest: ModelManifest;
  embedder: EmbedderOptions;
  /** Identity for a base model. */
  project(v: Float32Array): Float32Array;
}

export function manifestPath(id: string, dir = MODELS_DIR): string {
  if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new Error(`model id ${JSON.stringify(id)} may only contain letters, digits, '.', '_' and '-'`);
  return path.join(dir, id, 'manifest.json');
}

export function readManifest(id: string, dir = MODELS_DIR): ModelManifest | null {
  const file = manifestPath(id, dir);
  if (!fs.existsSync(file)) return null;
  const parsed = ManifestSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(`${file} is not a valid model manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function writeManifest(m: ModelManifest, dir = MODELS_DIR): string {
  const file = manifestPath(m.id, dir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(ManifestSchema.parse(m), null, 2)}\n`);
  return file;
}

export function listManifests(dir = MODELS_DIR): ModelManifest[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'manifest.json')))
    .map((e) => readManifest(e.name, dir)!)
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Forward pass of the head (dense layers, then L2 normalisation), in float64 with float32 weights: same output everywhere. */
export function applyHead(head: HeadWeights, v: Float32Array): Float32Array {
  let x: ArrayLike<number> = v;
  for (const layer of head.layers) {
    const y = new Float64Array(layer.b.length);
    for (let o = 0; o < y.length; o++) {
      const row = layer.w[o]!;
      let s = layer.b[o]!;
      for (let i = 0; i < row.length; i++) s += row[i]! * x[i]!;
      y[o] = layer.activation === 'relu' ? Math.max(0, s) : s;
    }
    x = y;
  }
  return l2normalize(Float32Array.from(x));
}

export function readHead(m: ModelManifest, dir = MODELS_DIR): HeadWeights | null {
  if (!m.head) return null;
  return HeadSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, m.id, m.head), 'utf8')));
}

/** The manifest the default pipeline uses when models/ has none for it (a fresh checkout still starts). */
export function builtinManifest(): ModelManifest {
  return {
    id: EMBEDDING_MODEL_ID,
    base: EMBEDDING_MODEL_ID,
    embedder: DEFAULT_EMBEDDER_OPTIONS,
    dims: 128,
    threshold: 0.9,
    created: '1970-01-01T00:00:00.000Z',
    description: 'built-in fallback',
  };
}

/** Loads a model by id: its manifest, embedder settings and head. Throws with the ids available when it is unknown. */
export function resolveModel(id: string, dir = MODELS_DIR): ResolvedModel {
  const manifest = readManifest(id, dir) ?? (id === EMBEDDING_MODEL_ID ? builtinManifest() : null);
  if (!manifest)
    throw new Error(
      `unknown embedding model ${JSON.stringify(id)}; models/ holds: ${
        listManifests(dir)
          .map((m) => m.id)
          .join(', ') || 'none'
      }`,
    );
  if (!manifest.head && !manifest.fusion && !manifest.nets && embedderModelId(manifest.embedder) !== manifest.id) {
    throw new Error(`model ${manifest.id}: its embedder settings give id ${embedderModelId(manifest.embedder)}; a base model's id must match its settings`);
  }
  const head = readHead(manifest, dir);
  if (head && head.layers[head.layers.length - 1]!.b.length !== manifest.dims)
    throw new Error(`model ${manifest.id}: head outputs ${head.layers.at(-1)!.b.length} dims, manifest says ${manifest.dims}`);
  return { manifest, embedder: manifest.embedder, project: head ? (v) => applyHead(head, v) : (v) => v };
}

/** Inverse of embedderModelId: 'dlib-resnet128.chip150[.padP][.cropS][.refine][.flip].v1' → settings, or null. */
export function parseVariantId(id: string): EmbedderOptions | null {
  const m = /^dlib-resnet128\.chip150(?:\.pad([\d.]+?))?(?:\.crop([\d.]+?))?(\.refine)?(\.flip)?\.v1$/.exec(id);
  if (!m) return null;
  const o: EmbedderOptions = { chipPadding: m[1] ? Number(m[1]) : 0.25, cropScale: m[2] ? Number(m[2]) : 1.1, refine: Boolean(m[3]), flip: Boolean(m[4]) };
  return embedderModelId(o) === id ? o : null;
}

/** Embedder settings behind a stored face's model id (a manifest here, or a base variant id), or null when unknown. */
export function embedderOf(modelId: string, dir = MODELS_DIR): EmbedderOptions | null {
  try {
    return readManifest(modelId, dir)?.embedder ?? parseVariantId(modelId);
  } catch {
    return null;
  }
}

/**
 * Whether faces stored by model `fromId` can be re-embedded for `to` from their crops. The stored crop is the aligned
 * chip of the model that enrolled it: the 220 px wide chip since issue 21 (chip-geometry.ts), the 150x150 chip before.
 * Either is valid input for any model whose chip has the same geometry (dlib template, same padding). Landmarks and
 * detector settings only decide where a chip comes from, not what it is. Models on the ArcFace crop (MobileFaceNet,
 * EdgeFace) cut it from the chip: whole from a wide chip; from a 150 px chip of padding 0.25 the part above it (the
 * forehead) is black (warpToChip), which docs/accuracy.md measures ("re-embedded gallery") and accepts.
 */
export function reembedCompatibility(fromId: string, to: ModelManifest, dir = MODELS_DIR): { ok: true } | { ok: false; reason: string } {
  const from = embedderOf(fromId, dir);
  if (!from) return { ok: false, reason: `model ${fromId} is unknown here (no models/${fromId}/manifest.json), so the geometry of its crops is unknown` };
  if (from.chipPadding !== to.embedder.chipPadding)
    return { ok: false, reason: `its crops are chips with padding ${from.chipPadding}, ${to.id} needs padding ${to.embedder.chipPadding}` };
  return { ok: true };
}

/**
 * The networks a model joins, each with its mirror setting and z-score spread, in the order of its vector: a `nets`
 * manifest lists them; the float fusion is the ResNet then MobileFaceNet; any other model is the ResNet alone.
 */
export function manifestParts(m: Pick<ModelManifest, 'nets' | 'fusion' | 'embedder'>): { net: NetName; flip: boolean; std?: number }[] {
  if (m.nets) return m.nets.map((p) => ({ net: p.net, flip: p.flip, ...(p.std !== undefined ? { std: p.std } : {}) }));
  if (m.fusion)
    return [
      { net: 'resnet', flip: m.embedder.flip, std: m.fusion.resnet.std },
      { net: 'mobilefacenet', flip: m.fusion.mobilefacenet.flip, std: m.fusion.mobilefacenet.std },
    ];
  return [{ net: 'resnet', flip: m.embedder.flip }];
}

/** Networks with no TF.js twin: a model naming one runs only where onnxruntime-node loads. */
const ONNX_ONLY_NETS: readonly string[] = ['resnet-int8', 'edgeface-xs', 'edgeface-xxs'];
export function needsOnnxRuntime(m: Pick<ModelManifest, 'nets'>): boolean {
  return (m.nets ?? []).some((p) => ONNX_ONLY_NETS.includes(p.net));
}

/**
 * Whether the model embeds the 112x112 ArcFace crop (MobileFaceNet in the fusion, EdgeFace): a stored 150 px dlib chip
 * cuts off that crop's top, so a face re-embedded from one matches less reliably than it would re-enrolled
 * (docs/accuracy.md, "@regallery"); a wide stored chip (vision/chip-geometry.ts) holds it whole.
 */
export function embedsArcfaceCrop(m: Pick<ModelManifest, 'fusion' | 'nets'>): boolean {
  return m.fusion !== undefined || (m.nets ?? []).some((p) => !isResnet(p.net));
}

/**
 * The smallest stored crop (px a side) a face can be re-embedded from for this model without losing part of the face
 * it reads: the wide chip for a model on the ArcFace crop, null (any stored chip) for the ResNet alone.
 */
export function smallestWholeCropPx(m: Pick<ModelManifest, 'fusion' | 'nets'>): number | null {
  return embedsArcfaceCrop(m) ? WIDE_CHIP_SIZE : null;
}

/**
 * Why a face should be enrolled again, or null: its embedding for the running model was re-embedded from a stored
 * crop too small for the face crop this model reads (faces stored before 2026-12-06 keep a 150 px chip). It still
 * matches, less reliably than a new enrolment would (docs/accuracy.md, the "@regallery" columns).
 */
export function reenrolReason(
  model: Pick<ModelManifest, 'id' | 'fusion' | 'nets'> | null,
  face: { modelId: string; embeddedFromCropPx: number | null },
): string | null {
  if (!model || face.modelId !== model.id || face.embeddedFromCropPx === null) return null;
  const smallest = smallestWholeCropPx(model);
  if (smallest === null || face.embeddedFromCropPx >= smallest) return null;
  return `re-embedded for ${model.id} from a ${face.embeddedFromCropPx} px stored crop, which cuts off the top of the face crop this model reads`;
}
