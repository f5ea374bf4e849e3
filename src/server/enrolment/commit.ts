// Commits a finished enrolment: person + faces in one database transaction, then the gallery learns them.
import sharp from 'sharp';
import type { Gallery } from '../gallery/gallery.js';
import type { CrashAt } from '../crash-points.js';
import type { EnrolmentResult, Store } from '../store/types.js';
import { CHIP_SIZE } from '../vision/embedder.js';
import type { CapturedView } from './capture.js';

export interface EnrolmentDeps {
  store: Store;
  gallery: Gallery;
  modelId: string;
  /** Called after the gallery changed, to tell every live session. */
  onGalleryChanged: () => void;
  /** kill -9 tests only (TEST_CRASH_AT). */
  crash?: CrashAt;
}

/** `sourceHashes[i]`: the SHA-256 of the image file view i came from (imports), stored with the face in the same transaction. */
export async function commitViews(
  deps: EnrolmentDeps,
  name: string,
  views: CapturedView[],
  sourceHashes: (string | undefined)[] = [],
): Promise<EnrolmentResult> {
  // The aligned chip is kept as a small JPEG so the gallery can be re-embedded when the model changes.
  const crops = await Promise.all(
    views.map((v) =>
      sharp(Buffer.from(v.chip), { raw: { width: CHIP_SIZE, height: CHIP_SIZE, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    ),
  );
  const result = await deps.store.commitEnrolment({
    name,
    modelId: deps.modelId,
    faces: views.map((v, i) => ({ embedding: v.embedding, crop: new Uint8Array(crops[i]!), quality: v.quality, sourceHash: sourceHashes[i] })),
  });
  deps.crash?.('enrol.after-commit'); // kill -9 tests: stored, not yet in the index
  deps.gallery.add(result.faceIds.map((faceId, i) => ({ faceId, personId: result.personId, personName: result.name, embedding: views[i]!.embedding })));
  deps.onGalleryChanged();
  return result;
}
