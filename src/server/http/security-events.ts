// /api/v1/security-events: presentation attacks refused on cameras that require liveness (a photo or a screen held up
// to a door camera), one per track, with the face as seen, the camera, the scores and who it would have been named
// as. For operators (the Security page). Kept SECURITY_EVENTS_RETENTION_DAYS, at most SECURITY_EVENTS_MAX_ROWS.
import { z } from '@hono/zod-openapi';
import type { SecurityEventsRepo } from '../store/security-events-repo.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { IdParam, Page, iso, json, secured } from './schemas.js';

const SecurityEvent = z
  .object({
    id: z.string(),
    kind: z.enum(['presentation_attack']),
    camera: z.string(),
    at: z.string(),
    closest: z
      .object({ personId: z.string().nullable(), name: z.string() })
      .nullable()
      .openapi({ description: 'The enrolled person the face looked most like (personId null once they were deleted); null with an empty gallery.' }),
    similarity: z.number().nullable().openapi({ description: 'Their similarity; null with an empty gallery.' }),
    wouldBeNamed: z
      .boolean()
      .openapi({ description: 'The similarity reached the match threshold: without the check the face would have been named as `closest`.' }),
    liveScore: z.number().openapi({ description: 'The last checked frame’s MiniFASNet mean "real" probability (0..1).' }),
    framesChecked: z.number().int(),
    attackFrames: z.number().int().openapi({ description: 'Frames of the track that scored as attacks.' }),
    cropUrl: z.string().nullable(),
  })
  .openapi('SecurityEvent');

const Query = Page.extend({
  camera: z.string().max(200).optional(),
  from: z.coerce.date().optional().openapi({ description: 'ISO 8601, inclusive' }),
  to: z.coerce.date().optional().openapi({ description: 'ISO 8601, exclusive' }),
});

export function securityEventsRoutes(deps: { securityEvents: SecurityEventsRepo }): App {
  const app = resource();
  const repo = deps.securityEvents;

  app.openapi(
    secured('operator', {
      method: 'get',
      path: '/api/v1/security-events',
      tags: ['events'],
      summary: 'Presentation attacks refused',
      description: 'One per refused track, newest first. Kept SECURITY_EVENTS_RETENTION_DAYS, at most SECURITY_EVENTS_MAX_ROWS.',
      request: { query: Query },
      responses: { 200: json(z.object({ items: z.array(SecurityEvent), total: z.number().int() }), 'Newest first') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      if (q.from && q.to && q.from > q.to) throw new ApiError('validation_failed', 'query: from must not be after to');
      const { items, total } = await repo.list(q);
      return c.json(
        {
          items: items.map((e) => ({
            id: e.id,
            kind: e.kind,
            camera: e.camera,
            at: iso(e.at),
            closest: e.personName === null ? null : { personId: e.personId, name: e.personName },
            similarity: e.similarity,
            wouldBeNamed: e.wouldBeNamed,
            liveScore: e.liveScore,
            framesChecked: e.framesChecked,
            attackFrames: e.attackFrames,
            cropUrl: e.hasCrop ? `/api/v1/security-events/${e.id}/crop` : null,
          })),
          total,
        },
        200,
      );
    },
  );

  app.openapi(
    secured('operator', {
      method: 'get',
      path: '/api/v1/security-events/{id}/crop',
      tags: ['events'],
      summary: 'The face a security event refused',
      request: { params: IdParam },
      responses: { 200: { description: 'JPEG', content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) } } }, ...errorDocs('not_found') },
    }),
    async (c) => {
      const crop = await repo.crop(c.req.valid('param').id);
      if (!crop) throw new ApiError('not_found', `no security event ${c.req.valid('param').id} with a face`);
      return c.body(new Uint8Array(crop), 200, { 'Content-Type': 'image/jpeg', 'Cache-Control': 'private, max-age=3600' }) as never;
    },
  );
  return app;
}
