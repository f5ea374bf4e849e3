// A stored chip through the gallery's re-embedding: saved as the JPEG crop an enrolment writes, under the ResNet model
// the server used to run, in a fresh in-memory store, then re-embedded for `model` as a start-up does.
import sharp from 'sharp';
import { reembedGallery, type ReembedResult } from '../../src/server/gallery/reembed.js';
import { silentLogger } from '../../src/server/log.js';
import { MEMORY, openStore } from '../../src/server/store/db.js';
import type { ModelAnalyzer } from '../../src/server/vision/analyzer.js';
import { EMBEDDING_MODEL_ID } from '../../src/server/vision/embedder.js';

/**
 * `side`: the chip's width and height (150 for the ResNet's chip, 220 for the wide chip). `stored`: the face's embedding
 * under the ResNet model; by default a vector no face has, which a target model sharing the ResNet with it would carry
 * over unchanged (gallery/reembed-plan.ts), so pass the real one for such a model.
 */
export async function reembedStoredChip(
  model: ModelAnalyzer,
  chip: Uint8Array,
  side: number,
  stored: Float32Array = Float32Array.from({ length: 128 }, (_, i) => (i ? 0 : 1)),
): Promise<{ result: ReembedResult; template: Float32Array }> {
  const crop = await sharp(Buffer.from(chip), { raw: { width: side, height: side, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
  const store = await openStore({ dataDir: MEMORY });
  try {
    await store.commitEnrolment({
      name: 'Barack',
      modelId: EMBEDDING_MODEL_ID,
      faces: [{ embedding: stored, crop }],
    });
    const result = await reembedGallery({ store, model: model.manifest, embedChips: (c) => model.embedChips(c), log: silentLogger });
    const [t] = await store.listFaceTemplates(model.manifest.id);
    return { result, template: t!.embedding };
  } finally {
    await store.close();
  }
}
