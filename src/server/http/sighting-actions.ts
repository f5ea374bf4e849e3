// Turning an unknown sighting into a face: promote it to a new person, or attach it to an existing one (operator).
import { z } from '@hono/zod-openapi';
import { SightingError, type GalleryService, type SightingFaceResult } from '../gallery/service.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs, type ErrorCode } from './errors.js';
import { IdParam, secured } from './schemas.js';

const Result = z.object({ personId: z.string(), name: z.string(), faceId: z.string(), created: z.boolean() }).openapi('SightingFace');

const API_CODE: Record<SightingError['code'], ErrorCode> = {
  sighting_not_found: 'not_found',
  recognition_not_found: 'not_found',
  person_not_found: 'not_found',
  name_taken: 'duplicate_name',
  model_mismatch: 'model_mismatch',
};

export interface SightingActionsDeps {
  galleryService: Pick<GalleryService, 'promoteSighting' | 'attachSighting'>;
}

export function sightingActionsRoutes(deps: SightingActionsDeps): App {
  const app = resource();
  async function run(action: () => Promise<SightingFaceResult>): Promise<SightingFaceResult> {
    try {
      return await action();
    } catch (err) {
      if (err instanceof SightingError) throw new ApiError(API_CODE[err.code], err.message);
      throw err;
    }
  }

  app.openapi(
    secured('operator', {
      method: 'post',
      path: '/api/v1/sightings/{id}/promote',
      tags: ['events'],
      summary: 'Make an unknown sighting a new person',
      description: 'The sighting becomes the first face of a new person with this name, in one transaction; the sighting is removed.',
      request: {
        params: IdParam,
        body: { content: { 'application/json': { schema: z.object({ name: z.string().trim().min(1).max(100) }) } }, required: true },
      },
      responses: {
        201: { description: 'Created', content: { 'application/json': { schema: Result } } },
        ...errorDocs('not_found', 'duplicate_name', 'model_mismatch'),
      },
    }),
    async (c) => c.json(await run(() => deps.galleryService.promoteSighting(c.req.valid('param').id, c.req.valid('json').name)), 201),
  );

  app.openapi(
    secured('operator', {
      method: 'post',
      path: '/api/v1/sightings/{id}/attach',
      tags: ['events'],
      summary: 'Add an unknown sighting to an existing person',
      request: { params: IdParam, body: { content: { 'application/json': { schema: z.object({ personId: z.string().uuid() }) } }, required: true } },
      responses: { 200: { description: 'Attached', content: { 'application/json': { schema: Result } } }, ...errorDocs('not_found', 'model_mismatch') },
    }),
    async (c) => c.json(await run(() => deps.galleryService.attachSighting(c.req.valid('param').id, c.req.valid('json').personId)), 200),
  );
  return app;
}
