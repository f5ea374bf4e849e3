// POST /api/v1/people/{id}/merge: two records of one person become one (faces and check-ins move; the other record goes).
import { z } from '@hono/zod-openapi';
import type { GalleryService } from '../gallery/service.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { IdParam, Uuid, json, jsonRequest, secured } from './schemas.js';

const MergeBody = z
  .object({ from: Uuid.openapi({ description: 'The person merged away: their faces and check-ins move to {id}, then they are deleted.' }) })
  .strict()
  .openapi('MergeBody');
const MergeResult = z.object({ personId: z.string(), name: z.string(), movedFaces: z.number().int(), movedCheckIns: z.number().int() }).openapi('MergeResult');

export interface MergeDeps {
  galleryService: Pick<GalleryService, 'mergePeople'>;
}

export function mergeRoutes(deps: MergeDeps): App {
  const app = resource();
  app.openapi(
    secured(
      'operator',
      {
        method: 'post',
        path: '/api/v1/people/{id}/merge',
        tags: ['people'],
        summary: 'Merge another person into this one',
        description: 'In one transaction. Live views match the merged faces as {id} from the next frame; every server on the database follows.',
        request: { params: IdParam, ...jsonRequest(MergeBody) },
        responses: { 200: json(MergeResult, 'Merged'), ...errorDocs('not_found', 'bad_request') },
      },
      { body: 'json' },
    ),
    async (c) => {
      const { id } = c.req.valid('param');
      const { from } = c.req.valid('json');
      const merged = await deps.galleryService.mergePeople(id, from);
      if (!merged.ok) {
        if (merged.reason === 'same_person') throw new ApiError('bad_request', 'a person cannot be merged into themselves');
        throw new ApiError('not_found', `no person ${merged.which === 'from' ? from : id}`);
      }
      return c.json({ personId: merged.personId, name: merged.name, movedFaces: merged.movedFaces, movedCheckIns: merged.movedCheckIns }, 200);
    },
  );
  return app;
}
