// Commits a finished enrolment through the gallery service: the aligned chips become JPEG crops, then person and faces
// are stored in one transaction and the gallery learns them (gallery/service.ts).
import sharp from 'sharp';
import type { GalleryService } from '../gallery/service.js';
import type { EnrolmentResult } from '../store/types.js';
import { CHIP_SIZE, WIDE_CHIP_SIZE } from '../vision/chip-geometry.js';
import type { CapturedView } from './capture.js';

export interface EnrolmentDeps {
  galleryService: Pick<GalleryService, 'enrol'>;
  /** Bulk imports: no `changed` per person; the import announces at its own pace. */
  quiet?: boolean;
}

/** `sourceHashes[i]`: the SHA-256 of the image file view i came from (imports), stored with the face in the same transaction. */
export async function commitViews(
  deps: EnrolmentDeps,
  name: string,
  views: CapturedView[],
  sourceHashes: (string | undefined)[] = [],
): Promise<EnrolmentResult> {
  // The aligned chip is kept as a small JPEG so the gallery can be re-embedded when the model changes: the wide chip
  // where there is one (vision/chip-geometry.ts: it holds the ArcFace crop whole), else the 150 px chip.
  const crops = await Promise.all(
    views.map((v) => {
      const side = v.wideChip ? WIDE_CHIP_SIZE : CHIP_SIZE;
      return sharp(Buffer.from(v.wideChip ?? v.chip), { raw: { width: side, height: side, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer();
    }),
  );
  const faces = views.map((v, i) => ({
    embedding: v.embedding,
    crop: new Uint8Array(crops[i]!),
    quality: v.quality,
    sourceHash: sourceHashes[i],
    measures: v.measures ? { ...v.measures } : undefined,
    overridden: v.overridden,
  }));
  return deps.galleryService.enrol(name, faces, { quiet: deps.quiet });
}
