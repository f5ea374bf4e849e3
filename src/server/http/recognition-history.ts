// /api/v1/recognitions: recent recognitions of known people with their faces, by person and camera; an operator says
// "this is not them" (hidden: it never becomes a face; undone within RECOGNITIONS_UNDO_MS, deleted after) or "add to
// them" (it becomes one of their faces).
import { z } from '@hono/zod-openapi';
import { SightingError, type GalleryService } from '../gallery/service.js';
import type { RecognitionSummary, RecognitionsRepo } from '../store/recognitions-repo.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { IdParam, Page, iso, json, secured } from './schemas.js';

const Recognition = z
  .object({
    id: z.string(),
    personId: z.string(),
    personName: z.string(),
    camera: z.string(),
    at: z.string(),
    score: z.number().openapi({ description: 'Similarity to the person when the track was named.' }),
    cropUrl: z.string().nullable(),
  })
  .openapi('Recognition');
const Dismissed = z
  .object({
    id: z.string(),
    undoUntil: z.string().openapi({ description: 'ISO 8601 with offset: until then POST /api/v1/recognitions/{id}/restore brings it back.' }),
  })
  .openapi('RecognitionDismissed');
const Added = z.object({ personId: z.string(), name: z.string(), faceId: z.string() }).openapi('RecognitionAdded');

export interface RecognitionHistoryDeps {
  recognitions: RecognitionsRepo;
  galleryService: Pick<GalleryService, 'addRecognition'>;
  /** How long "not them" can be undone, ms (RECOGNITIONS_UNDO_MS). */
  undoMs: number;
  clock?: () => number;
}

export function recognitionHistoryRoutes(deps: RecognitionHistoryDeps): App {
  const app = resource();
  const { recognitions: repo } = deps;
  const now = deps.clock ?? Date.now;
  const view = ({ hasCrop, seenAt, ...r }: RecognitionSummary) => ({ ...r, at: iso(seenAt), cropUrl: hasCrop ? `/api/v1/recognitions/${r.id}/crop` : null });

  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/recognitions',
      tags: ['events'],
      summary: 'Recent recognitions of known people',
      description: 'One per recognized track, with the face as the camera saw it. Kept RECOGNITIONS_RETENTION_DAYS, at most RECOGNITIONS_MAX_ROWS.',
      request: { query: Page.extend({ personId: z.string().uuid().optional(), camera: z.string().max(200).optional() }) },
      responses: { 200: json(z.object({ items: z.array(Recognition), total: z.number().int() }), 'Newest first') },
    }),
    async (c) => {
      const { items, total } = await repo.list(c.req.valid('query'));
      return c.json(
        {
          items: items.map(view),
          total,
        },
        200,
      );
    },
  );

  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/recognitions/{id}/crop',
      tags: ['events'],
      summary: "A recognition's face",
      request: { params: IdParam },
      responses: { 200: { description: 'JPEG', content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) } } }, ...errorDocs('not_found') },
    }),
    async (c) => {
      const crop = await repo.crop(c.req.valid('param').id);
      if (!crop) throw new ApiError('not_found', `no recognition ${c.req.valid('param').id} with a face`);
      return c.body(new Uint8Array(crop), 200, { 'Content-Type': 'image/jpeg' }) as never;
    },
  );

  app.openapi(
    secured('operator', {
      method: 'delete',
      path: '/api/v1/recognitions/{id}',
      tags: ['events'],
      summary: 'This is not them',
      description:
        'A wrong recognition: hidden from the history at once and never made one of their faces. It can be restored until `undoUntil` (RECOGNITIONS_UNDO_MS), then it is deleted.',
      request: { params: IdParam },
      responses: { 200: json(Dismissed, 'Hidden; restorable until undoUntil'), ...errorDocs('not_found') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const at = now();
      if (!(await repo.dismiss(id, new Date(at)))) throw new ApiError('not_found', `no recognition ${id}`);
      return c.json({ id, undoUntil: iso(new Date(at + deps.undoMs)) }, 200);
    },
  );

  app.openapi(
    secured('operator', {
      method: 'post',
      path: '/api/v1/recognitions/{id}/restore',
      tags: ['events'],
      summary: 'Undo "this is not them"',
      description: 'Shows a recognition removed by DELETE again, if it was removed less than RECOGNITIONS_UNDO_MS ago.',
      request: { params: IdParam },
      responses: { 200: json(Recognition, 'Shown again'), ...errorDocs('not_found') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const restored = await repo.restore(id, new Date(now() - deps.undoMs));
      if (!restored)
        throw new ApiError('not_found', `no recognition ${id} removed in the last ${Math.round(deps.undoMs / 60_000)} min: it can no longer be restored`);
      return c.json(view(restored), 200);
    },
  );

  app.openapi(
    secured('operator', {
      method: 'post',
      path: '/api/v1/recognitions/{id}/add-to-person',
      tags: ['events'],
      summary: 'Add to them',
      description: 'The recognized face becomes one of the person’s faces (a template), in one transaction; it leaves the history.',
      request: { params: IdParam },
      responses: { 201: json(Added, 'Added'), ...errorDocs('not_found', 'model_mismatch') },
    }),
    async (c) => {
      try {
        const r = await deps.galleryService.addRecognition(c.req.valid('param').id);
        return c.json({ personId: r.personId, name: r.name, faceId: r.faceId }, 201);
      } catch (err) {
        if (err instanceof SightingError) throw new ApiError(err.code === 'model_mismatch' ? 'model_mismatch' : 'not_found', err.message);
        throw err;
      }
    },
  );
  return app;
}
