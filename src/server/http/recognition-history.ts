// /api/v1/recognitions: recent recognitions of known people with their faces, by person and camera; an operator says
// "this is not them" (deleted: it never becomes a face) or "add to them" (it becomes one of their faces).
import { z } from '@hono/zod-openapi';
import { SightingError, type GalleryService } from '../gallery/service.js';
import type { RecognitionsRepo } from '../store/recognitions-repo.js';
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
const Added = z.object({ personId: z.string(), name: z.string(), faceId: z.string() }).openapi('RecognitionAdded');

export interface RecognitionHistoryDeps {
  recognitions: RecognitionsRepo;
  galleryService: Pick<GalleryService, 'addRecognition'>;
}

export function recognitionHistoryRoutes(deps: RecognitionHistoryDeps): App {
  const app = resource();
  const { recognitions: repo } = deps;

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
          items: items.map(({ hasCrop, seenAt, ...r }) => ({ ...r, at: iso(seenAt), cropUrl: hasCrop ? `/api/v1/recognitions/${r.id}/crop` : null })),
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
      description: 'A wrong recognition: removed from the history, so it never becomes one of their faces.',
      request: { params: IdParam },
      responses: { 204: { description: 'Removed' }, ...errorDocs('not_found') },
    }),
    async (c) => {
      if (!(await repo.delete(c.req.valid('param').id))) throw new ApiError('not_found', `no recognition ${c.req.valid('param').id}`);
      return c.body(null, 204);
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
