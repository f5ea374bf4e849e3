// Moves a gallery to the server's embedding model at start: faces stored by another model are re-embedded from their
// aligned crops when the crops fit the new model, else left unsearched with a log line saying why and what to do.
import sharp from 'sharp';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import { CHIP_SIZE, WIDE_CHIP_SIZE } from '../vision/chip-geometry.js';
import { readManifest, reembedCompatibility, type ModelManifest } from '../vision/models.js';
import { carryPlan, type CarryPlan } from './reembed-plan.js';

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

/** A stored view of a face to move: its id, crop and embedding under the old model. */
interface StoredView {
  id: string;
  crop: Buffer | null;
  embedding: Float32Array;
}

/**
 * Re-embeds `rows` (all of model `from`) from their crops, a batch at a time, carrying over the parts the new model
 * shares with `from` (reembed-plan.ts); `save` writes one, so a crash half way leaves each row whole under one model.
 * Returns the ids with no decodable crop, which stay as they were.
 */
async function moveViews<R extends StoredView>(
  rows: R[],
  from: { manifest: ModelManifest | null; plan: CarryPlan | null },
  embedChips: (chips: Uint8Array[]) => Promise<Float32Array[]>,
  batch: number,
  save: (row: R, embedding: Float32Array, side: number, carried: CarryPlan | null) => Promise<void>,
): Promise<string[]> {
  const { plan } = from;
  const noCrop: string[] = [];
  for (let i = 0; i < rows.length; i += batch) {
    const part = rows.slice(i, i + batch);
    const chips = await Promise.all(part.map((r) => (r.crop ? chipFromCrop(r.crop) : Promise.resolve(null))));
    const decoded = part.flatMap((r, k) => (chips[k] ? [{ row: r, ...chips[k] }] : []));
    noCrop.push(...part.filter((_, k) => !chips[k]).map((r) => r.id));
    const embeddings = await embedChips(decoded.map((d) => d.chip));
    for (let k = 0; k < decoded.length; k++) {
      const { row, side } = decoded[k]!;
      // A stored vector of another length is not what the old model's manifest says: computed afresh, nothing carried.
      const carried = plan !== null && row.embedding.length === from.manifest?.dims ? plan : null;
      await save(row, carried ? carried.merge(row.embedding, embeddings[k]!) : embeddings[k]!, side, carried);
    }
  }
  return noCrop;
}

/** The old model's manifest and what of its vectors the new model keeps. */
function planFrom(fromId: string, model: ModelManifest): { manifest: ModelManifest | null; plan: CarryPlan | null } {
  const manifest = readManifest(fromId);
  return { manifest, plan: manifest ? carryPlan(manifest, model) : null };
}

export async function reembedGallery(opts: {
  store: Pick<Store, 'reembed'>;
  model: ModelManifest;
  embedChips: (chips: Uint8Array[]) => Promise<Float32Array[]>;
  log: Logger;
  batch?: number;
}): Promise<ReembedResult> {
  const { store, model, embedChips, log } = opts;
  const size = opts.batch ?? 16;
  const result: ReembedResult = { reembedded: 0, refused: [] };
  for (const [fromId, count] of await store.reembed.foreignModels(model.id)) {
    const compat = reembedCompatibility(fromId, model);
    if (!compat.ok) {
      result.refused.push({ modelId: fromId, faces: count, reason: compat.reason });
      continue;
    }
    const t0 = performance.now();
    // Parts the old model shares with the new one stay as they were (reembed-plan.ts); the rest come from the crop.
    const from = planFrom(fromId, model);
    const { plan } = from;
    const rows = await store.reembed.listOfModel(fromId);
    const noCrop = await moveViews(rows, from, embedChips, size, (row, embedding, side, carried) =>
      // Only ResNets recomputed (they read any stored chip whole): the face is as good as it was, and says so.
      store.reembed.setEmbedding(row.id, model.id, embedding, carried?.keepsQuality ? row.embeddedFromCropPx : side),
    );
    result.reembedded += rows.length - noCrop.length;
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
  // Unknown sightings and recognitions move too, so an operator can still make faces of them after the change.
  for (const [what, repo] of Object.entries(store.reembed.kept)) {
    for (const [fromId, count] of await repo.foreignModels(model.id)) {
      if (!reembedCompatibility(fromId, model).ok) {
        log.warn(`${count} ${what} of model ${fromId} cannot be moved to ${model.id}; they cannot be made faces of anyone`);
        continue;
      }
      const rows = await repo.listOfModel(fromId);
      const noCrop = await moveViews(rows, planFrom(fromId, model), embedChips, size, (row, embedding) => repo.setEmbedding(row.id, model.id, embedding));
      log.info(`re-embedded ${rows.length - noCrop.length} ${what} from ${fromId} to ${model.id}`, noCrop.length ? { withoutCrop: noCrop.length } : {});
    }
  }
  return result;
}
