// Moves a gallery to the server's embedding model at start: faces stored by another model are re-embedded from their
// aligned crops when the crops fit the new model, else left unsearched with a log line saying why and what to do.
import sharp from 'sharp';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import { CHIP_SIZE, WIDE_CHIP_SIZE } from '../vision/chip-geometry.js';
import { readManifest, reembedCompatibility, type ModelManifest } from '../vision/models.js';
import { carryPlan } from './reembed-plan.js';

export interface ReembedResult {
  reembedded: number;
  /** Faces left under their old model id (not searched), by reason. */
  refused: { modelId: string; faces: number; reason: string }[];
}

/**
 * Decodes a stored JPEG crop to the packed RGB chip the embedder takes; null when it is not a decodable chip. A wide
 * chip (220 px, stored since issue 21) stays as it is, so a model on the ArcFace crop gets it whole; any other crop is
 * taken as a 150 px chip (what was stored before, or an imported crop), resized if it is not one.
 */
async function chipFromCrop(crop: Buffer): Promise<{ chip: Uint8Array; side: number } | null> {
  try {
    const image = sharp(crop).removeAlpha().toColourspace('srgb');
    const { width, height } = await image.metadata();
    const side = width === WIDE_CHIP_SIZE && height === WIDE_CHIP_SIZE ? WIDE_CHIP_SIZE : CHIP_SIZE;
    const { data, info } = await image.resize(side, side, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    return info.channels === 3 ? { chip: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), side } : null;
  } catch {
    return null;
  }
}

export async function reembedGallery(opts: {
  store: Pick<Store, 'reembed'>;
  model: ModelManifest;
  embedChips: (chips: Uint8Array[]) => Promise<Float32Array[]>;
  log: Logger;
  batch?: number;
}): Promise<ReembedResult> {
  const { store, model, embedChips, log } = opts;
  const result: ReembedResult = { reembedded: 0, refused: [] };
  for (const [fromId, count] of await store.reembed.foreignModels(model.id)) {
    const compat = reembedCompatibility(fromId, model);
    if (!compat.ok) {
      result.refused.push({ modelId: fromId, faces: count, reason: compat.reason });
      continue;
    }
    const t0 = performance.now();
    // Parts the old model shares with the new one stay as they were (reembed-plan.ts); the rest come from the crop.
    const fromManifest = readManifest(fromId);
    const plan = fromManifest ? carryPlan(fromManifest, model) : null;
    const rows = await store.reembed.listOfModel(fromId);
    const noCrop: string[] = [];
    const size = opts.batch ?? 16;
    for (let i = 0; i < rows.length; i += size) {
      const part = rows.slice(i, i + size);
      const chips = await Promise.all(part.map((r) => (r.crop ? chipFromCrop(r.crop) : Promise.resolve(null))));
      const decoded = part.flatMap((r, k) => (chips[k] ? [{ row: r, ...chips[k] }] : []));
      noCrop.push(...part.filter((_, k) => !chips[k]).map((r) => r.id));
      const embeddings = await embedChips(decoded.map((d) => d.chip));
      // One face at a time: a crash half way leaves every face either fully old or fully new, and the next start continues.
      for (let k = 0; k < decoded.length; k++) {
        const { row, side } = decoded[k]!;
        const carried = plan !== null && row.embedding.length === fromManifest!.dims;
        const embedding = carried ? plan.merge(row.embedding, embeddings[k]!) : embeddings[k]!;
        await store.reembed.setEmbedding(row.id, model.id, embedding, carried && plan.keepsQuality ? row.embeddedFromCropPx : side);
      }
      result.reembedded += decoded.length;
    }
    if (noCrop.length > 0) result.refused.push({ modelId: fromId, faces: noCrop.length, reason: 'no stored crop (or it does not decode)' });
    log.info(
      `re-embedded ${rows.length - noCrop.length} faces from ${fromId} to ${model.id} using their stored crops` +
        (plan ? ` (${plan.recomputed.join(', ')} from the crop; ${plan.carried.join(', ')} kept from the stored embedding)` : ''),
      { ms: Math.round(performance.now() - t0) },
    );
  }
  for (const r of result.refused) {
    log.warn(
      `${r.faces} faces enrolled with model ${r.modelId} cannot be re-embedded for ${model.id}: ${r.reason}. They are not searched; re-enrol those people, or start with EMBEDDING_MODEL=${r.modelId}`,
    );
  }
  return result;
}
