// Steps: the gallery (the searchable index of enrolled faces, for one embedding model) and the gallery service (every
// write of faces and people, announced to the other servers on the same database).
import path from 'node:path';
import type { Config } from '../config.js';
import type { CrashAt } from '../crash-points.js';
import type { EventBus } from '../events/bus.js';
import { createGallery, type Gallery } from '../gallery/gallery.js';
import { reembedGallery } from '../gallery/reembed.js';
import { createGalleryService, type GalleryService } from '../gallery/service.js';
import { defaultIndexFactory, type IndexFactory } from '../gallery/vector-index.js';
import type { Logger } from '../log.js';
import { MEMORY } from '../store/db.js';
import type { Store } from '../store/types.js';
import type { FaceAnalyzer, ModelAnalyzer } from '../vision/analyzer.js';

/**
 * Where the gallery index is saved; null when it is not (GALLERY_INDEX_DIR=off, or an in-memory database). Absolute,
 * resolved at start: Node's recursive mkdir of a relative path never settles once the working directory has been
 * deleted, and spins a core (measured: a server whose checkout was removed under it ran its main thread at 100% and
 * could not shut down, waiting on the index save).
 */
export function galleryIndexDir(config: Config): string | null {
  if (config.GALLERY_INDEX_DIR === 'off') return null;
  if (config.GALLERY_INDEX_DIR) return path.resolve(config.GALLERY_INDEX_DIR);
  return config.DATA_DIR === MEMORY ? null : path.resolve(config.DATA_DIR, 'gallery-index');
}

export interface GalleryDeps {
  config: Config;
  store: Store;
  log: Logger;
  indexFactory?: IndexFactory;
}

/** Loads the gallery of `modelId` (its saved index, or every embedding). */
export function openGallery({ config, store, log, indexFactory }: GalleryDeps, modelId: string, dims: number): Promise<Gallery> {
  const ann = {
    minFaces: config.GALLERY_ANN_MIN_FACES,
    kind: config.GALLERY_ANN,
    nprobe: config.GALLERY_IVF_NPROBE,
    efSearch: config.GALLERY_HNSW_EF_SEARCH,
  };
  const indexDir = galleryIndexDir(config);
  return createGallery({
    store,
    modelId,
    dims,
    indexFactory: indexFactory ?? defaultIndexFactory(ann),
    changeHead: () => store.changes.head(),
    onRebuildError: (err) => log.error('gallery: rebuilding the outgrown index failed; it keeps serving the old one', { error: String(err) }),
    persist: indexDir
      ? {
          dir: indexDir,
          // Until openStore() offers this repository itself (issue 12: the store is being sealed behind repositories).
          listFaceRefs: (m) => store.snapshot.faceRefs(m),
          saveDelayMs: config.GALLERY_INDEX_SAVE_DELAY_MS,
          log,
        }
      : undefined,
  });
}

/**
 * A gallery is only ever searched with one model: stored faces of another are re-embedded from their crops into the
 * loaded model's (or, when it cannot, refused and logged). Returns whether the gallery must be read again.
 */
export async function reembedStaleFaces(store: Store, analyzer: FaceAnalyzer, log: Logger): Promise<boolean> {
  const stale = await store.countFacesNotFromModel(analyzer.modelId);
  // Unknown sightings and recognitions of another model: moved with the faces, so they can still be made faces.
  const keptStale = (await Promise.all(Object.values(store.reembed.kept).map((r) => r.foreignModels(analyzer.modelId)))).some((m) => m.size > 0);
  const embedChips = (analyzer as Partial<ModelAnalyzer>).embedChips;
  if ((stale > 0 || keptStale) && embedChips !== undefined) {
    await reembedGallery({ store, model: (analyzer as ModelAnalyzer).manifest, embedChips, log });
    return stale > 0;
  }
  if (stale > 0) log.warn(`${stale} stored faces were embedded by another model and are not searched; re-enrol them`, { model: analyzer.modelId });
  return false;
}

export interface GalleryServiceDeps {
  config: Config;
  store: Store;
  gallery: Gallery;
  bus: EventBus;
  modelId: string;
  crash: CrashAt;
  log: Logger;
}

export function openGalleryService({ config, ...deps }: GalleryServiceDeps): GalleryService {
  return createGalleryService({
    ...deps,
    settings: {
      importBatchPeople: config.GALLERY_IMPORT_BATCH_PEOPLE,
      changelogKeep: config.GALLERY_CHANGELOG_KEEP,
      syncPollMs: config.GALLERY_SYNC_POLL_MS,
    },
  });
}
