// /api/v1/index: the search index's stats (size, model, dimensions, backend) and a rebuild from the database.
import { z } from '@hono/zod-openapi';
import type { Config } from '../config.js';
import type { Gallery } from '../gallery/gallery.js';
import type { GalleryService } from '../gallery/service.js';
import type { FacesRepo } from '../store/faces-repo.js';
import { smallestWholeCropPx, type ModelManifest } from '../vision/models.js';
import { resource, type App } from './context.js';
import { json, secured } from './schemas.js';

const IndexStats = z
  .object({
    people: z.number().int(),
    faces: z.number().int(),
    dims: z.number().int(),
    modelId: z.string(),
    backend: z.string().openapi({ description: 'faiss or the exact JavaScript index' }),
    staleFaces: z.number().int().openapi({ description: 'Stored faces made by another model: not searched until re-enrolled.' }),
    facesByModel: z
      .array(z.object({ modelId: z.string(), faces: z.number().int() }))
      .openapi({ description: "Every stored face, by the model that made its embedding (most first); only `modelId`'s are searched." }),
    reenrolFaces: z.number().int().openapi({
      description:
        "Faces of the running model re-embedded from a stored crop too small for the face crop it reads (see the Face's `reenrol`): searched, less reliably than re-enrolled.",
    }),
    threshold: z.number(),
  })
  .openapi('IndexStats');

export interface IndexDeps {
  gallery: Pick<Gallery, 'stats'>;
  galleryService: Pick<GalleryService, 'rebuild' | 'modelId'>;
  faces: Pick<FacesRepo, 'countByModel' | 'countReembeddedFromCropsUnder'>;
  config: Pick<Config, 'MATCH_THRESHOLD'>;
  /** The running embedding model (null: the built-in fallback). */
  model: Pick<ModelManifest, 'id' | 'fusion' | 'nets'> | null;
}

export function indexRoutes(deps: IndexDeps): App {
  const app = resource();
  const smallest = deps.model ? smallestWholeCropPx(deps.model) : null;
  /** Every stored face by model, one query; the faces of other models are the stale ones. */
  const byModel = async () => {
    const facesByModel = await deps.faces.countByModel();
    const staleFaces = facesByModel.filter((m) => m.modelId !== deps.galleryService.modelId).reduce((n, m) => n + m.faces, 0);
    return { staleFaces, facesByModel };
  };
  const stats = async () => ({
    ...deps.gallery.stats(),
    ...(await byModel()),
    reenrolFaces: smallest === null ? 0 : await deps.faces.countReembeddedFromCropsUnder(deps.galleryService.modelId, smallest),
    threshold: deps.config.MATCH_THRESHOLD,
  });

  app.openapi(
    secured('viewer', { method: 'get', path: '/api/v1/index', tags: ['index'], summary: 'Index stats', responses: { 200: json(IndexStats, 'Stats') } }),
    async (c) => c.json(await stats(), 200),
  );

  app.openapi(
    secured('admin', {
      method: 'post',
      path: '/api/v1/index/rebuild',
      tags: ['index'],
      summary: 'Rebuild the index from the database',
      description: 'Every server on the same database rebuilds too.',
      responses: { 200: json(IndexStats, 'Stats after the rebuild') },
    }),
    async (c) => {
      await deps.galleryService.rebuild();
      return c.json(await stats(), 200);
    },
  );
  return app;
}
