// Which parts of a stored embedding survive a move to another model. A model's vector is its networks' unit vectors,
// each weighted by its z-score spread (nets-embedder.ts). When the new model shares a network with the old one, run the
// same way on the same landmarks (the default's MobileFaceNet when its ResNet goes from float to int8), that part of
// the stored vector is still right: it is carried over, re-weighted, rather than computed again from the stored crop.
// That matters because a face stored before 2026-12-06 kept a 150 px crop, which cuts off the top of the ArcFace crop
// MobileFaceNet reads. If every part computed again is a ResNet (which reads the 150 px chip whole), the moved face is
// as good as it was, and keeps its record of where it was made from.
import { manifestParts, type ModelManifest } from '../vision/models.js';
import { isResnet, NET_DIMS, partWeights, type NetName } from '../vision/nets-embedder.js';

export interface CarryPlan {
  /** Networks whose part is taken from the stored vector. */
  carried: NetName[];
  /** Networks whose part comes from the new model's embedding of the stored crop. */
  recomputed: NetName[];
  /** Every recomputed network reads the stored chip whole: the face keeps the quality (and crop record) it had. */
  keepsQuality: boolean;
  /** The new vector: `fresh` (the new model's embedding of the crop) with the carried parts taken from `stored`. */
  merge(stored: Float32Array, fresh: Float32Array): Float32Array;
}

const sameLandmarks = (a: ModelManifest['embedder'], b: ModelManifest['embedder']) =>
  a.chipPadding === b.chipPadding && a.cropScale === b.cropScale && a.refine === b.refine;

/** Null when nothing can be carried (no shared network, other landmarks, or a trained head on either side). */
export function carryPlan(from: ModelManifest, to: ModelManifest): CarryPlan | null {
  if (from.head || to.head || !sameLandmarks(from.embedder, to.embedder)) return null;
  const [fromParts, toParts] = [manifestParts(from), manifestParts(to)];
  if (fromParts.length > 1 && fromParts.some((p) => p.std === undefined)) return null;
  const source = toParts.map((p) => fromParts.findIndex((q) => q.net === p.net && q.flip === p.flip));
  if (source.every((j) => j < 0)) return null;
  const [wFrom, wTo] = [partWeights(fromParts), partWeights(toParts)];
  const offsets = (parts: { net: NetName }[]) => parts.map((_, i) => parts.slice(0, i).reduce((s, p) => s + NET_DIMS[p.net], 0));
  const [fromAt, toAt] = [offsets(fromParts), offsets(toParts)];
  const recomputed = toParts.filter((_, i) => source[i]! < 0).map((p) => p.net);
  return {
    carried: toParts.filter((_, i) => source[i]! >= 0).map((p) => p.net),
    recomputed,
    keepsQuality: recomputed.every(isResnet),
    merge(stored, fresh) {
      const out = Float32Array.from(fresh);
      toParts.forEach((p, i) => {
        const j = source[i]!;
        if (j < 0) return;
        const scale = wTo[i]! / wFrom[j]!;
        for (let k = 0; k < NET_DIMS[p.net]; k++) out[toAt[i]! + k] = stored[fromAt[j]! + k]! * scale;
      });
      return out;
    },
  };
}
